import { constants, type KeyLike, type KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';
import { DecryptError, RsaDecryptUnavailableError } from './errors.js';

// RSA public-key encryption for the authentication modes of RFC 2409 section 5.2 and 5.3 (nonce
// and identity payloads encrypted with the peer's public key; PKCS#1 v1.5 as the RFC says).

/** Encrypts with the peer's public key, PKCS#1 v1.5 (RSAES-PKCS1-v1_5). */
export function rsaEncrypt(publicKey: KeyLike | KeyObject, plaintext: Uint8Array): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
}

/**
 * Decrypts with our private key, PKCS#1 v1.5. Node.js 18.19.1/20.11.1/21.6.2 and later refuse
 * RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, the Marvin timing attack) unless the
 * OpenSSL build does implicit rejection or node runs with `--security-revert=CVE-2023-46809`; then
 * this throws RsaDecryptUnavailableError. Any other failure is a DecryptError without detail.
 */
export function rsaDecrypt(privateKey: KeyLike | KeyObject, ciphertext: Uint8Array): Buffer {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, ciphertext);
  } catch (err) {
    if (isMarvinRefusal(err)) throw new RsaDecryptUnavailableError();
    throw new DecryptError('RSA PKCS#1 v1.5');
  }
}

/** Whether this Node.js allows PKCS#1 v1.5 private decryption at all. */
export function rsaDecryptAvailable(
  privateKey: KeyLike | KeyObject,
  publicKey: KeyLike | KeyObject,
): boolean {
  try {
    rsaDecrypt(privateKey, rsaEncrypt(publicKey, Buffer.from([1])));
    return true;
  } catch (err) {
    if (err instanceof RsaDecryptUnavailableError) return false;
    throw err;
  }
}

function isMarvinRefusal(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE' &&
    err.message.includes('CVE-2023-46809')
  );
}
