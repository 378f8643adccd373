/**
 * The daemon's crypto workers (`ikets start --crypto-workers N`): a DhWorkerPool of N threads
 * behind a DhKeyStock, the engine's DhKeySource. The groups of the configured proposals are stocked
 * at start and at each reload; others as they are first used. N = 0: no pool, everything inline.
 */
import { availableParallelism } from 'node:os';
import type { IketsConfig } from '../../config/swanctl.js';
import { type DhGroup, type DhKeySource, parseProposal } from '../../crypto/index.js';
import type { ComputePolicy, ComputeRequest, ComputeResult } from '../../ikev1/compute-queue.js';
import { ComputeShell, WORKER_COMPUTE } from './compute-shell.js';
import { DhWorkerPool } from './dh-pool.js';
import { DhKeyStock, type DhStockCounters } from './dh-stock.js';

/** One worker per core beyond the event loop's, at most 8 (the refills of one event loop). */
export function defaultCryptoWorkers(): number {
  return Math.min(8, Math.max(0, availableParallelism() - 1));
}

export class CryptoPool {
  readonly #pool: DhWorkerPool;
  readonly #stock: DhKeyStock;
  readonly #shell: ComputeShell;

  constructor(workers: number, log: (level: 'info' | 'warn', message: string) => void) {
    this.#pool = new DhWorkerPool({ size: workers, log });
    this.#stock = new DhKeyStock(this.#pool, { stocked: worthStocking });
    this.#shell = new ComputeShell(this.#pool);
  }

  /** Which of the engine's computations come here (compute-shell.ts): MODP g^xy. */
  get policy(): ComputePolicy {
    return WORKER_COMPUTE;
  }

  /** Runs one of the engine's compute requests on a worker; `done` may be called at once. */
  compute(request: ComputeRequest, done: (result: ComputeResult) => void): void {
    this.#shell.run(request, done);
  }

  /** g^xy computed on the workers and inline (no worker left, or lost with the request). */
  computeCounters() {
    return this.#shell.counters();
  }

  get keys(): DhKeySource {
    return this.#stock;
  }

  /** Workers alive. */
  get workers(): number {
    return this.#pool.size;
  }

  counters(): DhStockCounters[] {
    return this.#stock.counters();
  }

  /** Stocks the groups `config`'s IKE and ESP/AH (PFS) proposals name. */
  prefill(config: IketsConfig): void {
    this.#stock.prefill(configuredGroups(config));
  }

  /** One line for the log at shutdown: how many key pairs each group took from the stock and inline. */
  summary(): string {
    const groups = this.counters().map(
      (c) => `group ${c.group}: ${c.fromStock} from stock, ${c.inline} inline`,
    );
    const { onWorkers, inline } = this.#shell.counters();
    const shared = `; g^xy: ${onWorkers} on workers, ${inline} inline`;
    return `crypto workers: ${groups.length === 0 ? 'no DH key pairs used' : groups.join('; ')}${shared}`;
  }

  async close(): Promise<void> {
    this.#stock.stop();
    await this.#pool.close();
  }
}

/**
 * Whether key pairs of `group` are made on the workers: MODP only. A MODP-2048 g^x costs the event
 * loop 0.33 ms; an X25519 key pair 0.03 ms inline, less than the round trip (drawing the private
 * value, posting, the answer's deserialisation and KeyObject, and the worker thread's own 0.15 ms
 * a pair in a 2,000-setup run, docs/benchmarks.md "Where the responder's CPU went"). ECP groups
 * have no precomputation (their key pairs are made inline anyway).
 */
export function worthStocking(group: DhGroup): boolean {
  return group.kind === 'modp';
}

/** The DH groups named in the proposals (`default` names none: its groups are stocked on first use). */
export function configuredGroups(config: IketsConfig): DhGroup[] {
  const groups = new Map<number, DhGroup>();
  const add = (texts: readonly string[], protocol: 'ike' | 'esp' | 'ah') => {
    for (const text of texts) {
      if (text === 'default') continue;
      try {
        for (const t of parseProposal(text, protocol).dh) groups.set(t.group.id, t.group);
      } catch {
        // The configuration parser reports bad proposals; nothing to stock for them.
      }
    }
  };
  for (const c of config.connections) {
    add(c.proposals, 'ike');
    for (const child of c.children) {
      add(child.espProposals, 'esp');
      add(child.ahProposals, 'ah');
    }
  }
  return [...groups.values()];
}
