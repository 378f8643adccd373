import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Source of randomness, injected so exchanges can be tested deterministically (see
 * docs/architecture.md, "The sans-I/O rule"). Production code uses a CSPRNG.
 */
export interface RandomSource {
  /** Returns `length` fresh random bytes. */
  bytes(length: number): Buffer;
}

/** Requests up to this long (message IDs, SPIs, cookies, DPD sequence numbers) come from a block. */
const SMALL = 32;
const BLOCK = 4096;
let block: Buffer | undefined;
let used = BLOCK;

/**
 * A small request served from a block of OpenSSL's CSPRNG output drawn 4 kB at a time, as Node's
 * `randomInt` does: one `randomFillSync` per block instead of a RandomBytes job per message ID
 * (issue 12: DPD draws one per R-U-THERE). Each answer is a copy in an ArrayBuffer of its own, so
 * one kept for an SA's life (an SPI) holds nothing else; the bytes handed out are zeroed in the block.
 */
function small(length: number): Buffer {
  if (block === undefined) block = Buffer.allocUnsafeSlow(BLOCK);
  if (used + length > BLOCK) {
    randomFillSync(block);
    used = 0;
  }
  const out = Buffer.allocUnsafeSlow(length);
  block.copy(out, 0, used, used + length);
  block.fill(0, used, used + length);
  used += length;
  return out;
}

/** The default source: OpenSSL's CSPRNG through `crypto.randomBytes` (small requests from a block). */
export const cryptoRandom: RandomSource = {
  bytes: (length: number): Buffer => (length <= SMALL ? small(length) : randomBytes(length)),
};
