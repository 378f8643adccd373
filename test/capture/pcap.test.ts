import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureError, LinkType, parsePcap, readCapture } from '../../src/capture/index.js';
import { ETH_IPV4, ethernet, ipv4, isakmpMessage, pcapFile, udp } from './builders.js';

const frame = ethernet(ETH_IPV4, ipv4('192.0.2.1', '192.0.2.2', 17, udp(500, 500, isakmpMessage())));

describe('classic pcap', () => {
  for (const littleEndian of [true, false]) {
    for (const nanos of [false, true]) {
      it(`reads ${littleEndian ? 'little' : 'big'}-endian ${nanos ? 'nanosecond' : 'microsecond'} files`, () => {
        const fraction = nanos ? 123_456_789 : 123_456;
        const file = pcapFile(
          LinkType.ETHERNET,
          [
            { seconds: 1_700_000_000, fraction, data: frame },
            { seconds: 1_700_000_001, fraction: 0, data: frame, originalLength: 1000 },
          ],
          { littleEndian, nanos },
        );
        const parsed = parsePcap(file);
        assert.equal(parsed.format, 'pcap');
        assert.equal(parsed.littleEndian, littleEndian);
        assert.equal(parsed.interfaces[0]?.linkType, LinkType.ETHERNET);
        assert.equal(parsed.interfaces[0]?.unitsPerSecond, nanos ? 1_000_000_000n : 1_000_000n);
        assert.equal(parsed.frames.length, 2);
        assert.equal(
          parsed.frames[0]?.timestampNs,
          1_700_000_000_000_000_000n + (nanos ? 123_456_789n : 123_456_000n),
        );
        assert.equal(parsed.frames[1]?.originalLength, 1000);
        assert.deepEqual(parsed.frames[0]?.data, frame);
        assert.equal(parsed.frames[0]?.dataOffset, 40);
        const read = readCapture(file);
        assert.equal(read.datagrams.length, 2);
        assert.equal(read.datagrams[0]?.kind, 'isakmp');
        assert.equal(read.datagrams[1]?.frame, 2);
      });
    }
  }

  it('reads an empty capture (header only)', () => {
    const r = readCapture(pcapFile(LinkType.ETHERNET, [], { littleEndian: true }));
    assert.equal(r.frameCount, 0);
    assert.deepEqual(r.datagrams, []);
  });

  it('masks the FCS bits of the link-type field', () => {
    const file = pcapFile(LinkType.ETHERNET | 0x10000000, [{ seconds: 0, fraction: 0, data: frame }], {
      littleEndian: true,
    });
    assert.equal(parsePcap(file).interfaces[0]?.linkType, LinkType.ETHERNET);
  });

  it('rejects a truncated record with a typed error naming the offset', () => {
    const file = pcapFile(LinkType.ETHERNET, [{ seconds: 0, fraction: 0, data: frame }], {
      littleEndian: true,
    });
    const cut = file.subarray(0, file.length - 3);
    assert.throws(
      () => parsePcap(cut),
      (e: unknown) => e instanceof CaptureError && e.code === 'ERR_CAPTURE_TRUNCATED' && e.offset === 40,
    );
  });

  it('rejects a truncated record header, a bad version and an out-of-range fraction', () => {
    const file = pcapFile(LinkType.ETHERNET, [{ seconds: 0, fraction: 0, data: frame }], {
      littleEndian: false,
    });
    assert.throws(() => parsePcap(file.subarray(0, 30)), { code: 'ERR_CAPTURE_TRUNCATED', offset: 24 });
    const v3 = Buffer.from(file);
    v3.writeUInt16BE(3, 4);
    assert.throws(() => parsePcap(v3), { code: 'ERR_CAPTURE_BAD_FIELD', offset: 4 });
    const us = pcapFile(LinkType.ETHERNET, [{ seconds: 0, fraction: 1_000_000, data: frame }], {
      littleEndian: true,
    });
    assert.throws(() => parsePcap(us), { code: 'ERR_CAPTURE_BAD_FIELD', offset: 28 });
    assert.throws(() => parsePcap(Buffer.from('not a capture at all....')), {
      code: 'ERR_CAPTURE_BAD_MAGIC',
    });
    assert.throws(() => parsePcap(Buffer.alloc(3)), { code: 'ERR_CAPTURE_TRUNCATED' });
  });
});
