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
import { p256, p384, p521 } from '@noble/curves/nist.js';
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

/** The curves of RFC 4754 by node:crypto's name: the noble implementation and the signature size. */
const ECDSA_CURVES: Readonly<Record<string, { curve: typeof p256; size: number; fieldBytes: number }>> = {
  prime256v1: { curve: p256, size: 64, fieldBytes: 32 },
  secp384r1: { curve: p384, size: 96, fieldBytes: 48 },
  secp521r1: { curve: p521, size: 132, fieldBytes: 66 },
};

function ecdsaCurve(key: KeyObject): { curve: typeof p256; size: number; fieldBytes: number } {
  const name = key.asymmetricKeyDetails?.namedCurve;
  const params = name === undefined ? undefined : ECDSA_CURVES[name];
  if (key.asymmetricKeyType !== 'ec' || params === undefined) {
    throw new UnsupportedAlgorithmError(
      `ECDSA key on curve ${name ?? 'unknown'} (RFC 4754 knows P-256/384/521)`,
    );
  }
  return params;
}

/** The IKEv1 method of an ECDSA key's curve (RFC 4754 section 4), or undefined for other curves. */
export function ecdsaMethodOf(key: KeyObject): SignatureMethod | undefined {
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'prime256v1':
      return 'ecdsa256';
    case 'secp384r1':
      return 'ecdsa384';
    case 'secp521r1':
      return 'ecdsa521';
    default:
      return undefined;
  }
}

function toPublic(key: PublicKeyInput): KeyObject {
  if (typeof key === 'object' && 'type' in key && key.type === 'public') return key as KeyObject;
  return createPublicKey(key as KeyLike);
}

const fromBase64url = (text: string | undefined): Buffer => Buffer.from(text ?? '', 'base64url');

function padTo(value: Buffer, length: number): Buffer {
  return value.length >= length ? value : Buffer.concat([Buffer.alloc(length - value.length), value]);
}

/**
 * ECDSA-256/384/521 over HASH_I/HASH_R as strongSwan's IKEv1 pubkey authenticator does it
 * (`SIGN_ECDSA_WITH_NULL` in pubkey_v1_authenticator.c): the HASH value, computed with the
 * HMAC of the curve's hash (signatureHashPrf, keymat_v1.c `prf_auth`), IS the digest; it is not
 * hashed again. The signature is r | s, each left-padded to the curve's size (RFC 4754 section
 * 7). node:crypto signs only a message it hashes itself, so this uses @noble/curves (audited,
 * constant-time, RFC 6979 deterministic nonces) with `prehash: false`.
 */
export function ecdsaSignHash(privateKey: KeyObject, hashValue: Uint8Array): Buffer {
  const { curve, fieldBytes } = ecdsaCurve(privateKey);
  const d = padTo(fromBase64url(privateKey.export({ format: 'jwk' }).d), fieldBytes);
  try {
    return Buffer.from(curve.sign(hashValue, d, { prehash: false, format: 'compact' }));
  } catch {
    throw new SignatureError('ECDSA signing failed');
  } finally {
    d.fill(0);
  }
}

/**
 * Verifies an ECDSA SIG payload over HASH_I/HASH_R (see ecdsaSignHash). High-S values are accepted:
 * OpenSSL (charon) does not normalise S, and ECDSA itself does not ask for it.
 */
export function ecdsaVerifyHash(
  publicKey: PublicKeyInput,
  hashValue: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = toPublic(publicKey);
  const { curve, size, fieldBytes } = ecdsaCurve(key);
  if (signature.length !== size) return false;
  const jwk = key.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    padTo(fromBase64url(jwk.x), fieldBytes),
    padTo(fromBase64url(jwk.y), fieldBytes),
  ]);
  try {
    return curve.verify(signature, hashValue, point, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

/**
 * DSS (RFC 2409 Appendix A method 2; FIPS 186 DSA with SHA-1): the SIG payload is r | s, 20 bytes
 * each. RFC 2409 section 5.1 says the signature is "over HASH_I" (computed with HMAC-SHA-1 for
 * DSS); ikets reads "over" as DSS signs a message: SHA-1 of the HASH_I bytes, then DSA. No
 * deployed peer speaks IKEv1 DSS (strongSwan and libreswan have no DSA), so only ikets peers meet
 * this reading (docs/crypto.md).
 */
export function dssSignHash(privateKey: KeyObject, hashValue: Uint8Array): Buffer {
  if (privateKey.asymmetricKeyType !== 'dsa') throw new UnsupportedAlgorithmError('DSS needs a DSA key');
  const q = privateKey.asymmetricKeyDetails?.divisorLength;
  if (q !== undefined && q !== 160) throw new UnsupportedAlgorithmError(`DSS needs a 160-bit q, not ${q}`);
  try {
    return sign('sha1', hashValue, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  } catch {
    throw new SignatureError('DSS signing failed');
  }
}

export function dssVerifyHash(
  publicKey: PublicKeyInput,
  hashValue: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = toPublic(publicKey);
  if (key.asymmetricKeyType !== 'dsa') throw new UnsupportedAlgorithmError('DSS needs a DSA key');
  if (signature.length !== 40) return false;
  try {
    return verify('sha1', hashValue, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
