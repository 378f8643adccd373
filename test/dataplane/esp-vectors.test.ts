import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { test } from 'node:test';
import { espCipher } from '../../src/crypto/esp-cipher.js';
import { espTransformById, saKeyLengths, transformByKeyword } from '../../src/crypto/registry.js';
import { isDrop } from '../../src/dataplane/esp/drop.js';
import { espProtect, espUnprotect, transportSplit } from '../../src/dataplane/esp/esp.js';
import { addressBytes, IPPROTO_ESP, writeIpv4Header } from '../../src/dataplane/esp/ip.js';
import { IpsecSa, type SaSpec } from '../../src/dataplane/esp/sa.js';

// Known-answer tests of the ESP engine: RFC 3602 section 4 cases 5-8 (AES-CBC ESP packets, no
// integrity transform, byte-exact with the IV injected), RFC 3686 section 6 (AES-CTR), and the
// layout of an AES-GCM packet checked against node:crypto directly.

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function fixedIv(iv: Buffer): (out: Buffer) => void {
  return (out) => {
    iv.copy(out);
  };
}

interface Rfc3602Case {
  readonly name: string;
  readonly mode: 'tunnel' | 'transport';
  readonly key: string;
  readonly spi: number;
  readonly sequence: number;
  readonly iv: string;
  readonly packet: string;
  /** The IP header of the protected packet, as the RFC prints it. */
  readonly outerHeader: string;
  readonly encrypted: string;
}

// RFC 3602 section 4, cases 5 to 8 (source: /work/shared/rfc/rfc3602.txt).
const CASES: readonly Rfc3602Case[] = [
  {
    name: 'case 5: transport mode, ping 192.168.123.100',
    mode: 'transport',
    key: '90d382b4 10eeba7a d938c46c ec1a82bf',
    spi: 0x4321,
    sequence: 1,
    iv: 'e96e8c08 ab465763 fd098d45 dd3ff893',
    packet: `45000054 08f20000 4001f9fe c0a87b03 c0a87b64
      08000ebd a70a0000 8e9c083d b95b0700 08090a0b 0c0d0e0f 10111213 14151617
      18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637`,
    outerHeader: '4500007c 08f20000 4032f9a5 c0a87b03 c0a87b64',
    encrypted: `f663c25d 325c18c6 a9453e19 4e120849 a4870b66 cc6b9965 330013b4 898dc856
      a4699e52 3a55db08 0b59ec3a 8e4b7e52 775b07d1 db34ed9c 538ab50c 551b874a
      a269add0 47ad2d59 13ac19b7 cfbad4a6`,
  },
  {
    name: 'case 6: transport mode, ping -p 77 -s 20',
    mode: 'transport',
    key: '90d382b4 10eeba7a d938c46c ec1a82bf',
    spi: 0x4321,
    sequence: 8,
    iv: '69d08df7 d203329d b093fc49 24e5bd80',
    packet: `45000030 08fe0000 4001fa16 c0a87b03 c0a87b64
      0800b5e8 a80a0500 a69c083d 0b660e00 77777777 77777777 77777777`,
    outerHeader: '4500004c 08fe0000 4032f9c9 c0a87b03 c0a87b64',
    encrypted: 'f5199588 1ec4e0c4 488987ce 742e8109 689bb379 d2d750c0 d915dca3 46a89f75',
  },
  {
    name: 'case 7: tunnel mode, ping 192.168.123.200',
    mode: 'tunnel',
    key: '01234567 89abcdef 01234567 89abcdef',
    spi: 0x8765,
    sequence: 2,
    iv: 'f4e76524 4f6407ad f13dc138 0f673f37',
    packet: `45000054 09040000 4001f988 c0a87b03 c0a87bc8
      08009f76 a90a0100 b49c083d 02a20400 08090a0b 0c0d0e0f 10111213 14151617
      18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637`,
    outerHeader: '4500008c 09050000 4032f91e c0a87b03 c0a87bc8',
    encrypted: `773b5241 a4c44922 5e4f3ce5 ed611b0c 237ca96c f74a9301 3c1b0ea1 a0cf70f8
      e4ecaec7 8ac53aad 7a0f022b 859243c6 47752e94 a859352b 8a4d4d2d ecd136e5
      c177f132 ad3fbfb2 201ac990 4c74ee0a 109e0ca1 e4dfe9d5 a100b842 f1c22f0d`,
  },
  {
    name: 'case 8: tunnel mode, ping -p ff -s 40',
    mode: 'tunnel',
    key: '01234567 89abcdef 01234567 89abcdef',
    spi: 0x8765,
    sequence: 5,
    iv: '85d47224 b5f3dd5d 2101d4ea 8dffab22',
    packet: `45000044 090c0000 4001f990 c0a87b03 c0a87bc8
      0800d63c aa0a0200 c69c083d a3de0300 ffffffff ffffffff ffffffff ffffffff
      ffffffff ffffffff ffffffff ffffffff`,
    outerHeader: '4500007c 090d0000 4032f926 c0a87b03 c0a87bc8',
    encrypted: `15b92683 819596a8 047232cc 00f7048f e45318e1 1f8a0f62 ede3c3fc 61203bb5
      0f980a08 c9843fd3 a1b06d5c 07ff9639 b7eb7dfb 3512e5de 435e7207 ed971ef3
      d2726d9b 5ef6affc 6d17a0de cbb13892`,
  },
];

