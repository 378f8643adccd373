import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  informationalHash,
  quickModeHash1,
  quickModeHash2,
  quickModeHash3,
} from '../../src/crypto/exchange-hash.js';
import { deriveKeymat, deriveSaKeys, splitKeymat } from '../../src/crypto/keymat.js';
import { prf } from '../../src/crypto/prf.js';
import { ikev1Suites, parseProposal } from '../../src/crypto/proposal.js';
import { saKeyLengths } from '../../src/crypto/registry.js';

const skeyidD = Buffer.alloc(20, 0xd0);
const ni = Buffer.alloc(16, 0x01);
const nr = Buffer.alloc(16, 0x02);
const spi = Buffer.from('c0ffee01', 'hex');

test('KEYMAT without PFS and its expansion (RFC 2409 section 5.5)', () => {
  const seed = Buffer.concat([Buffer.from([3]), spi, ni, nr]);
  const k1 = prf('sha1', skeyidD, seed);
  const k2 = prf('sha1', skeyidD, k1, seed);
  const k3 = prf('sha1', skeyidD, k2, seed);
  const out = deriveKeymat({ prf: 'sha1', skeyidD, protocol: 3, spi, nonceI: ni, nonceR: nr, length: 52 });
  assert.ok(out.equals(Buffer.concat([k1, k2, k3]).subarray(0, 52)));
  assert.equal(
    deriveKeymat({ prf: 'sha1', skeyidD, protocol: 3, spi, nonceI: ni, nonceR: nr, length: 0 }).length,
    0,
  );
});

test('KEYMAT with PFS puts g(qm)^xy first', () => {
  const gxy = Buffer.alloc(256, 0xaa);
  const seed = Buffer.concat([gxy, Buffer.from([2]), spi, ni, nr]);
  const k1 = prf('sha256', skeyidD, seed);
  const k2 = prf('sha256', skeyidD, k1, seed);
  const out = deriveKeymat({
    prf: 'sha256',
    skeyidD,
    protocol: 2,
    spi,
    nonceI: ni,
    nonceR: nr,
    gxy,
    length: 64,
  });
  assert.ok(out.equals(Buffer.concat([k1, k2])));
});

test('per direction: inbound uses our SPI, outbound the peer SPI; encryption key first', () => {
  const local = Buffer.from('00000001', 'hex');
  const remote = Buffer.from('00000002', 'hex');
  const keys = deriveSaKeys({
    prf: 'sha1',
    skeyidD,
    protocol: 3,
    nonceI: ni,
    nonceR: nr,
    localSpi: local,
    remoteSpi: remote,
    encryptionLength: 20,
    integrityLength: 32,
  });
  const inbound = deriveKeymat({
    prf: 'sha1',
    skeyidD,
    protocol: 3,
    spi: local,
    nonceI: ni,
    nonceR: nr,
    length: 52,
  });
  assert.ok(keys.inbound.encryption.equals(inbound.subarray(0, 20)));
  assert.ok(keys.inbound.integrity.equals(inbound.subarray(20, 52)));
  const outbound = splitKeymat(
    deriveKeymat({ prf: 'sha1', skeyidD, protocol: 3, spi: remote, nonceI: ni, nonceR: nr, length: 52 }),
    20,
    32,
  );
  assert.ok(keys.outbound.encryption.equals(outbound.encryption));
  assert.ok(!keys.outbound.encryption.equals(keys.inbound.encryption));
  assert.throws(() =>
    deriveKeymat({
      prf: 'sha1',
      skeyidD,
      protocol: 3,
      spi: Buffer.alloc(3),
      nonceI: ni,
      nonceR: nr,
      length: 1,
    }),
  );
});

test('Quick Mode and Informational hashes (RFC 2409 sections 5.5, 5.7)', () => {
  const a = Buffer.alloc(20, 0xa0);
  const mid = 0x01020304;
  const midB = Buffer.from([1, 2, 3, 4]);
  const rest = Buffer.from(`0a000014${'00'.repeat(16)}`, 'hex');
  assert.ok(quickModeHash1('sha1', a, mid, rest).equals(prf('sha1', a, midB, rest)));
  assert.ok(quickModeHash2('sha1', a, mid, ni, rest).equals(prf('sha1', a, midB, ni, rest)));
  assert.ok(quickModeHash3('sha1', a, mid, ni, nr).equals(prf('sha1', a, Buffer.from([0]), midB, ni, nr)));
  assert.ok(informationalHash('sha1', a, mid, rest).equals(prf('sha1', a, midB, rest)));
});

test('KEYMAT lengths per transform (key + salt for AEAD; AH: integrity only)', () => {
  const pick = (text: string, protocol: 'esp' | 'ah') => {
    const [suite] = ikev1Suites(parseProposal(text, protocol));
    return saKeyLengths(suite?.encryption, suite?.integrity);
  };
  assert.deepEqual(pick('aes128-sha256', 'esp'), { encryptionLength: 16, integrityLength: 32 });
  assert.deepEqual(pick('3des-sha1', 'esp'), { encryptionLength: 24, integrityLength: 20 });
  assert.deepEqual(pick('aes256gcm16', 'esp'), { encryptionLength: 36, integrityLength: 0 });
  assert.deepEqual(pick('chacha20poly1305', 'esp'), { encryptionLength: 36, integrityLength: 0 });
  assert.deepEqual(pick('null-sha512', 'esp'), { encryptionLength: 0, integrityLength: 64 });
  assert.deepEqual(pick('aes192-aesxcbc', 'esp'), { encryptionLength: 24, integrityLength: 16 });
  assert.deepEqual(pick('md5', 'ah'), { encryptionLength: 0, integrityLength: 16 });
});
