/**
 * A bounded stock of ephemeral DH key pairs per group, made ahead of time by a producer (the worker
 * pool, dh-pool.ts) and handed to the engine through its DhKeySource seam. The engine stays
 * synchronous: a key pair in stock costs it nothing, an empty stock means it generates inline, as
 * without a pool. Each pair is handed out once and dropped from the stock when taken.
 */
import type { DhGroup, DhKeyPair, DhKeySource, RandomSource } from '../../crypto/index.js';

/** Makes key pairs off the event loop. */
export interface DhProducer {
  /**
   * Starts making `count` key pairs of `group`; `deliver` gets them later (an empty list when the
   * work was lost). False when nothing can make them now (no worker left): the caller stops asking.
   */
  produce(group: DhGroup, count: number, deliver: (pairs: readonly DhKeyPair[]) => void): boolean;
}

export interface DhStockOptions {
  /** Key pairs held per group, in stock and in the making together (default 32). */
  readonly capacity?: number;
  /** Key pairs asked for at once (default 8). */
  readonly batch?: number;
  /**
   * The groups worth stocking (default: every group a worker can make key pairs of); the others
   * are generated inline, without a stock or counters.
   */
  readonly stocked?: (group: DhGroup) => boolean;
}

/** What a group's stock did (for `list-sas`-style reports, the bench and tests). */
export interface DhStockCounters {
  readonly group: number;
  readonly inStock: number;
  readonly pending: number;
  /** Key pairs handed out from the stock. */
  readonly fromStock: number;
  /** Key pairs generated inline because the stock was empty. */
  readonly inline: number;
}

interface GroupStock {
  readonly group: DhGroup;
  readonly pairs: DhKeyPair[];
  pending: number;
  fromStock: number;
  inline: number;
}

export class DhKeyStock implements DhKeySource {
  readonly #producer: DhProducer;
  readonly #capacity: number;
  readonly #batch: number;
  readonly #stocked: (group: DhGroup) => boolean;
  readonly #stocks = new Map<number, GroupStock>();
  #producing = true;

  constructor(producer: DhProducer, options: DhStockOptions = {}) {
    this.#producer = producer;
    this.#capacity = Math.max(1, options.capacity ?? 32);
    this.#batch = Math.max(1, Math.min(options.batch ?? 8, this.#capacity));
    this.#stocked = options.stocked ?? (() => true);
  }

  /** Starts filling the stocks of `groups` (those configured in proposals). */
  prefill(groups: Iterable<DhGroup>): void {
    for (const group of groups) this.#refill(group);
  }

  keyPair(group: DhGroup, random: RandomSource): DhKeyPair {
    const stock = this.#stock(group);
    const pair = stock?.pairs.shift();
    if (stock !== undefined) {
      if (pair === undefined) stock.inline++;
      else stock.fromStock++;
    }
    // A group met for the first time (a reload, a peer's proposal) gets a stock from now on.
    this.#refill(group);
    return pair ?? group.generate(random);
  }

  counters(): DhStockCounters[] {
    return [...this.#stocks.values()].map((s) => ({
      group: s.group.id,
      inStock: s.pairs.length,
      pending: s.pending,
      fromStock: s.fromStock,
      inline: s.inline,
    }));
  }

  /** Stops asking the producer (it is closing); what is in stock is still handed out. */
  stop(): void {
    this.#producing = false;
  }

  #stock(group: DhGroup): GroupStock | undefined {
    let stock = this.#stocks.get(group.id);
    // Only groups whose g^x can be computed elsewhere and brought back (MODP, curves) are stocked.
    if (
      stock === undefined &&
      group.precompute !== undefined &&
      group.fromPrecomputed !== undefined &&
      this.#stocked(group)
    ) {
      stock = { group, pairs: [], pending: 0, fromStock: 0, inline: 0 };
      this.#stocks.set(group.id, stock);
    }
    return stock;
  }

  #refill(group: DhGroup): void {
    const stock = this.#stock(group);
    if (stock === undefined) return;
    while (this.#producing) {
      const room = this.#capacity - stock.pairs.length - stock.pending;
      // Ask in whole batches (one message each way per batch), except to fill the last gap.
      const count = Math.min(this.#batch, room);
      if (count <= 0 || (count < this.#batch && stock.pairs.length + stock.pending > 0)) return;
      stock.pending += count;
      const started = this.#producer.produce(group, count, (pairs) => {
        stock.pending -= count;
        for (const pair of pairs.slice(0, this.#capacity - stock.pairs.length)) stock.pairs.push(pair);
        if (pairs.length > 0) this.#refill(group);
      });
      if (!started) {
        stock.pending -= count;
        this.#producing = false;
      }
    }
  }
}
