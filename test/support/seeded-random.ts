/** A deterministic RandomSource for tests: SHA-256 in counter mode over a seed. Not for real keys. */
import { createHash } from 'node:crypto';
import type { RandomSource } from '../../src/crypto/index.js';

export function seededRandom(seed: string): RandomSource & { float(): number } {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const bytes = (length: number): Buffer => {
    while (pool.length < length) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, length);
    pool = pool.subarray(length);
    return Buffer.from(out);
  };
  return { bytes, float: () => bytes(4).readUInt32BE(0) / 2 ** 32 };
}
