import { constants, createPrivateKey, type KeyLike, KeyObject, publicEncrypt } from 'node:crypto';
import { decryptPkcs1, type Pkcs1Decryption } from './rsa-implicit-rejection.js';

// RSA public-key encryption for the authentication modes of RFC 2409 section 5.2 and 5.3 (nonce
// and identity payloads encrypted with the peer's public key; PKCS#1 v1.5 as the RFC says).

/** Encrypts with the peer's public key, PKCS#1 v1.5 (RSAES-PKCS1-v1_5). */
export function rsaEncrypt(publicKey: KeyLike | KeyObject, plaintext: Uint8Array): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
}

function privateKeyObject(privateKey: KeyLike | KeyObject): KeyObject {
  return privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
}

/**
 * Decrypts with our private key, PKCS#1 v1.5 with implicit rejection (rsa-implicit-rejection.ts):
 * a wrong padding gives a deterministic synthetic message instead of an error, so the exchange
 * fails later at HASH_I/HASH_R like any wrong key. Node 20 refuses RSA_PKCS1_PADDING in
 * privateDecrypt (CVE-2023-46809); this needs no `--security-revert`. Throws DecryptError only
 * for a ciphertext of the wrong length or not below the modulus (public facts).
 */
export function rsaDecrypt(privateKey: KeyLike | KeyObject, ciphertext: Uint8Array): Buffer {
  return decryptPkcs1(privateKeyObject(privateKey), ciphertext).message;
}

/**
 * As rsaDecrypt, also saying whether the padding was rejected. For the log line of an exchange
 * that has already failed (RFC 2409 5.2: the nonce did not decrypt under our key); what is sent
 * to the peer must never depend on it.
 */
export function rsaDecryptDetailed(privateKey: KeyLike | KeyObject, ciphertext: Uint8Array): Pkcs1Decryption {
  return decryptPkcs1(privateKeyObject(privateKey), ciphertext);
}

/**
 * Whether PKCS#1 v1.5 private decryption is available: always, since ikets removes the padding
 * itself with implicit rejection. Kept for callers written when Node's refusal was final.
 */
export function rsaDecryptAvailable(
  _privateKey?: KeyLike | KeyObject,
  _publicKey?: KeyLike | KeyObject,
): boolean {
  return true;
}
