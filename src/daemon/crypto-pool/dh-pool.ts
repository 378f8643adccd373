/**
 * A pool of worker threads making ephemeral DH key pairs ahead of time (`--crypto-workers N`). The
 * event loop draws each private value from its CSPRNG (so a seeded run stays reproducible) and a
 * worker computes g^x: a modexp (0.33 ms of CPU for MODP-2048 here), a scalar multiplication and a key
 * import for X25519. Key pairs come back as data (and, for the curves, OpenSSL keys, which cross
 * threads without re-import). A worker that dies is dropped with a log line; with none left the
 * stock is no longer refilled and the engine generates inline.
 */
import { Worker } from 'node:worker_threads';
import type { DhGroup, DhKeyPair, PrecomputedKeyPair, RandomSource } from '../../crypto/index.js';
import { cryptoRandom } from '../../crypto/index.js';
import type { DhProducer } from './dh-stock.js';

/** Key pairs for these private values (g^x), or g^xy of one key pair and a peer's public value. */
export type DhRequest =
  | { readonly id: number; readonly group: number; readonly privateValues: readonly Uint8Array[] }
  | { readonly id: number; readonly pair: PrecomputedKeyPair; readonly peerPublic: Uint8Array };

export type DhResponse =
  | { readonly id: number; readonly pairs: readonly PrecomputedKeyPair[] }
  | { readonly id: number; readonly secret: Uint8Array }
  | { readonly id: number; readonly error: string };

/** g^xy, or why the peer's value is refused (RFC 6989); undefined when the worker was lost. */
export type SharedOutcome = { readonly secret: Buffer } | { readonly error: string } | undefined;

export interface DhWorkerPoolOptions {
  readonly size: number;
  /** Draws the private values (default: the CSPRNG). */
  readonly random?: RandomSource;
  /** The worker's script (default dh-worker.js beside this file; tests give a failing one). */
  readonly workerUrl?: URL;
  readonly log?: (level: 'info' | 'warn', message: string) => void;
}

type Pending =
  | { readonly group: DhGroup; readonly deliver: (pairs: readonly DhKeyPair[]) => void }
  | { readonly group: undefined; readonly deliver: (outcome: SharedOutcome) => void };

interface PoolWorker {
  readonly index: number;
  readonly thread: Worker;
  readonly pending: Map<number, Pending>;
}

export class DhWorkerPool implements DhProducer {
  readonly #random: RandomSource;
  readonly #log: (level: 'info' | 'warn', message: string) => void;
  #workers: PoolWorker[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: DhWorkerPoolOptions) {
    this.#random = options.random ?? cryptoRandom;
    this.#log = options.log ?? (() => {});
    const url = options.workerUrl ?? new URL('./dh-worker.js', import.meta.url);
    for (let index = 0; index < options.size; index++) this.#workers.push(this.#spawn(index, url));
  }

  /** Workers alive. */
  get size(): number {
    return this.#workers.length;
  }

  produce(group: DhGroup, count: number, deliver: (pairs: readonly DhKeyPair[]) => void): boolean {
    const draw = group.drawPrivate?.bind(group);
    if (this.#closed || draw === undefined || group.fromPrecomputed === undefined) return false;
    const worker = this.#leastBusy();
    if (worker === undefined) return false;
    const privateValues: Uint8Array[] = [];
    for (let i = 0; i < count; i++) privateValues.push(draw(this.#random));
    const id = this.#nextId++;
    worker.pending.set(id, { group, deliver });
    worker.thread.postMessage({ id, group: group.id, privateValues } satisfies DhRequest);
    return true;
  }

  /**
   * g^xy of our key pair (as `DhKeyPair.transferable` gives it) and the peer's public value, on a
   * worker (the engine's compute requests, compute-shell.ts). False when no worker is left.
   */
  shared(
    pair: PrecomputedKeyPair,
    peerPublic: Uint8Array,
    deliver: (outcome: SharedOutcome) => void,
  ): boolean {
    const worker = this.#closed ? undefined : this.#leastBusy();
    if (worker === undefined) return false;
    const id = this.#nextId++;
    worker.pending.set(id, { group: undefined, deliver });
    worker.thread.postMessage({ id, pair, peerPublic } satisfies DhRequest);
    return true;
  }

  #leastBusy(): PoolWorker | undefined {
    let worker: PoolWorker | undefined;
    for (const w of this.#workers)
      if (worker === undefined || w.pending.size < worker.pending.size) worker = w;
    return worker;
  }

  /** Ends the workers; pending work is delivered empty. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers;
    this.#workers = [];
    for (const w of workers) this.#failPending(w);
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }

  #spawn(index: number, url: URL): PoolWorker {
    const thread = new Worker(url);
    // The pool never keeps the process alive: the daemon's sockets do.
    thread.unref();
    const worker: PoolWorker = { index, thread, pending: new Map() };
    thread.on('message', (response: DhResponse) => this.#answer(worker, response));
    thread.on('error', (error) => this.#lost(worker, `failed: ${error.message}`));
    thread.on('exit', (code) => this.#lost(worker, `exited with code ${code}`));
    return worker;
  }

  #answer(worker: PoolWorker, response: DhResponse): void {
    const pending = worker.pending.get(response.id);
    if (pending === undefined) return;
    worker.pending.delete(response.id);
    if (pending.group === undefined) {
      // A refused public value is the peer's doing, not the worker's: the engine logs it.
      pending.deliver('secret' in response ? { secret: Buffer.from(response.secret) } : errorOf(response));
      return;
    }
    if ('error' in response) {
      this.#log('warn', `crypto worker ${worker.index}: ${response.error}`);
      pending.deliver([]);
      return;
    }
    const rebuild = pending.group.fromPrecomputed?.bind(pending.group);
    const pairs: DhKeyPair[] = [];
    try {
      if ('pairs' in response)
        for (const p of response.pairs) if (rebuild !== undefined) pairs.push(rebuild(p));
    } catch (error) {
      this.#log(
        'warn',
        `crypto worker ${worker.index}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    pending.deliver(pairs);
  }

  #lost(worker: PoolWorker, why: string): void {
    if (!this.#workers.includes(worker)) return;
    this.#workers = this.#workers.filter((w) => w !== worker);
    const left = this.#workers.length;
    this.#log(
      'warn',
      `crypto worker ${worker.index} ${why}; ${left === 0 ? 'DH key pairs are generated inline from now on' : `${left} left`}`,
    );
    this.#failPending(worker);
  }

  #failPending(worker: PoolWorker): void {
    const pending = [...worker.pending.values()];
    worker.pending.clear();
    for (const p of pending) {
      if (p.group === undefined) p.deliver(undefined);
      else p.deliver([]);
    }
  }
}

const errorOf = (response: DhResponse): SharedOutcome =>
  'error' in response ? { error: response.error } : { error: 'the crypto worker answered something else' };
