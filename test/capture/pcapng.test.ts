import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureError, LinkType, parsePcapng, readCapture } from '../../src/capture/index.js';
import { ETH_IPV4, ethernet, ipv4, isakmpMessage, PcapngWriter, udp } from './builders.js';

const frame = ethernet(ETH_IPV4, ipv4('192.0.2.1', '192.0.2.2', 17, udp(500, 500, isakmpMessage(2, 3))));

function isCaptureError(code: string, offset?: number): (e: unknown) => boolean {
  return (e: unknown) =>
    e instanceof CaptureError && e.code === code && (offset === undefined || e.offset === offset);
}

describe('pcapng', () => {
  for (const littleEndian of [true, false]) {
    const w = new PcapngWriter(littleEndian);
    it(`reads ${littleEndian ? 'little' : 'big'}-endian sections with EPB, SPB, the obsolete PB and unknown blocks`, () => {
      const file = Buffer.concat([
        w.shb(w.option(4, Buffer.from('ikets test'))),
        w.idb(LinkType.ETHERNET, 0, Buffer.concat([w.option(2, Buffer.from('eth0')), w.endOfOptions()])),
        w.block(0x0bad, Buffer.alloc(8)), // unknown block type: skipped
        w.block(5, Buffer.alloc(12)), // Interface Statistics Block: skipped
        w.epb(
          0,
          1_700_000_000_123_456n,
          frame,
          frame.length,
          Buffer.concat([w.option(1, Buffer.from('hi')), w.endOfOptions()]),
        ),
        w.spb(frame),
        w.opb(0, 5n, frame),
      ]);
      const parsed = parsePcapng(file);
      assert.equal(parsed.format, 'pcapng');
      assert.equal(parsed.littleEndian, littleEndian);
      assert.deepEqual(parsed.interfaces, [
        { id: 0, linkType: 1, snaplen: 0, unitsPerSecond: 1_000_000n, name: 'eth0' },
      ]);
      assert.equal(parsed.frames.length, 3);
      assert.equal(parsed.frames[0]?.timestampNs, 1_700_000_000_123_456_000n);
      assert.equal(parsed.frames[1]?.timestampNs, 0n); // SPB has no timestamp
      assert.equal(parsed.frames[2]?.timestampNs, 5000n);
      for (const f of parsed.frames) assert.deepEqual(f.data, frame);
      assert.deepEqual(
        readCapture(file).datagrams.map((d) => [d.frame, d.kind]),
        [
          [1, 'isakmp'],
          [2, 'isakmp'],
          [3, 'isakmp'],
        ],
      );
    });

    it(`honours if_tsresol (decimal and binary) and if_tsoffset (${littleEndian ? 'LE' : 'BE'})`, () => {
      const offset = Buffer.alloc(8);
      if (littleEndian) offset.writeBigInt64LE(100n, 0);
      else offset.writeBigInt64BE(100n, 0);
      const file = Buffer.concat([
        w.shb(),
        w.idb(LinkType.RAW, 0, Buffer.concat([w.option(9, Buffer.from([9])), w.endOfOptions()])),
        w.idb(LinkType.RAW, 0, Buffer.concat([w.option(9, Buffer.from([0x80 | 10])), w.option(14, offset)])),
        w.epb(0, 1_500_000_000n, Buffer.alloc(0)),
        w.epb(1, 3n * 1024n + 512n, Buffer.alloc(0)),
      ]);
      const parsed = parsePcapng(file);
      assert.equal(parsed.interfaces[0]?.unitsPerSecond, 1_000_000_000n);
      assert.equal(parsed.interfaces[1]?.unitsPerSecond, 1024n);
      assert.equal(parsed.frames[0]?.timestampNs, 1_500_000_000n);
      assert.equal(parsed.frames[1]?.timestampNs, 103_500_000_000n);
      assert.equal(parsed.frames[1]?.interfaceId, 1);
    });
  }

  it('reads several sections of different byte order; interface ids restart per section', () => {
    const le = new PcapngWriter(true);
    const be = new PcapngWriter(false);
    const file = Buffer.concat([
      le.shb(),
      le.idb(LinkType.LINUX_SLL2),
      le.idb(LinkType.ETHERNET),
      le.epb(1, 1n, frame),
      be.shb(),
      be.idb(LinkType.ETHERNET),
      be.epb(0, 2n, frame),
    ]);
    const parsed = parsePcapng(file);
    assert.equal(parsed.littleEndian, true);
    assert.equal(parsed.interfaces.length, 3);
    assert.deepEqual(
      parsed.frames.map((f) => [f.interfaceId, f.linkType]),
      [
        [1, LinkType.ETHERNET],
        [2, LinkType.ETHERNET],
      ],
    );
    assert.equal(readCapture(file).datagrams.length, 2);
  });

  it('cuts Simple Packet Blocks at the interface snaplen', () => {
    const w = new PcapngWriter(true);
    const parsed = parsePcapng(Buffer.concat([w.shb(), w.idb(LinkType.ETHERNET, 20), w.spb(frame)]));
    assert.equal(parsed.frames[0]?.data.length, 20);
    assert.equal(parsed.frames[0]?.originalLength, frame.length);
    const read = readCapture(Buffer.concat([w.shb(), w.idb(LinkType.ETHERNET, 40), w.spb(frame)]));
    assert.equal(read.datagrams.length, 0);
    assert.equal(read.skipped[0]?.malformed, true);
  });

  describe('malformed input gives a typed error', () => {
    const w = new PcapngWriter(true);
    const good = Buffer.concat([w.shb(), w.idb(LinkType.ETHERNET), w.epb(0, 0n, frame)]);

    it('no Section Header Block first', () => {
      assert.throws(() => parsePcapng(w.idb(1)), isCaptureError('ERR_CAPTURE_BAD_MAGIC', 0));
    });
    it('bad byte-order magic', () => {
      const b = Buffer.from(good);
      b.writeUInt32LE(0x12345678, 8);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_MAGIC', 8));
    });
    it('block length not a multiple of 4, or below 12', () => {
      const b = Buffer.from(good);
      b.writeUInt32LE(29, 4);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_BLOCK', 4));
      b.writeUInt32LE(8, 4);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_BLOCK', 4));
    });
    it('trailer length differs', () => {
      const b = Buffer.from(good);
      b.writeUInt32LE(999, 24);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_BLOCK', 24));
    });
    it('block running past the end', () => {
      assert.throws(
        () => parsePcapng(good.subarray(0, good.length - 4)),
        isCaptureError('ERR_CAPTURE_TRUNCATED', 48),
      );
      assert.throws(
        () => parsePcapng(good.subarray(0, good.length - frame.length)),
        isCaptureError('ERR_CAPTURE_TRUNCATED'),
      );
    });
    it('packet on an undescribed interface', () => {
      const b = Buffer.concat([w.shb(), w.idb(1), w.epb(1, 0n, frame)]);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_INTERFACE', 56));
      assert.throws(
        () => parsePcapng(Buffer.concat([w.shb(), w.spb(frame)])),
        isCaptureError('ERR_CAPTURE_BAD_INTERFACE'),
      );
    });
    it('captured length beyond its block', () => {
      const b = Buffer.from(good);
      b.writeUInt32LE(frame.length + 100, 48 + 20);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_BLOCK', 68));
    });
    it('option running past its block, bad if_tsresol', () => {
      const opt = Buffer.concat([w.u16(2), w.u16(200)]);
      assert.throws(
        () => parsePcapng(Buffer.concat([w.shb(), w.idb(1, 0, opt)])),
        isCaptureError('ERR_CAPTURE_BAD_BLOCK'),
      );
      const big = w.option(9, Buffer.from([99]));
      assert.throws(
        () => parsePcapng(Buffer.concat([w.shb(), w.idb(1, 0, big)])),
        isCaptureError('ERR_CAPTURE_BAD_FIELD'),
      );
      const two = w.option(9, Buffer.from([6, 6]));
      assert.throws(
        () => parsePcapng(Buffer.concat([w.shb(), w.idb(1, 0, two)])),
        isCaptureError('ERR_CAPTURE_BAD_BLOCK'),
      );
    });
    it('unsupported major version, trailing garbage', () => {
      const b = Buffer.from(good);
      b.writeUInt16LE(2, 12);
      assert.throws(() => parsePcapng(b), isCaptureError('ERR_CAPTURE_BAD_FIELD', 12));
      assert.throws(
        () => parsePcapng(Buffer.concat([good, Buffer.alloc(5)])),
        isCaptureError('ERR_CAPTURE_TRUNCATED'),
      );
    });
  });
});
