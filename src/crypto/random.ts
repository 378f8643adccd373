import { randomBytes } from 'node:crypto';

/**
 * Source of randomness, injected so exchanges can be tested deterministically (see
 * docs/architecture.md, "The sans-I/O rule"). Production code uses a CSPRNG.
 */
export interface RandomSource {
  /** Returns `length` fresh random bytes. */
  bytes(length: number): Buffer;
}

/** The default source: OpenSSL's CSPRNG through `crypto.randomBytes`. */
export const cryptoRandom: RandomSource = {
  bytes: (length: number): Buffer => randomBytes(length),
};
