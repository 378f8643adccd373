import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { IntegrityError } from '../../src/crypto/errors.js';
import { ESP_CIPHERS, espCipher } from '../../src/crypto/esp-cipher.js';

test('ESP cipher sizes: GCM and ChaCha20-Poly1305 take key + 4-byte salt (RFC 4106, RFC 7634)', () => {
  const sizes = Object.fromEntries(
    ESP_CIPHERS.map((c) => [c.name, [c.keymatLength, c.ivLength, c.icvLength]]),
  );
  assert.deepEqual(sizes['3des'], [24, 8, 0]);
  assert.deepEqual(sizes.aes128, [16, 16, 0]);
  assert.deepEqual(sizes.aes256, [32, 16, 0]);
  assert.deepEqual(sizes.aes128gcm8, [20, 8, 8]);
  assert.deepEqual(sizes.aes192gcm12, [28, 8, 12]);
  assert.deepEqual(sizes.aes256gcm16, [36, 8, 16]);
  assert.deepEqual(sizes.chacha20poly1305, [36, 8, 16]);
  assert.deepEqual(sizes.null, [0, 0, 0]);
});

test('AES-GCM nonce is salt | IV (RFC 4106 section 4)', () => {
  const c = espCipher('aes128gcm16');
  assert.ok(c);
  const key = Buffer.alloc(16, 1);
  const salt = Buffer.from('cafebabe', 'hex');
  const iv = Buffer.from('0102030405060708', 'hex');
  const aad = Buffer.from('0000010000000001', 'hex');
  const pt = Buffer.from('payload bytes');
  const ours = c.encrypt(Buffer.concat([key, salt]), iv, pt, aad);
  const ref = createCipheriv('aes-128-gcm', key, Buffer.concat([salt, iv]));
  ref.setAAD(aad);
  const expected = Buffer.concat([ref.update(pt), ref.final(), ref.getAuthTag()]);
  assert.ok(ours.equals(expected));
});

test('property: ESP round trips, and any tampering with an AEAD packet is detected', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ESP_CIPHERS),
      fc.uint8Array({ minLength: 36, maxLength: 36 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.integer({ min: 0, max: 8 }),
      fc.uint8Array({ minLength: 8, maxLength: 12 }),
      fc.nat(),
      (cipher, keyBytes, ivBytes, blocks, aad, flip) => {
        const key = Buffer.from(keyBytes.subarray(0, cipher.keymatLength));
        const iv = Buffer.from(ivBytes.subarray(0, cipher.ivLength));
        const block = cipher.aead ? 1 : cipher.blockSize;
        const pt = Buffer.alloc(blocks * 16 + (cipher.aead ? 3 : 0), 0x42).subarray(
          0,
          blocks * 16 - ((blocks * 16) % block),
        );
        let ct: Buffer;
        try {
          ct = cipher.encrypt(key, iv, pt, aad);
        } catch (err) {
          if ((err as { code?: string }).code === 'ERR_IKE_WEAK_KEY') return;
          throw err;
        }
        assert.equal(ct.length, pt.length + cipher.icvLength);
        assert.ok(cipher.decrypt(key, iv, ct, aad).equals(pt));
        if (cipher.aead) {
          const bad = Buffer.from(ct);
          const at = flip % bad.length;
          bad[at] = (bad[at] ?? 0) ^ 0x01;
          assert.throws(() => cipher.decrypt(key, iv, bad, aad), IntegrityError);
          const badAad = Buffer.from(aad);
          badAad[0] = (badAad[0] ?? 0) ^ 0x80;
          assert.throws(() => cipher.decrypt(key, iv, ct, badAad), IntegrityError);
        }
      },
    ),
    { numRuns: 300 },
  );
});
