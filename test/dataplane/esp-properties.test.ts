import assert from 'node:assert/strict';
import { createHmac, randomFillSync } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { ESP_CIPHERS } from '../../src/crypto/esp-cipher.js';
import { INTEGRITY_ALGORITHMS } from '../../src/crypto/integrity.js';
import { ahUnprotect } from '../../src/dataplane/esp/ah.js';
import { isDrop } from '../../src/dataplane/esp/drop.js';
import { espProtect, espUnprotect } from '../../src/dataplane/esp/esp.js';
import { IpsecSa, type SaSpec } from '../../src/dataplane/esp/sa.js';
import { SaTransforms } from '../../src/dataplane/esp/transforms.js';
import { subnet, udpPacket } from '../support/ip-packets.js';

// Properties of the ESP engine over every transform ikets negotiates, both modes, both families:
// round trip, any tampered byte fails the ICV, padding, sequence overflow, limits, selectors, and
// RFC 4868 section 2.7.2's HMAC-SHA2 truncations.

const random = (out: Buffer): void => {
  randomFillSync(out);
};

interface Suite {
  readonly cipher: string;
  readonly integrity: string | undefined;
}

const SUITES: readonly Suite[] = ESP_CIPHERS.flatMap((c): Suite[] =>
  c.aead
    ? [{ cipher: c.name, integrity: undefined }]
    : INTEGRITY_ALGORITHMS.map((i) => ({ cipher: c.name, integrity: i.name })),
);

function keysFor(s: Suite, seed: number): Pick<SaSpec, 'encryption' | 'integrity'> {
  const cipher = ESP_CIPHERS.find((c) => c.name === s.cipher);
  const integrity = INTEGRITY_ALGORITHMS.find((i) => i.name === s.integrity);
  // Deterministic keys with distinct bytes (3DES refuses keys whose thirds repeat).
  const key = (n: number, salt: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + seed * 11 + salt) & 0xff));
  return {
    encryption: { name: s.cipher, key: key(cipher?.keymatLength ?? 0, 1) },
    integrity:
      integrity === undefined ? undefined : { name: integrity.name, key: key(integrity.keyLength, 2) },
  };
}

function pair(
  s: Suite,
  mode: 'tunnel' | 'transport',
  family: 4 | 6,
  extra: Partial<SaSpec> = {},
): { out: IpsecSa; in: IpsecSa; local: string; remote: string } {
  const [local, remote] = family === 4 ? ['10.1.0.1', '10.2.0.1'] : ['fd00:1::1', 'fd00:2::1'];
  const base = { protocol: 'esp' as const, mode, spi: 0xc0ffee01, ...keysFor(s, 3), ...extra };
  return {
    out: new IpsecSa({ ...base, direction: 'out', source: local, destination: remote }),
    in: new IpsecSa({ ...base, direction: 'in', source: local, destination: remote }),
    local,
    remote,
  };
}

test('property: every transform, both modes and families round-trips; a tampered byte is dropped as bad-icv', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SUITES),
      fc.constantFrom('tunnel' as const, 'transport' as const),
      fc.constantFrom(4 as const, 6 as const),
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (suite, mode, family, payload, where, flip) => {
        const p = pair(suite, mode, family);
        const packet = udpPacket(p.local, p.remote, payload);
        const esp = espProtect(p.out, packet, 1, random);
        assert.ok(!isDrop(esp), String(esp));
        const t = p.out.transforms;
        // RFC 4303 section 2.4: the ciphertext ends on the cipher's alignment.
        assert.equal((esp.length - 8 - t.ivLength - t.icvLength) % t.alignment, 0);
        const tampered = Buffer.from(esp);
        const at = where % esp.length;
        tampered[at] = (tampered[at] ?? 0) ^ flip;
        const bad = espUnprotect(p.in, tampered, 2);
        assert.equal(
          bad,
          at >= 4 && at < 8 && !p.in.replay.check(tampered.readUInt32BE(4)) ? 'replayed' : 'bad-icv',
        );
        const back = espUnprotect(p.in, esp, 3);
        assert.ok(!isDrop(back), `${suite.cipher}/${suite.integrity} ${mode} v${family}: ${String(back)}`);
        assert.equal(back.toString('hex'), packet.toString('hex'));
        assert.equal(p.in.packets, 1);
        assert.equal(p.out.packets, 1);
        assert.equal(p.out.bytes, packet.length);
      },
    ),
    { numRuns: 600 },
  );
});

