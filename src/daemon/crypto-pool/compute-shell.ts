/**
 * The daemon's side of the engine's compute seam (src/ikev1/compute-queue.ts): the g^xy the engine
 * sends out (`pollCompute`) run on the crypto workers, and their results go back to it
 * (`handleComputed`). Which groups go out is `WORKER_COMPUTE`: MODP only. A MODP-2048 g^xy is 0.37
 * ms of CPU, far more than the round trip to a worker; an X25519 one is 0.035 ms, less than the
 * round trip costs the event loop (docs/benchmarks.md, "Crypto workers"), so it stays inline. A
 * request whose worker is lost, or that finds no worker, is computed inline at once.
 */
import {
  type ComputePolicy,
  type ComputeRequest,
  type ComputeResult,
  computeNow,
} from '../../ikev1/compute-queue.js';
import type { DhWorkerPool } from './dh-pool.js';

/** MODP g^xy leave the engine; the curves' (and ECP's, which cannot cross threads) stay inline. */
export const WORKER_COMPUTE: ComputePolicy = {
  defers: (work) => work.keyPair.group.kind === 'modp' && work.keyPair.transferable !== undefined,
};

/** How the requests were computed (the shutdown summary, tests, the bench). */
export interface ComputeCounters {
  readonly onWorkers: number;
  readonly inline: number;
}

export class ComputeShell {
  readonly #pool: DhWorkerPool;
  #onWorkers = 0;
  #inline = 0;

  constructor(pool: DhWorkerPool) {
    this.#pool = pool;
  }

  /** Computes `request` on a worker (or inline when none can); `done` gets the result, maybe at once. */
  run(request: ComputeRequest, done: (result: ComputeResult) => void): void {
    const pair = request.keyPair.transferable?.();
    const sent =
      pair !== undefined &&
      this.#pool.shared(pair, request.peerPublic, (outcome) => {
        if (outcome !== undefined) return done(outcome);
        // The worker was lost with the request: computed here instead.
        this.#onWorkers--;
        this.#inline++;
        done(computeNow(request));
      });
    if (sent) {
      this.#onWorkers++;
      return;
    }
    this.#inline++;
    done(computeNow(request));
  }

  counters(): ComputeCounters {
    return { onWorkers: this.#onWorkers, inline: this.#inline };
  }
}
