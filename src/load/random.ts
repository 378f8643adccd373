/**
 * The generator's random source: node:crypto's CSPRNG drawn 64 KiB at a time. `crypto.randomBytes`
 * costs a call into OpenSSL each time (about 12 us for 4 bytes on the development VM, 20 times the
 * cost of a slice of a pool), and an initiator draws some ten small values per setup (cookies,
 * nonces, SPIs, message IDs, rekey jitter). Each slice is handed out once: a spent pool is replaced,
 * never refilled, so no two callers ever share bytes.
 */
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../crypto/random.js';

const POOL_BYTES = 64 * 1024;

export function pooledRandom(): RandomSource {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return {
    bytes(length: number): Buffer {
      if (length > POOL_BYTES / 4) return randomFillSync(Buffer.allocUnsafe(length));
      if (offset + length > pool.length) {
        pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
        offset = 0;
      }
      const out = pool.subarray(offset, offset + length);
      offset += length;
      return out;
    },
  };
}
