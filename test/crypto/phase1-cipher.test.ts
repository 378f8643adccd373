import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IsakmpCipher, padBody } from '../../src/crypto/body.js';
import { CBC_CIPHERS, type CbcCipherName, cbcCipher, desAvailable } from '../../src/crypto/cbc.js';
import { UnsupportedAlgorithmError, WeakKeyError } from '../../src/crypto/errors.js';
import { IvState } from '../../src/crypto/iv.js';
import { hash, prf } from '../../src/crypto/prf.js';
import { ikeEncryptionById, phase1Cipher, transformByKeyword } from '../../src/crypto/registry.js';
import { deriveKa, phase2Iv } from '../../src/crypto/skeyid.js';
import { checkDesKey, checkTripleDesKey } from '../../src/crypto/weak-keys.js';

test('Ka expansion (RFC 2409 Appendix B) when SKEYID_e is shorter than the key', () => {
  const skeyidE = Buffer.alloc(20, 0x11); // HMAC-SHA1 output, 3DES needs 24 bytes
  const k1 = prf('sha1', skeyidE, Buffer.from([0]));
  const k2 = prf('sha1', skeyidE, k1);
  const k3 = prf('sha1', skeyidE, k2);
  assert.ok(deriveKa('sha1', skeyidE, 24).equals(Buffer.concat([k1, k2]).subarray(0, 24)));
  assert.ok(deriveKa('sha1', skeyidE, 56).equals(Buffer.concat([k1, k2, k3]).subarray(0, 56)));
  assert.ok(deriveKa('sha1', skeyidE, 16).equals(skeyidE.subarray(0, 16)));
  assert.ok(deriveKa('md5', Buffer.alloc(16, 1), 32).length === 32);
});

test('DES weak / semi-weak keys and 3DES K1 == K2 / K2 == K3 are refused', () => {
  for (const weak of ['0101010101010101', 'fefefefefefefefe', '01fe01fe01fe01fe', '1f011f010e010e01']) {
    assert.throws(() => checkDesKey(Buffer.from(weak, 'hex')), WeakKeyError);
  }
  // Parity bits are ignored: 0x00.. is the weak key 0x01.. without parity.
  assert.throws(() => checkDesKey(Buffer.alloc(8)), WeakKeyError);
  checkDesKey(Buffer.from('0123456789abcdef', 'hex'));
  const a = Buffer.from('0123456789abcdef', 'hex');
  const b = Buffer.from('23456789abcdef01', 'hex');
  const c = Buffer.from('456789abcdef0123', 'hex');
  checkTripleDesKey(Buffer.concat([a, b, c]));
  assert.throws(() => checkTripleDesKey(Buffer.concat([a, a, c])), WeakKeyError);
  assert.throws(() => checkTripleDesKey(Buffer.concat([a, b, b])), WeakKeyError);
  assert.throws(
    () =>
      new IsakmpCipher(
        CBC_CIPHERS['3des'],
        Buffer.concat([a, a, c]),
        new IvState('sha1', 8, Buffer.alloc(8)),
      ),
  );
});

test('single DES is refused unless allowed, and needs OpenSSL to offer it', () => {
  assert.throws(() => cbcCipher('des'), UnsupportedAlgorithmError);
  if (desAvailable()) assert.equal(cbcCipher('des', { allowDes: true }).keyLength, 8);
  else assert.throws(() => cbcCipher('des', { allowDes: true }), UnsupportedAlgorithmError);
});

test('bodies are padded with zeros to the block size (RFC 2409 Appendix B)', () => {
  assert.equal(padBody(Buffer.alloc(5, 1), 16).length, 16);
  assert.equal(padBody(Buffer.alloc(16, 1), 16).length, 16);
  assert.equal(padBody(Buffer.alloc(17, 1), 8).length, 24);
  assert.ok(padBody(Buffer.alloc(5, 1), 8).subarray(5).equals(Buffer.alloc(3)));
});

test('phase 2 IV = hash(last phase 1 block | M-ID), per message ID', () => {
  const ivs = new IvState('sha256', 16, Buffer.alloc(16, 3));
  const last = Buffer.alloc(16, 9);
  ivs.advance(0, Buffer.concat([Buffer.alloc(16, 1), last]));
  const expected = hash('sha256', last, Buffer.from([0, 0, 0, 7])).subarray(0, 16);
  assert.ok(ivs.current(7).equals(expected));
  assert.ok(phase2Iv('sha256', last, 7, 16).equals(expected));
  assert.ok(!ivs.current(8).equals(expected));
  ivs.advance(7, Buffer.alloc(32, 5));
  assert.ok(ivs.current(7).equals(Buffer.alloc(16, 5)));
  assert.ok(ivs.current(0).equals(last));
  ivs.forget(7);
  assert.ok(ivs.current(7).equals(expected));
});

test('per-exchange IV contexts are capped, least recently used dropped', () => {
  const ivs = new IvState('sha1', 8, Buffer.alloc(8, 1), 3);
  for (const mid of [1, 2, 3]) ivs.advance(mid, Buffer.alloc(8, mid));
  ivs.current(1); // touch 1: now 2 is the oldest
  ivs.current(4);
  assert.deepEqual(ivs.exchanges().sort(), [1, 3, 4]);
  assert.ok(ivs.current(1).equals(Buffer.alloc(8, 1)));
});

