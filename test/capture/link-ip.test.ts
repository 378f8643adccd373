import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureError, LinkType, readCapture } from '../../src/capture/index.js';
import {
  ahExtension,
  ETH_IPV4,
  ETH_IPV6,
  ethernet,
  fragmentExtension,
  genericExtension,
  ipv4,
  ipv6,
  isakmpMessage,
  nullLoopback,
  PcapngWriter,
  pcapFile,
  sll,
  sll2,
  udp,
} from './builders.js';

const msg = isakmpMessage(2, 12);
const v4 = ipv4('10.0.0.1', '10.0.0.2', 17, udp(500, 500, msg));
const v6 = ipv6('fd31::1', 'fd31::2', 17, udp(500, 500, msg));

function one(linkType: number, data: Uint8Array, littleEndian = true) {
  return readCapture(pcapFile(linkType, [{ seconds: 1, fraction: 0, data }], { littleEndian }));
}

function onlyDatagram(linkType: number, data: Uint8Array) {
  const r = one(linkType, data);
  assert.deepEqual(r.skipped, []);
  assert.equal(r.datagrams.length, 1);
  const d = r.datagrams[0];
  assert.ok(d);
  return d;
}

describe('link layers', () => {
  const cases: Array<[string, number, Buffer, Buffer]> = [
    ['Ethernet', LinkType.ETHERNET, ethernet(ETH_IPV4, v4), ethernet(ETH_IPV6, v6)],
    [
      'Ethernet with one 802.1Q tag',
      LinkType.ETHERNET,
      ethernet(ETH_IPV4, v4, [0x8100]),
      ethernet(ETH_IPV6, v6, [0x8100]),
    ],
    [
      'Ethernet with QinQ tags',
      LinkType.ETHERNET,
      ethernet(ETH_IPV4, v4, [0x88a8, 0x8100]),
      ethernet(ETH_IPV6, v6, [0x9100]),
    ],
    ['Linux SLL', LinkType.LINUX_SLL, sll(ETH_IPV4, v4), sll(ETH_IPV6, v6)],
    ['Linux SLL2', LinkType.LINUX_SLL2, sll2(ETH_IPV4, v4), sll2(ETH_IPV6, v6)],
    ['raw IP (101)', LinkType.RAW, v4, v6],
    ['raw IP (DLT_RAW 12)', LinkType.RAW_12, v4, v6],
    ['raw IP (DLT_RAW 14)', LinkType.RAW_14, v4, v6],
    ['NULL little-endian', LinkType.NULL, nullLoopback(2, v4, true), nullLoopback(30, v6, true)],
    ['NULL big-endian', LinkType.NULL, nullLoopback(2, v4, false), nullLoopback(24, v6, false)],
    ['LOOP', LinkType.LOOP, nullLoopback(2, v4, false), nullLoopback(28, v6, false)],
  ];
  for (const [name, linkType, frame4, frame6] of cases) {
    it(`${name}: IPv4 and IPv6`, () => {
      const d4 = onlyDatagram(linkType, frame4);
      assert.equal(d4.ipVersion, 4);
      assert.deepEqual(d4.src, { address: '10.0.0.1', port: 500 });
      assert.deepEqual(d4.dst, { address: '10.0.0.2', port: 500 });
      assert.deepEqual(d4.payload, msg);
      const d6 = onlyDatagram(linkType, frame6);
      assert.equal(d6.ipVersion, 6);
      assert.deepEqual(d6.src, { address: 'fd31::1', port: 500 });
      assert.deepEqual(d6.payload, msg);
    });
  }
  it('LINKTYPE_IPV4 and LINKTYPE_IPV6', () => {
    assert.equal(onlyDatagram(LinkType.IPV4, v4).ipVersion, 4);
    assert.equal(onlyDatagram(LinkType.IPV6, v6).ipVersion, 6);
  });
  it('skips frames that are not IP, or of an unsupported link type, with a reason', () => {
    const arp = one(LinkType.ETHERNET, ethernet(0x0806, Buffer.alloc(28)));
    assert.deepEqual(arp.skipped, [{ frame: 1, reason: 'not IP (ethertype 0x0806)', malformed: false }]);
    assert.match(one(147, v4).skipped[0]?.reason ?? '', /unsupported link type 147/);
    assert.equal(one(LinkType.ETHERNET, Buffer.alloc(10)).skipped[0]?.malformed, true);
    assert.equal(one(LinkType.RAW, Buffer.from([0x50, 0, 0])).skipped[0]?.malformed, false);
    assert.match(one(LinkType.NULL, nullLoopback(7, v4, true)).skipped[0]?.reason ?? '', /family 7/);
  });
});

