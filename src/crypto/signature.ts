import {
  constants,
  createPublicKey,
  type KeyLike,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  sign,
  verify,
} from 'node:crypto';
import { SignatureError, UnsupportedAlgorithmError } from './errors.js';
import { equalMacs, type HashName } from './prf.js';

// Signatures as IKEv1 phase 1 uses them (RFC 2409 section 5.1: SIG_I / SIG_R are signatures over
// HASH_I / HASH_R).

type PrivateKeyInput = KeyLike | KeyObject;

/** Signature methods of IKEv1 phase 1 (RFC 2409 Appendix A, RFC 4754 section 4). */
export type SignatureMethod = 'rsa' | 'dss' | 'ecdsa256' | 'ecdsa384' | 'ecdsa521';

/**
 * The PRF hash for the HASH_I/HASH_R that a signature covers. RFC 2409 section 5.1: normally the
 * negotiated PRF, but "if the signature algorithm is tied to a particular hash algorithm (e.g.
 * DSS ...) the signature will be over HASH_I and HASH_R as above, except using the HMAC version
 * of the hash algorithm associated with the signature method". DSS is tied to SHA-1 and
 * ECDSA-256/384/521 to SHA-256/384/512 (RFC 4754 section 4); strongSwan's keymat_v1.c does the
 * same for ECDSA (`prf_auth`). All other PRF uses keep the negotiated one.
 */
export function signatureHashPrf(method: SignatureMethod, negotiated: HashName): HashName {
  switch (method) {
    case 'dss':
      return 'sha1';
    case 'ecdsa256':
      return 'sha256';
    case 'ecdsa384':
      return 'sha384';
    case 'ecdsa521':
      return 'sha512';
    default:
      return negotiated;
  }
}
type PublicKeyInput = KeyLike | KeyObject;

/**
 * RSA signature of HASH_I/HASH_R. RFC 2409 section 5.1 leaves the padding open; strongSwan uses
 * SIGN_RSA_EMSA_PKCS1_NULL for IKEv1 (src/libcharon/sa/ikev1/authenticators/
 * pubkey_v1_authenticator.c), i.e. PKCS#1 v1.5 type 1 padding around the raw hash bytes with no
 * DigestInfo. That is RSA private-key "encryption" with RSA_PKCS1_PADDING.
 */
export function rsaSignHash(privateKey: PrivateKeyInput, hashValue: Uint8Array): Buffer {
  try {
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, hashValue);
  } catch {
    throw new SignatureError('RSA signing failed');
  }
}

/** Verifies an RSA SIG payload over HASH_I/HASH_R (PKCS#1 v1.5, no DigestInfo, see above). */
export function rsaVerifyHash(
  publicKey: PublicKeyInput,
  hashValue: Uint8Array,
  signature: Uint8Array,
): boolean {
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return equalMacs(recovered, hashValue);
}

const ECDSA_HASH: Readonly<Record<string, { hash: string; size: number }>> = {
  prime256v1: { hash: 'sha256', size: 64 },
  secp384r1: { hash: 'sha384', size: 96 },
  secp521r1: { hash: 'sha512', size: 132 },
};

function ecdsaParams(key: KeyObject): { hash: string; size: number } {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const params = curve === undefined ? undefined : ECDSA_HASH[curve];
  if (key.asymmetricKeyType !== 'ec' || params === undefined) {
    throw new UnsupportedAlgorithmError(
      `ECDSA key on curve ${curve ?? 'unknown'} (RFC 4754 knows P-256/384/521)`,
    );
  }
  return params;
}

function toPublic(key: PublicKeyInput): KeyObject {
  if (typeof key === 'object' && 'type' in key && key.type === 'public') return key as KeyObject;
  return createPublicKey(key as KeyLike);
}

/**
 * ECDSA-256/384/521 (RFC 4754 section 4): the hash function is fixed by the curve (SHA-256,
 * SHA-384, SHA-512) and applied to the signed data; the signature is r | s, each left-padded to
 * the curve's size (section 7), i.e. IEEE P1363 encoding.
 *
 * Interop caveat: strongSwan computes HASH_I with HMAC-SHA-x (see signatureHashPrf) and signs that
 * value as the ECDSA digest itself (SIGN_ECDSA_WITH_NULL), without hashing it again. node:crypto
 * only offers ECDSA over a message it hashes itself, so this signs SHA-x(HASH_I); it matches
 * strongSwan only if that reading is changed on one side. See docs/crypto.md.
 */
export function ecdsaSign(privateKey: KeyObject, data: Uint8Array): Buffer {
  const { hash } = ecdsaParams(privateKey);
  return sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

export function ecdsaVerify(publicKey: PublicKeyInput, data: Uint8Array, signature: Uint8Array): boolean {
  const key = toPublic(publicKey);
  const { hash, size } = ecdsaParams(key);
  if (signature.length !== size) return false;
  try {
    return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * DSS verification (RFC 2409 Appendix A auth method 2; FIPS 186 DSA with SHA-1): the SIG payload
 * is r | s, 20 bytes each. OpenSSL verifies SHA-1 over `data`; node:crypto offers no DSA over a
 * precomputed digest (see docs/crypto.md).
 */
export function dssVerify(publicKey: PublicKeyInput, data: Uint8Array, signature: Uint8Array): boolean {
  const key = toPublic(publicKey);
  if (key.asymmetricKeyType !== 'dsa') throw new UnsupportedAlgorithmError('DSS needs a DSA key');
  if (signature.length !== 40) return false;
  try {
    return verify('sha1', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