const NAMES: CbcCipherName[] = ['3des', 'aes128', 'aes192', 'aes256'];

test('property: encrypt/decrypt round trip with IV chaining between two peers', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...NAMES),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.array(fc.tuple(fc.boolean(), fc.constantFrom(0, 1, 0x1234), fc.uint8Array({ maxLength: 90 })), {
        minLength: 1,
        maxLength: 8,
      }),
      (name, keyBytes, ivSeed, messages) => {
        const cipher = CBC_CIPHERS[name];
        const key = Buffer.from(keyBytes.subarray(0, cipher.keyLength));
        try {
          cipher.checkKey(key);
        } catch {
          return; // weak 3DES key drawn: not this property's business
        }
        const iv = hash('sha1', ivSeed).subarray(0, cipher.blockSize);
        const alice = new IsakmpCipher(cipher, key, new IvState('sha1', cipher.blockSize, iv));
        const bob = new IsakmpCipher(cipher, key, new IvState('sha1', cipher.blockSize, iv));
        for (const [fromAlice, messageId, body] of messages) {
          const [sender, receiver] = fromAlice ? [alice, bob] : [bob, alice];
          const ct = sender.encrypt(messageId, body);
          assert.equal(ct.length % cipher.blockSize, 0);
          const pt = receiver.decrypt(messageId, ct);
          // The padding stays: the codec ignores trailing bytes.
          assert.ok(pt.subarray(0, body.length).equals(Buffer.from(body)));
          assert.ok(pt.subarray(body.length).every((b) => b === 0));
          receiver.commit(messageId, ct);
          assert.ok(sender.ivs.current(messageId).equals(receiver.ivs.current(messageId)));
          assert.ok(sender.ivs.current(messageId).equals(ct.subarray(ct.length - cipher.blockSize)));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('a receiver that does not commit a bad message keeps its IV, and peek creates no context', () => {
  const cipher = CBC_CIPHERS.aes128;
  const ivs = new IvState('sha1', 16, Buffer.alloc(16, 2), 2);
  const c = new IsakmpCipher(cipher, Buffer.alloc(16, 4), ivs);
  const before = ivs.current(0);
  c.decrypt(0, Buffer.alloc(32, 0x77));
  assert.ok(ivs.current(0).equals(before));
  ivs.advance(5, Buffer.alloc(16, 5));
  ivs.advance(6, Buffer.alloc(16, 6));
  // Forged messages with made-up message IDs: no context created, none evicted.
  for (const mid of [7, 8, 9]) {
    assert.ok(ivs.peek(mid).equals(phase2Iv('sha1', before, mid, 16)));
    c.decrypt(mid, Buffer.alloc(16, 0x33));
  }
  assert.deepEqual(ivs.exchanges().sort(), [5, 6]);
  assert.ok(ivs.peek(5).equals(Buffer.alloc(16, 5)));
});

test('encryptOnce: the first message of an exchange, as encrypt makes it, without an IV context', () => {
  const cipher = CBC_CIPHERS.aes128;
  const once = new IvState('sha256', 16, Buffer.alloc(16, 2));
  const chained = new IvState('sha256', 16, Buffer.alloc(16, 2));
  const a = new IsakmpCipher(cipher, Buffer.alloc(16, 4), once);
  const b = new IsakmpCipher(cipher, Buffer.alloc(16, 4), chained);
  const plaintext = Buffer.alloc(45, 0x5a);
  const ct = a.encryptOnce(0x1234, plaintext);
  assert.ok(ct.equals(b.encrypt(0x1234, plaintext)));
  assert.deepEqual(once.exchanges(), []);
  assert.ok(a.decrypt(0x1234, ct).subarray(0, 45).equals(plaintext));
  // An exchange in progress keeps its own context.
  once.advance(7, Buffer.alloc(16, 7));
  assert.ok(
    a
      .encryptOnce(9, plaintext)
      .equals(
        new IsakmpCipher(cipher, Buffer.alloc(16, 4), new IvState('sha256', 16, Buffer.alloc(16, 2))).encrypt(
          9,
          plaintext,
        ),
      ),
  );
  assert.deepEqual(once.exchanges(), [7]);
});

test('phase 1 ciphers from the registry, DES only through the policy', () => {
  const aes = ikeEncryptionById(7, 256);
  assert.ok(aes);
  assert.equal(phase1Cipher(aes).keyLength, 32);
  assert.equal(ikeEncryptionById(7, 100), undefined);
  const des = ikeEncryptionById(1);
  assert.ok(des);
  assert.equal(des.cbc, undefined);
  assert.throws(() => phase1Cipher(des), UnsupportedAlgorithmError);
  const gcm = transformByKeyword('aes128gcm16');
  assert.ok(gcm?.kind === 'encryption');
  assert.throws(() => phase1Cipher(gcm), UnsupportedAlgorithmError);
});