describe('IPv4', () => {
  it('skips header options by IHL', () => {
    const opts = Buffer.from([0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]); // router alert, NOP, NOP, NOP, EOL
    const d = onlyDatagram(
      LinkType.RAW,
      ipv4('10.0.0.1', '10.0.0.2', 17, udp(500, 500, msg), { options: opts }),
    );
    assert.deepEqual(d.payload, msg);
  });
  it('ignores Ethernet padding after the IP packet', () => {
    const small = ipv4('10.0.0.1', '10.0.0.2', 17, udp(4500, 4500, Buffer.from([0xff])));
    const d = onlyDatagram(LinkType.ETHERNET, ethernet(ETH_IPV4, small, [], 60));
    assert.equal(d.kind, 'nat-keepalive');
    assert.equal(d.payload.length, 1);
  });
  it('reassembles fragments in any order and reports incomplete ones', () => {
    const whole = udp(4500, 4500, Buffer.concat([Buffer.alloc(4), isakmpMessage(2, 100)]));
    const f1 = ipv4('10.0.0.1', '10.0.0.2', 17, whole.subarray(0, 64), { id: 7, moreFragments: true });
    const f2 = ipv4('10.0.0.1', '10.0.0.2', 17, whole.subarray(64), { id: 7, fragmentOffset: 64 });
    const other = ipv4('10.0.0.1', '10.0.0.2', 17, whole.subarray(0, 64), { id: 8, moreFragments: true });
    const file = pcapFile(
      LinkType.RAW,
      [f2, other, f1].map((data) => ({ seconds: 0, fraction: 0, data })),
      { littleEndian: true },
    );
    const r = readCapture(file);
    assert.equal(r.datagrams.length, 1);
    const d = r.datagrams[0];
    assert.ok(d?.kind === 'isakmp');
    assert.equal(d.frame, 3);
    assert.equal(d.reassembledFrom, 1);
    assert.equal(d.message.length, 128);
    assert.deepEqual(r.skipped, [{ frame: 2, reason: 'incomplete IP fragments', malformed: true }]);
    assert.throws(() => readCapture(file, { strict: true }), { code: 'ERR_CAPTURE_BAD_PACKET' });
  });
  it('reports broken headers as malformed (typed error with strict)', () => {
    const bad = [
      Buffer.from(v4).fill(0x45, 0, 1).subarray(0, 19),
      (() => {
        const b = Buffer.from(v4);
        b[0] = 0x44; // IHL 16
        return b;
      })(),
      ipv4('10.0.0.1', '10.0.0.2', 17, udp(500, 500, msg), { totalLength: 10 }),
      ipv4('10.0.0.1', '10.0.0.2', 17, Buffer.alloc(4)),
      (() => {
        const b = Buffer.from(v4);
        b.writeUInt16BE(4, 24); // UDP length 4
        return b;
      })(),
      (() => {
        const b = Buffer.from(v4);
        b.writeUInt16BE(500, 24); // UDP length beyond the packet
        return b;
      })(),
    ];
    for (const data of bad) {
      const r = one(LinkType.RAW, data);
      assert.equal(r.datagrams.length, 0);
      assert.equal(r.skipped[0]?.malformed, true, r.skipped[0]?.reason);
      assert.throws(
        () =>
          readCapture(pcapFile(LinkType.RAW, [{ seconds: 0, fraction: 0, data }], { littleEndian: true }), {
            strict: true,
          }),
        (e: unknown) => e instanceof CaptureError && e.code === 'ERR_CAPTURE_BAD_PACKET' && e.offset === 40,
      );
    }
  });
  it('skips non-UDP packets as not malformed', () => {
    const r = one(LinkType.RAW, ipv4('10.0.0.1', '10.0.0.2', 1, Buffer.alloc(8)));
    assert.deepEqual(r.skipped, [{ frame: 1, reason: 'not UDP (IP protocol 1)', malformed: false }]);
  });
});

describe('IPv6', () => {
  it('walks extension headers (hop-by-hop, routing, destination options, AH)', () => {
    const ext = [genericExtension(0), genericExtension(43, 3), genericExtension(60, 2), ahExtension()];
    const d = onlyDatagram(LinkType.RAW, ipv6('2001:db8::1', '2001:db8:0:1::2', 17, udp(500, 500, msg), ext));
    assert.deepEqual(d.payload, msg);
    assert.equal(d.src.address, '2001:db8::1');
    assert.equal(d.dst.address, '2001:db8:0:1::2');
  });
  it('formats addresses per RFC 5952', () => {
    const d = onlyDatagram(
      LinkType.RAW,
      ipv6('2001:db8:0:0:1:0:0:1', '0:0:0:0:0:0:0:1', 17, udp(500, 500, msg)),
    );
    assert.equal(d.src.address, '2001:db8::1:0:0:1');
    assert.equal(d.dst.address, '::1');
  });
  it('reassembles fragments behind a fragment header', () => {
    const whole = udp(500, 500, isakmpMessage(2, 200));
    const f1 = ipv6('fd31::1', 'fd31::2', 17, whole.subarray(0, 104), [
      genericExtension(0),
      fragmentExtension(0, true, 99),
    ]);
    const f2 = ipv6('fd31::1', 'fd31::2', 17, whole.subarray(104), [fragmentExtension(104, false, 99)]);
    const w = new PcapngWriter(true);
    const r = readCapture(Buffer.concat([w.shb(), w.idb(LinkType.RAW), w.epb(0, 1n, f1), w.epb(0, 2n, f2)]));
    assert.equal(r.datagrams.length, 1);
    assert.equal(r.datagrams[0]?.payload.length, 228);
    assert.equal(r.datagrams[0]?.reassembledFrom, 1);
  });
  it('an atomic fragment (offset 0, no more) is just a packet', () => {
    const d = onlyDatagram(
      LinkType.RAW,
      ipv6('fd31::1', 'fd31::2', 17, udp(500, 500, msg), [fragmentExtension(0, false, 1)]),
    );
    assert.equal(d.reassembledFrom, undefined);
  });
  it('reports an extension header running past the packet, and a short header', () => {
    const r = one(
      LinkType.RAW,
      ipv6('fd31::1', 'fd31::2', 17, Buffer.alloc(0), [genericExtension(0, 4)]).subarray(0, 48),
    );
    assert.equal(r.skipped[0]?.malformed, true);
    assert.equal(one(LinkType.RAW, Buffer.from(v6.subarray(0, 30))).skipped[0]?.malformed, true);
  });
});
