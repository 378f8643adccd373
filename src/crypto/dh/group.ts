import type { KeyObject } from 'node:crypto';
import type { RandomSource } from '../random.js';

/** Kind of Diffie-Hellman group: MODP (RFC 2409/3526), ECP (RFC 5903), Montgomery curve (RFC 8031). */
export type DhGroupKind = 'modp' | 'ecp' | 'curve';

/**
 * A Diffie-Hellman group as IKE negotiates it (RFC 2409 Appendix A "Group Description" / IANA
 * "Transform Type 4" numbers). Public values and shared secrets are byte strings in the encoding
 * IKE puts on the wire / feeds to the key schedule.
 */
export interface DhGroup {
  /** The IANA group number (1, 2, 5, 14-18, 19-21, 31, 32). */
  readonly id: number;
  /** The strongSwan proposal keyword, e.g. `modp2048`, `ecp256`, `curve25519`. */
  readonly name: string;
  readonly kind: DhGroupKind;
  /** Length of the KE payload data: prime length (MODP), 2 * field length (ECP), 32/56 (curves). */
  readonly publicLength: number;
  /** Length of g^xy as fed to the key schedule (prime length, field length, 32/56). */
  readonly secretLength: number;
  /** Generates a key pair with a private value drawn from `random`. */
  generate(random?: RandomSource): DhKeyPair;
  /** A key pair from a known private value (tests, known-answer vectors). */
  fromPrivate(privateValue: Uint8Array): DhKeyPair;
  /** Draws a private value as `generate` does (`generate(r)` is `fromPrivate(drawPrivate(r))`). */
  drawPrivate?(random: RandomSource): Uint8Array;
  /**
   * The costly half of `fromPrivate` (g^x), as data a worker thread can post back: groups that
   * have it can be generated ahead of time off the event loop (src/daemon/crypto-pool).
   */
  precompute?(privateValue: Uint8Array): PrecomputedKeyPair;
  /** The key pair `precompute` computed, rebuilt without computing g^x again. */
  fromPrecomputed?(precomputed: PrecomputedKeyPair): DhKeyPair;
}

/**
 * A key pair computed elsewhere (a worker thread): the private value, the public value and, for
 * the curves, OpenSSL's private key (KeyObjects cross threads by postMessage without re-import).
 */
export interface PrecomputedKeyPair {
  readonly group: number;
  readonly privateValue: Uint8Array;
  readonly publicValue: Uint8Array;
  readonly key?: KeyObject;
}

/** Our half of an exchange. The private value stays inside (never enumerable, never logged). */
export interface DhKeyPair {
  readonly group: DhGroup;
  /** The public value g^x, encoded for the KE payload. */
  readonly publicValue: Buffer;
  /**
   * g^xy from the peer's public value, after checking it (RFC 6989); throws
   * InvalidPublicValueError for a bad one.
   */
  computeSecret(peerPublic: Uint8Array): Buffer;
  /**
   * The key pair as data another thread can rebuild with its group's `fromPrecomputed` (the daemon's
   * crypto workers compute g^xy with it, src/daemon/crypto-pool); groups without it compute inline.
   */
  transferable?(): PrecomputedKeyPair;
}

/** Left-pads `value` with zero bytes to `length` (RFC 2409 section 5 / RFC 3526: fixed length). */
export function leftPad(value: Uint8Array, length: number): Buffer {
  if (value.length >= length) return Buffer.from(value);
  const out = Buffer.alloc(length);
  out.set(value, length - value.length);
  return out;
}
