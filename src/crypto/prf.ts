import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The hash algorithms IKEv1 negotiates (RFC 2409 Appendix A, Hash Algorithm attribute; SHA2 per
 * RFC 4868). In IKEv1 the negotiated PRF is the HMAC of the negotiated hash (RFC 2409 section 4:
 * "the HMAC version of the negotiated hash algorithm is used as a default prf").
 */
export type HashName = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const HASH_NAMES: readonly HashName[] = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'];

const OUTPUT_LENGTH: Record<HashName, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** Output length in bytes of the hash (and of its HMAC PRF). */
export function hashLength(hash: HashName): number {
  return OUTPUT_LENGTH[hash];
}

export function isHashName(value: string): value is HashName {
  return (HASH_NAMES as readonly string[]).includes(value);
}

/** The plain hash, as used for the phase 1 IV (RFC 2409 Appendix B). */
export function hash(name: HashName, ...parts: readonly Uint8Array[]): Buffer {
  const h = createHash(name);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** prf(key, parts...) = HMAC-<hash>(key, concatenation of parts) (RFC 2104, RFC 2409 section 4). */
export function prf(name: HashName, key: Uint8Array, ...parts: readonly Uint8Array[]): Buffer {
  const h = createHmac(name, key);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** Constant-time comparison of two MACs or hashes; unequal lengths compare unequal. */
export function equalMacs(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