test('every suite round-trips in each mode and family at least once (exhaustive)', () => {
  for (const suite of SUITES) {
    for (const mode of ['tunnel', 'transport'] as const) {
      for (const family of [4, 6] as const) {
        const p = pair(suite, mode, family);
        for (let i = 0; i < 3; i++) {
          const packet = udpPacket(p.local, p.remote, Buffer.alloc(i * 17, i));
          const esp = espProtect(p.out, packet, 0, random);
          assert.ok(!isDrop(esp));
          const back = espUnprotect(p.in, esp, 0);
          assert.ok(!isDrop(back), `${suite.cipher}/${suite.integrity} ${mode} v${family}: ${String(back)}`);
          assert.ok(back.equals(packet));
          assert.equal(espUnprotect(p.in, esp, 0), 'replayed');
        }
        assert.equal(p.in.drops.replayed, 3);
      }
    }
  }
});

test('a confidentiality-only SA (RFC 3602 style) round-trips; NULL without integrity is refused', () => {
  const p = pair({ cipher: 'aes256', integrity: undefined }, 'tunnel', 4);
  const packet = udpPacket(p.local, p.remote, Buffer.from('no integrity'));
  const esp = espProtect(p.out, packet, 0, random);
  assert.ok(!isDrop(esp));
  assert.ok(Buffer.from(espUnprotect(p.in, esp, 0) as Buffer).equals(packet));
  assert.throws(
    () => new SaTransforms({ encryption: { name: 'null', key: Buffer.alloc(0) }, integrity: undefined }),
    { code: 'ERR_DATAPLANE_ALGORITHM' },
  );
  assert.throws(
    () => new SaTransforms({ encryption: { name: 'aes128', key: Buffer.alloc(15) }, integrity: undefined }),
    { code: 'ERR_DATAPLANE_ALGORITHM' },
  );
  assert.throws(
    () =>
      new SaTransforms({
        encryption: { name: 'aes128gcm16', key: Buffer.alloc(20) },
        integrity: { name: 'sha1', key: Buffer.alloc(20) },
      }),
    { code: 'ERR_DATAPLANE_ALGORITHM' },
  );
});

/** An ESP packet with NULL encryption and HMAC-SHA1-96 built by hand, with the trailer given. */
function handmade(spi: number, seq: number, body: Buffer, key: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(spi, 0);
  head.writeUInt32BE(seq, 4);
  const signed = Buffer.concat([head, body]);
  return Buffer.concat([signed, createHmac('sha1', key).update(signed).digest().subarray(0, 12)]);
}

test('padding (RFC 4303 section 2.4): 1, 2, 3, ... is accepted, anything else or too long is bad-padding', () => {
  const key = Buffer.alloc(20, 9);
  const mk = () =>
    new IpsecSa({
      protocol: 'esp',
      direction: 'in',
      mode: 'tunnel',
      spi: 0x100,
      source: '10.2.0.1',
      destination: '10.1.0.1',
      encryption: { name: 'null', key: Buffer.alloc(0) },
      integrity: { name: 'sha1', key },
    });
  const inner = udpPacket('10.2.0.1', '10.1.0.1', Buffer.from('pad')); // 31 bytes
  const ok = Buffer.concat([inner, Buffer.from([1, 2, 3, 4, 5, 6, 7, 7, 4])]); // 40 bytes
  const sa = mk();
  assert.ok(!isDrop(espUnprotect(sa, handmade(0x100, 1, ok, key), 0)));
  const wrongPad = Buffer.concat([inner, Buffer.from([1, 2, 3, 4, 5, 6, 0, 7, 4])]);
  assert.equal(espUnprotect(sa, handmade(0x100, 2, wrongPad, key), 0), 'bad-padding');
  const tooLong = Buffer.concat([inner.subarray(0, 2), Buffer.from([200, 4])]);
  assert.equal(espUnprotect(sa, handmade(0x100, 3, tooLong, key), 0), 'bad-padding');
  assert.equal(sa.drops['bad-padding'], 2);
  // A packet whose ciphertext is not 4-byte aligned is truncated, whatever its ICV.
  assert.equal(espUnprotect(sa, handmade(0x100, 4, Buffer.from([1, 2, 0]), key), 0), 'truncated');
  assert.equal(espUnprotect(sa, Buffer.alloc(7), 0), 'truncated');
  // Dummy packet (next header 59, RFC 4303 section 2.6): authentic, delivered as nothing.
  const dummy = espUnprotect(sa, handmade(0x100, 5, Buffer.from([1, 2, 2, 59]), key), 0);
  assert.ok(!isDrop(dummy) && dummy.length === 0);
});

