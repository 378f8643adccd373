import assert from 'node:assert/strict';
import { constants, createHmac, createPrivateKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { test } from 'node:test';
import { DecryptError } from '../../src/crypto/errors.js';
import { rsaDecrypt, rsaDecryptDetailed, rsaEncrypt } from '../../src/crypto/pke.js';
import { decryptPkcs1, implicitRejectionPrf } from '../../src/crypto/rsa-implicit-rejection.js';
import { hex, loadVectors } from './vectors.js';

// RSAES-PKCS1-v1_5 decryption with implicit rejection (draft-irtf-cfrg-rsa-guidance), checked
// against OpenSSL 4.0 (via pyca/cryptography, which decrypts PKCS#1 v1.5 with implicit rejection)
// and against node's own PKCS#1 v1.5 encryption.

interface KeyVectors {
  readonly bits: number;
  readonly privateKey: string;
  readonly cases: readonly { name: string; ciphertext: string; message: string }[];
}
const vectors = loadVectors<KeyVectors>('rsa_pkcs1_implicit_rejection.json');

for (const key of vectors.cases) {
  const privateKey = createPrivateKey(key.privateKey);
  for (const c of key.cases) {
    test(`implicit rejection KAT, RSA-${key.bits}: ${c.name}`, () => {
      const out = decryptPkcs1(privateKey, hex(c.ciphertext));
      assert.equal(out.message.toString('hex'), c.message);
      const wellFormed = c.name.startsWith('valid') || c.name.includes('(valid');
      assert.equal(out.rejected, !wellFormed);
    });
  }
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('a nonce encrypted with RSA_PKCS1_PADDING by node decrypts to itself (RFC 2409 5.2 nonce body)', () => {
  for (const length of [0, 1, 8, 16, 32, 64, 245]) {
    const nonce = Buffer.alloc(length, 0x4e);
    const ct = publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, nonce);
    assert.ok(rsaDecrypt(rsa.privateKey, ct).equals(nonce));
    assert.equal(rsaDecryptDetailed(rsa.privateKey, ct).rejected, false);
  }
  // The key may also be given as PEM.
  const pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' });
  const ct = rsaEncrypt(rsa.publicKey, Buffer.from('IDii'));
  assert.equal(rsaDecrypt(pem, ct).toString(), 'IDii');
});

test('an invalid padding gives a synthetic message of a length a real one could have, the same each time', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const em = Buffer.alloc(256, i + 1);
    em[0] = 0;
    em[1] = i % 2 === 0 ? 1 : 2; // block type 1, or type 2 without a zero separator
    const ct = publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_NO_PADDING }, em);
    const first = rsaDecryptDetailed(rsa.privateKey, ct);
    assert.equal(first.rejected, true);
    assert.ok(first.message.length <= 256 - 11);
    seen.add(first.message.length);
    const again = rsaDecrypt(rsa.privateKey, ct);
    assert.ok(again.equals(first.message));
  }
  assert.ok(seen.size > 20, 'synthetic lengths vary with the ciphertext');
  // A different key gives a different synthetic message for the same ciphertext.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const em = Buffer.alloc(256, 7);
  em[0] = 0;
  const ct = publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_NO_PADDING }, em);
  const otherCt = publicEncrypt({ key: other.publicKey, padding: constants.RSA_NO_PADDING }, em);
  assert.ok(!rsaDecrypt(rsa.privateKey, ct).equals(rsaDecrypt(other.privateKey, otherCt)));
});

test('only public facts throw: the wrong ciphertext length, a value not below the modulus, a non-RSA key', () => {
  assert.throws(() => rsaDecrypt(rsa.privateKey, Buffer.alloc(255, 1)), DecryptError);
  assert.throws(() => rsaDecrypt(rsa.privateKey, Buffer.alloc(257, 1)), DecryptError);
  assert.throws(() => rsaDecrypt(rsa.privateKey, Buffer.alloc(256, 0xff)), DecryptError);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => rsaDecrypt(ec.privateKey, Buffer.alloc(256, 1)), DecryptError);
  assert.throws(() => rsaDecrypt(rsa.publicKey, Buffer.alloc(256, 1)), DecryptError);
});

test('the implicit-rejection PRF: HMAC-SHA-256(KDK, I || label || bit length), concatenated', () => {
  const kdk = Buffer.alloc(32, 0x11);
  const block = (i: number): Buffer =>
    createHmac('sha256', kdk)
      .update(Buffer.from([0, i]))
      .update('message')
      .update(Buffer.from([0x03, 0x20])) // 100 octets = 800 bits
      .digest();
  const expected = Buffer.concat([block(0), block(1), block(2), block(3)]).subarray(0, 100);
  assert.ok(implicitRejectionPrf(kdk, 'message', 100).equals(expected));
});
