import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { INTEGRITY_ALGORITHMS } from '../../src/crypto/integrity.js';
import { ahProtect, ahSpi, ahUnprotect } from '../../src/dataplane/esp/ah.js';
import { isDrop } from '../../src/dataplane/esp/drop.js';
import { refreshIpv4Checksum } from '../../src/dataplane/esp/ip.js';
import { IpsecSa } from '../../src/dataplane/esp/sa.js';
import { udpPacket } from '../support/ip-packets.js';

// AH (RFC 4302): round trips in both modes and families for every integrity transform; the ICV
// ignores the mutable fields routers change (section 3.3.3.1) and covers everything else; the
// layout and ICV of one IPv4 transport packet recomputed by hand.

function pair(integrity: string, mode: 'tunnel' | 'transport', family: 4 | 6) {
  const alg = INTEGRITY_ALGORITHMS.find((a) => a.name === integrity);
  assert.ok(alg);
  const key = Buffer.from(Array.from({ length: alg.keyLength }, (_, i) => i + 1));
  const [local, remote] = family === 4 ? ['192.0.2.1', '192.0.2.2'] : ['2001:db8::1', '2001:db8::2'];
  const base = {
    protocol: 'ah' as const,
    mode,
    spi: 0x1000 + family,
    source: local,
    destination: remote,
    encryption: undefined,
    integrity: { name: integrity, key },
  };
  return {
    out: new IpsecSa({ ...base, direction: 'out' }),
    in: new IpsecSa({ ...base, direction: 'in' }),
    inner: (payload: Buffer) =>
      mode === 'tunnel'
        ? udpPacket(family === 4 ? '10.1.0.5' : 'fd00:1::5', family === 4 ? '10.2.0.5' : 'fd00:2::5', payload)
        : udpPacket(local, remote, payload),
  };
}

/** What a router does: decrement the TTL / hop limit, rewrite DSCP/ECN (and the IPv6 flow label). */
function route(p: Buffer): void {
  if ((p[0] ?? 0) >>> 4 === 4) {
    p[8] = (p[8] ?? 1) - 1;
    p[1] = 0xb8;
    refreshIpv4Checksum(p);
  } else {
    p[7] = (p[7] ?? 1) - 1;
    p.writeUInt32BE(0x6b812345, 0);
  }
}

test('property: AH round-trips for every integrity transform, mode and family; routers may change the mutable fields, nothing else', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...INTEGRITY_ALGORITHMS.map((a) => a.name)),
      fc.constantFrom('tunnel' as const, 'transport' as const),
      fc.constantFrom(4 as const, 6 as const),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(),
      (integrity, mode, family, payload, where) => {
        const p = pair(integrity, mode, family);
        const packet = p.inner(Buffer.from(payload));
        const protectedPacket = ahProtect(p.out, packet, 0);
        assert.ok(!isDrop(protectedPacket), String(protectedPacket));
        assert.equal(ahSpi(protectedPacket), p.out.spi);
        // RFC 4302 section 3.3.2: IPv6 AH is a multiple of 8 bytes.
        const ahAt = family === 4 ? 20 : 40;
        const ahLen = ((protectedPacket[ahAt + 1] ?? 0) + 2) * 4;
        if (family === 6) assert.equal(ahLen % 8, 0);
        const tampered = Buffer.from(protectedPacket);
        const at = where % tampered.length;
        // Skip the mutable fields and the IPv4 checksum: changing them must not matter (tested below).
        const mutable4 = [1, 6, 7, 8, 10, 11];
        const mutable6 = [0, 1, 2, 3, 7];
        // The ICV field's alignment padding (SHA-384 / SHA-512 in IPv6) is zeroed for the ICV as the
        // ICV itself is (RFC 4302 section 3.3.3.2.1), so it is not covered either.
        const icvLength = p.out.transforms.icvLength;
        const padding = at >= ahAt + 12 + icvLength && at < ahAt + ahLen;
        if (!(family === 4 ? mutable4 : mutable6).includes(at) && !padding) {
          tampered[at] = (tampered[at] ?? 0) ^ 0x01;
          const r = ahUnprotect(p.in, tampered, 0);
          assert.ok(isDrop(r), `byte ${at} changed and still accepted`);
        }
        route(protectedPacket);
        const back = ahUnprotect(p.in, protectedPacket, 0);
        assert.ok(!isDrop(back), `${integrity} ${mode} v${family}: ${String(back)}`);
        if (mode === 'tunnel') assert.ok(back.equals(packet));
        else {
          // Transport: the original packet, with the router's changes to the header.
          assert.ok(back.subarray(family === 4 ? 12 : 8).equals(packet.subarray(family === 4 ? 12 : 8)));
          assert.equal(back.length, packet.length);
        }
        assert.equal(ahUnprotect(p.in, protectedPacket, 0), 'replayed');
      },
    ),
    { numRuns: 300 },
  );
});

test('AH layout and ICV by hand: IPv4 transport, HMAC-SHA1-96 over the header with TOS/flags/TTL/checksum zeroed (RFC 4302 section 3.3.3.1)', () => {
  const p = pair('sha1', 'transport', 4);
  const packet = p.inner(Buffer.from('hello'));
  packet[1] = 0x10;
  packet[6] = 0x40; // DF
  refreshIpv4Checksum(packet);
  const out = ahProtect(p.out, packet, 0);
  assert.ok(!isDrop(out));
  assert.equal(out.length, packet.length + 24);
  assert.equal(out.readUInt16BE(2), out.length);
  assert.equal(out[9], 51);
  assert.equal(out[20], 17, 'AH next header is UDP');
  assert.equal(out[21], 4, '(12 + 12) / 4 - 2');
  assert.equal(out.readUInt32BE(24), 0x1004);
  assert.equal(out.readUInt32BE(28), 1);
  const header = Buffer.from(out.subarray(0, 20));
  header[1] = 0;
  header.writeUInt16BE(0, 6);
  header[8] = 0;
  header.writeUInt16BE(0, 10);
  const key = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));
  const icv = createHmac('sha1', key)
    .update(header)
    .update(out.subarray(20, 32))
    .update(Buffer.alloc(12))
    .update(out.subarray(44))
    .digest()
    .subarray(0, 12);
  assert.equal(out.subarray(32, 44).toString('hex'), icv.toString('hex'));
  // The header checksum of the sent packet is valid.
  const copy = Buffer.from(out);
  refreshIpv4Checksum(copy);
  assert.ok(copy.equals(out));
});