function spec(c: Rfc3602Case, direction: 'in' | 'out'): SaSpec {
  return {
    protocol: 'esp',
    direction,
    mode: c.mode,
    spi: c.spi,
    source: '192.168.123.3',
    destination: c.mode === 'tunnel' ? '192.168.123.200' : '192.168.123.100',
    encryption: { name: 'aes128', key: hex(c.key) },
    integrity: undefined,
  };
}

for (const c of CASES) {
  test(`RFC 3602 ${c.name}: byte-exact ESP packet and IP header, and back`, () => {
    const out = new IpsecSa(spec(c, 'out'));
    out.sequence = c.sequence - 1;
    const packet = hex(c.packet);
    const esp = espProtect(out, packet, 0, fixedIv(hex(c.iv)));
    assert.ok(!isDrop(esp));
    const expectedEsp = Buffer.concat([
      Buffer.from([0, 0, c.spi >>> 8, c.spi & 0xff, 0, 0, 0, c.sequence]),
      hex(c.iv),
      hex(c.encrypted),
    ]);
    assert.equal(esp.toString('hex'), expectedEsp.toString('hex'));

    // The IP header the RFC shows: transport mode keeps the original header with protocol 50
    // (RFC 4303 section 3.1.1); tunnel mode builds a new one (the RFC's sender took the next IP id).
    const original = hex(c.packet);
    const header = Buffer.alloc(20);
    const total = 20 + esp.length;
    writeIpv4Header(header, 0, total, {
      tos: original[1] ?? 0,
      id: original.readUInt16BE(4) + (c.mode === 'tunnel' ? 1 : 0),
      ttl: 64,
      protocol: IPPROTO_ESP,
      source: addressBytes('192.168.123.3'),
      destination: original.subarray(16, 20),
    });
    assert.equal(header.toString('hex'), hex(c.outerHeader).toString('hex'));
    if (c.mode === 'transport')
      assert.deepEqual(transportSplit(original), { headerLength: 20, nextHeader: 1 });

    const inbound = new IpsecSa(spec(c, 'in'));
    const back = espUnprotect(inbound, esp, 0);
    assert.ok(!isDrop(back), String(back));
    if (c.mode === 'tunnel') assert.equal(back.toString('hex'), original.toString('hex'));
    else {
      // Transport mode: the payload comes back behind a header rebuilt from the SA's addresses.
      assert.equal(back.subarray(20).toString('hex'), original.subarray(20).toString('hex'));
      assert.equal(back[9], 1);
      assert.deepEqual(back.subarray(12, 20), original.subarray(12, 20));
    }
  });
}

