import { randomFillSync } from 'node:crypto';
import type { IvSource } from '../esp/sa.js';

/** A pool-backed IV source: one randomFillSync per 4 KiB of IVs instead of one per packet. */
export function pooledRandom(): IvSource {
  const pool = Buffer.alloc(4096);
  let used = pool.length;
  return (out) => {
    if (used + out.length > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    pool.copy(out, 0, used, used + out.length);
    used += out.length;
  };
}