test('sequence numbers: the first packet carries 1; a 32-bit counter never cycles (RFC 4303 section 3.3.3)', () => {
  const p = pair({ cipher: 'aes128gcm16', integrity: undefined }, 'tunnel', 4);
  const events: boolean[] = [];
  p.out.onExpire = (hard) => events.push(hard);
  const packet = udpPacket(p.local, p.remote, Buffer.from('x'));
  const first = espProtect(p.out, packet, 0, random) as Buffer;
  assert.equal(first.readUInt32BE(4), 1);
  p.out.sequence = 0xfffffffe;
  const last = espProtect(p.out, packet, 0, random) as Buffer;
  assert.equal(last.readUInt32BE(4), 0xffffffff);
  assert.equal(espProtect(p.out, packet, 0, random), 'sequence-overflow');
  assert.equal(espProtect(p.out, packet, 0, random), 'hard-limit');
  assert.deepEqual(events, [true]);
  // With ESN the low half wraps and the high half goes on (RFC 4303 section 2.2.1).
  const e = pair({ cipher: 'aes128', integrity: 'sha256' }, 'tunnel', 4, { esn: true });
  e.out.sequence = 0xfffffffe;
  e.in.replay.update(0xfffffff0);
  for (const expected of [0xffffffff, 0x1_0000_0000, 0x1_0000_0001]) {
    const esp = espProtect(e.out, packet, 0, random) as Buffer;
    assert.equal(esp.readUInt32BE(4), expected % 0x1_0000_0000);
    const back = espUnprotect(e.in, esp, 0);
    assert.ok(!isDrop(back), String(back));
    assert.equal(e.in.replay.top, expected);
  }
});

test('soft and hard limits by packets and bytes raise expire once each; past hard the SA drops', () => {
  const limits = { softBytes: 0n, hardBytes: 0n, softPackets: 3n, hardPackets: 5n };
  const p = pair({ cipher: 'aes128', integrity: 'sha1' }, 'tunnel', 4, { limits });
  const outEvents: boolean[] = [];
  const inEvents: boolean[] = [];
  p.out.onExpire = (hard) => outEvents.push(hard);
  p.in.onExpire = (hard) => inEvents.push(hard);
  const packet = udpPacket(p.local, p.remote, Buffer.alloc(100));
  const results: string[] = [];
  for (let i = 0; i < 7; i++) {
    const esp = espProtect(p.out, packet, i, random);
    results.push(isDrop(esp) ? esp : isDrop(espUnprotect(p.in, esp, i)) ? 'in-drop' : 'ok');
  }
  assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok', 'ok', 'hard-limit', 'hard-limit']);
  assert.deepEqual(outEvents, [false, true]);
  assert.deepEqual(inEvents, [false, true]);
  assert.equal(p.out.lastUsedAt, 4);
  const bytes = { softBytes: 250n, hardBytes: 1000n, softPackets: 0n, hardPackets: 0n };
  const b = pair({ cipher: 'aes128', integrity: 'sha1' }, 'tunnel', 4, { limits: bytes });
  const events: boolean[] = [];
  b.out.onExpire = (hard) => events.push(hard);
  for (let i = 0; i < 12; i++) espProtect(b.out, packet, i, random);
  assert.deepEqual(events, [false, true]);
  assert.equal(b.out.bytes, 1000 - (1000 % packet.length) + packet.length);
});