test('RFC 3686 section 6 test vectors #1 and #2: AES-CTR through the ESP engine', () => {
  const vectors = [
    {
      key: 'ae6852f8121067cc4bf7a5765577f39e',
      nonce: '00000030',
      iv: '0000000000000000',
      pt: '53696e676c6520626c6f636b206d7367',
      ct: 'e4095d4fb7a7b3792d6175a3261311b8',
    },
    {
      key: '7e24067817fae0d743d6ce1f32539163',
      nonce: '006cb6db',
      iv: 'c0543b59da48d90b',
      pt: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      ct: '5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28',
    },
  ];
  for (const v of vectors) {
    const cipher = espCipher('aes128ctr');
    assert.ok(cipher);
    const keymat = hex(v.key + v.nonce);
    assert.equal(cipher.encrypt(keymat, hex(v.iv), hex(v.pt)).toString('hex'), v.ct);
    assert.equal(cipher.decrypt(keymat, hex(v.iv), hex(v.ct)).toString('hex'), v.pt);
  }
  // In ESP the 8-byte IV is the sequence number (unique under the key, RFC 3686 section 3.1); the
  // payload is encrypted by the cipher checked above with nonce | IV | counter.
  const keymat = hex('7e24067817fae0d743d6ce1f32539163006cb6db');
  const sa = new IpsecSa({
    protocol: 'esp',
    direction: 'out',
    mode: 'tunnel',
    spi: 0x1234,
    source: '10.0.0.1',
    destination: '10.0.0.2',
    esn: true,
    encryption: { name: 'aes128ctr', key: keymat },
    integrity: { name: 'sha1', key: Buffer.alloc(20, 7) },
  });
  sa.sequence = 0x1_0000_0029;
  const inner = hex('4500001c 00000000 40110000 0a000001 0a000002 00350035 0008 0000');
  const esp = espProtect(sa, inner, 0, () => assert.fail('CTR takes no random IV'));
  assert.ok(!isDrop(esp));
  assert.equal(esp.subarray(0, 8).toString('hex'), '000012340000002a');
  assert.equal(esp.subarray(8, 16).toString('hex'), '000000010000002a');
  const cipher = espCipher('aes128ctr');
  assert.ok(cipher);
  const expected = cipher.encrypt(keymat, esp.subarray(8, 16), Buffer.concat([inner, hex('01020204')]));
  assert.equal(esp.subarray(16, 16 + 32).toString('hex'), expected.toString('hex'));
  assert.equal(esp.length, 8 + 8 + 32 + 12);
});

test('AES-GCM ESP layout (RFC 4106 sections 3-5): SPI | seq | IV | ciphertext | tag, AAD = SPI | seq, nonce = salt | IV', () => {
  const key = hex('feffe9928665731c6d6a8f9467308308');
  const salt = hex('cafebabe');
  const sa = new IpsecSa({
    protocol: 'esp',
    direction: 'out',
    mode: 'tunnel',
    spi: 0x0000a5f8,
    source: '10.0.0.1',
    destination: '10.0.0.2',
    encryption: { name: 'aes128gcm16', key: Buffer.concat([key, salt]) },
    integrity: undefined,
  });
  sa.sequence = 9;
  const inner = hex('4500001c 00000000 40110000 0a000001 0a000002 00350035 0008 0000');
  const esp = espProtect(sa, inner, 0, () => assert.fail('GCM takes no random IV'));
  assert.ok(!isDrop(esp));
  assert.equal(esp.subarray(0, 8).toString('hex'), '0000a5f80000000a');
  const iv = esp.subarray(8, 16);
  assert.equal(iv.toString('hex'), '000000000000000a');
  const ct = esp.subarray(16, esp.length - 16);
  // 28 bytes of packet + 2 of trailer = 30, padded to 32 (4-byte alignment, RFC 4106 section 3.2).
  assert.equal(ct.length, 32);
  const d = createDecipheriv('aes-128-gcm', key, Buffer.concat([salt, iv]), { authTagLength: 16 });
  d.setAAD(esp.subarray(0, 8));
  d.setAuthTag(esp.subarray(esp.length - 16));
  const pt = Buffer.concat([d.update(ct), d.final()]);
  assert.equal(pt.toString('hex'), `${inner.toString('hex')}01020204`);
});

test('AES-CTR in the registry: ESP transform 13 with a Key Length, KEYMAT = key + 4-byte nonce (RFC 3686 sections 5.1, 6)', () => {
  for (const bits of [128, 192, 256] as const) {
    const t = transformByKeyword(`aes${bits}ctr`);
    assert.ok(t && t.kind === 'encryption');
    assert.equal(t.espId, 13);
    assert.equal(t.keyLengthBits, bits);
    assert.equal(espTransformById(13, bits)?.keyword, `aes${bits}ctr`);
    assert.deepEqual(saKeyLengths(t, undefined), { encryptionLength: bits / 8 + 4, integrityLength: 0 });
  }
});
