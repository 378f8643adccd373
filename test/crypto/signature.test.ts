import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, publicDecrypt, sign } from 'node:crypto';
import { test } from 'node:test';
import { DecryptError } from '../../src/crypto/errors.js';
import { rsaDecrypt, rsaDecryptAvailable, rsaEncrypt } from '../../src/crypto/pke.js';
import {
  dssVerify,
  ecdsaSign,
  ecdsaVerify,
  rsaSignHash,
  rsaVerifyHash,
  signatureHashPrf,
} from '../../src/crypto/signature.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('RSA signature over HASH_I is PKCS#1 v1.5 without DigestInfo (strongSwan SIGN_RSA_EMSA_PKCS1_NULL)', () => {
  const hashI = createHash('sha1').update('HASH_I').digest();
  const sig = rsaSignHash(rsa.privateKey, hashI);
  assert.equal(sig.length, 256);
  // The recovered block is exactly the hash: no DigestInfo.
  const recovered = publicDecrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, sig);
  assert.ok(recovered.equals(hashI));
  assert.ok(rsaVerifyHash(rsa.publicKey, hashI, sig));
  const other = Buffer.from(hashI);
  other[0] = (other[0] ?? 0) ^ 1;
  assert.equal(rsaVerifyHash(rsa.publicKey, other, sig), false);
  assert.equal(rsaVerifyHash(rsa.publicKey, hashI, Buffer.alloc(256, 1)), false);
  // A standard RSASSA-PKCS1-v1_5 signature (with DigestInfo) is a different thing.
  assert.equal(
    rsaVerifyHash(rsa.publicKey, hashI, sign('sha1', Buffer.from('HASH_I'), rsa.privateKey)),
    false,
  );
});

test('ECDSA-256/384/521 (RFC 4754): r | s of fixed size, curve hash', () => {
  for (const [curve, size] of [
    ['P-256', 64],
    ['P-384', 96],
    ['P-521', 132],
  ] as const) {
    const ec = generateKeyPairSync('ec', { namedCurve: curve });
    const data = Buffer.from('HASH_R bytes');
    const sig = ecdsaSign(ec.privateKey, data);
    assert.equal(sig.length, size, curve);
    assert.ok(ecdsaVerify(ec.publicKey, data, sig), curve);
    assert.equal(ecdsaVerify(ec.publicKey, Buffer.from('other'), sig), false);
    assert.equal(ecdsaVerify(ec.publicKey, data, sig.subarray(1)), false);
  }
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  assert.throws(() => ecdsaSign(k1.privateKey, Buffer.alloc(1)));
});

test('DSS verification (r | s, 40 bytes, SHA-1)', () => {
  const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 160 });
  const data = Buffer.from('HASH_I');
  const sig = sign('sha1', data, { key: dsa.privateKey, dsaEncoding: 'ieee-p1363' });
  assert.equal(sig.length, 40);
  assert.ok(dssVerify(dsa.publicKey, data, sig));
  assert.equal(dssVerify(dsa.publicKey, Buffer.from('x'), sig), false);
});

test('RSA PKCS#1 v1.5 encryption and decryption (implicit rejection, no --security-revert)', () => {
  const nonce = Buffer.alloc(16, 0x4e);
  const ct = rsaEncrypt(rsa.publicKey, nonce);
  assert.equal(ct.length, 256);
  assert.ok(rsaDecryptAvailable(rsa.privateKey, rsa.publicKey));
  assert.ok(rsaDecrypt(rsa.privateKey, ct).equals(nonce));
  // A bad padding is no error: a synthetic message (test/crypto/rsa-implicit-rejection.test.ts).
  assert.ok(!rsaDecrypt(rsa.privateKey, Buffer.alloc(256, 3)).equals(nonce));
  assert.throws(() => rsaDecrypt(rsa.privateKey, Buffer.alloc(255, 3)), DecryptError);
});

test('the HASH a signature covers uses the HMAC of the signature hash when one is tied (RFC 2409 5.1)', () => {
  assert.equal(signatureHashPrf('rsa', 'md5'), 'md5');
  assert.equal(signatureHashPrf('dss', 'sha256'), 'sha1');
  assert.equal(signatureHashPrf('ecdsa256', 'sha1'), 'sha256');
  assert.equal(signatureHashPrf('ecdsa384', 'sha1'), 'sha384');
  assert.equal(signatureHashPrf('ecdsa521', 'md5'), 'sha512');
});
