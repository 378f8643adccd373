import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, publicDecrypt, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { DecryptError } from '../../src/crypto/errors.js';
import { rsaDecrypt, rsaDecryptAvailable, rsaEncrypt } from '../../src/crypto/pke.js';
import {
  dssSignHash,
  dssVerifyHash,
  ecdsaMethodOf,
  ecdsaSignHash,
  ecdsaVerifyHash,
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

test('ECDSA-256/384/521 signs HASH_I as the digest (strongSwan SIGN_ECDSA_WITH_NULL), r | s of fixed size', () => {
  for (const [curve, size, hash, method] of [
    ['P-256', 64, 'sha256', 'ecdsa256'],
    ['P-384', 96, 'sha384', 'ecdsa384'],
    ['P-521', 132, 'sha512', 'ecdsa521'],
  ] as const) {
    const ec = generateKeyPairSync('ec', { namedCurve: curve });
    assert.equal(ecdsaMethodOf(ec.privateKey), method);
    // A digest signed raw by noble is what OpenSSL's ECDSA-with-SHA-x produces over the message
    // (an independent implementation checks it): so the HASH value is not hashed again.
    const message = Buffer.from(`message for ${curve}`);
    const digest = createHash(hash).update(message).digest();
    const sig = ecdsaSignHash(ec.privateKey, digest);
    assert.equal(sig.length, size, curve);
    assert.ok(verify(hash, message, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, sig), curve);
    assert.ok(ecdsaVerifyHash(ec.publicKey, digest, sig), curve);
    // And OpenSSL's signature over the message verifies as a signature of the digest.
    const theirs = sign(hash, message, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    assert.ok(ecdsaVerifyHash(ec.publicKey, digest, theirs), curve);
    assert.equal(ecdsaVerifyHash(ec.publicKey, Buffer.from(digest).fill(1, 0, 1), sig), false);
    assert.equal(ecdsaVerifyHash(ec.publicKey, digest, sig.subarray(1)), false);
    assert.equal(ecdsaVerifyHash(ec.publicKey, digest, Buffer.alloc(size)), false);
  }
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  assert.equal(ecdsaMethodOf(k1.privateKey), undefined);
  assert.throws(() => ecdsaSignHash(k1.privateKey, Buffer.alloc(32)));
});

test('DSS over HASH_I: DSA with SHA-1, r | s of 40 bytes', () => {
  const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
  const hashI = createHash('sha1').update('HASH_I').digest();
  const sig = dssSignHash(dsa.privateKey, hashI);
  assert.equal(sig.length, 40);
  assert.ok(verify('sha1', hashI, { key: dsa.publicKey, dsaEncoding: 'ieee-p1363' }, sig));
  assert.ok(dssVerifyHash(dsa.publicKey, hashI, sig));
  assert.equal(dssVerifyHash(dsa.publicKey, Buffer.from('x'), sig), false);
  assert.equal(dssVerifyHash(dsa.publicKey, hashI, sig.subarray(2)), false);
  const wide = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  assert.throws(() => dssSignHash(wide.privateKey, hashI));
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