test('tunnel mode inbound drops an inner packet outside the SA selectors (RFC 4301 section 5.2)', () => {
  const selectors = { localTs: [subnet('10.1.0.0', 16)], remoteTs: [subnet('10.2.0.0', 16)] };
  const p = pair({ cipher: 'aes128gcm16', integrity: undefined }, 'tunnel', 4, selectors);
  const good = udpPacket('10.2.3.4', '10.1.9.9', Buffer.from('in'));
  const spoofed = udpPacket('10.3.3.4', '10.1.9.9', Buffer.from('in'));
  const wrongDst = udpPacket('10.2.3.4', '10.9.9.9', Buffer.from('in'));
  for (const [packet, expected] of [
    [good, 'ok'],
    [spoofed, 'selector-mismatch'],
    [wrongDst, 'selector-mismatch'],
  ] as const) {
    const back = espUnprotect(p.in, espProtect(p.out, packet, 0, random) as Buffer, 0);
    assert.equal(isDrop(back) ? back : 'ok', expected);
  }
  assert.equal(p.in.drops['selector-mismatch'], 2);
  assert.equal(p.in.dropped, 2);
});

test('RFC 4868 section 2.7.2: HMAC-SHA-256-128, -384-192, -512-256 truncations (AUTH256-1/2, AUTH384-1, AUTH512-1)', () => {
  const vectors = [
    ['sha256', '0b'.repeat(32), '4869205468657265', '198a607eb44bfbc69903a0f1cf2bbdc5'],
    [
      'sha256',
      '4a656665'.repeat(8),
      '7768617420646f2079612077616e7420666f72206e6f7468696e673f',
      '167f928588c5cc2eef8e3093caa0e87c',
    ],
    ['sha384', '0b'.repeat(48), '4869205468657265', 'b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973'],
    [
      'sha512',
      '0b'.repeat(64),
      '4869205468657265',
      '637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8',
    ],
  ] as const;
  for (const [name, key, data, icv] of vectors) {
    const t = new SaTransforms({
      encryption: { name: 'null', key: Buffer.alloc(0) },
      integrity: { name, key: Buffer.from(key, 'hex') },
    });
    assert.equal(t.icvLength, icv.length / 2);
    assert.equal(
      t
        .icv([Buffer.from(data, 'hex')])
        .subarray(0, t.icvLength)
        .toString('hex'),
      icv,
    );
  }
});

test('property: arbitrary bytes as ESP or as AH-carrying IP packets are dropped with a reason, never thrown', () => {
  const ah = new IpsecSa({
    protocol: 'ah',
    direction: 'in',
    mode: 'transport',
    spi: 0x99,
    source: '192.0.2.2',
    destination: '192.0.2.1',
    encryption: undefined,
    integrity: { name: 'sha256', key: Buffer.alloc(32, 1) },
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...SUITES),
      fc.constantFrom('tunnel' as const, 'transport' as const),
      fc.uint8Array({ maxLength: 200 }),
      (suite, mode, bytes) => {
        const p = pair(suite, mode, 4);
        const r = espUnprotect(p.in, bytes, 0);
        assert.ok(isDrop(r), 'random bytes never authenticate');
        // Valid-looking IP headers in front of the random bytes reach the AH parser's deeper paths.
        const v4 = Buffer.concat([Buffer.from('4500000000000000403300000000000000000000', 'hex'), bytes]);
        assert.ok(isDrop(ahUnprotect(ah, bytes, 0)));
        assert.ok(isDrop(ahUnprotect(ah, v4, 0)));
      },
    ),
    { numRuns: 500 },
  );
});

test('transport mode refuses fragments (the rebuilt header would lose their offset); tunnel mode carries them', () => {
  const suite = { cipher: 'aes128gcm16', integrity: undefined };
  const fragment = udpPacket('10.1.0.1', '10.2.0.1', Buffer.alloc(64));
  fragment[6] = 0x20; // more fragments
  const transport = pair(suite, 'transport', 4);
  assert.equal(espProtect(transport.out, fragment, 0, random), 'malformed');
  const tunnel = pair(suite, 'tunnel', 4);
  const esp = espProtect(tunnel.out, fragment, 0, random);
  assert.ok(!isDrop(esp));
  assert.ok((espUnprotect(tunnel.in, esp, 0) as Buffer).equals(fragment));
});
