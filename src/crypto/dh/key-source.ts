import type { RandomSource } from '../random.js';
import type { DhGroup, DhKeyPair } from './group.js';

/**
 * Where the engine gets its ephemeral Diffie-Hellman key pairs, injected as randomness is
 * (docs/architecture.md, "The sans-I/O rule"). The daemon's source hands out key pairs a worker
 * pool computed ahead of time (src/daemon/crypto-pool), so the g^x half of each exchange costs the
 * event loop nothing; any source generates inline, from `random`, when it has none in stock.
 */
export interface DhKeySource {
  /** A fresh key pair of `group`, never handed out before. */
  keyPair(group: DhGroup, random: RandomSource): DhKeyPair;
}

/** Generates every key pair inline, from the engine's random source. */
export const inlineDhKeys: DhKeySource = {
  keyPair: (group, random) => group.generate(random),
};
