/**
 * The asynchronous crypto seam (docs/ikev1-engine.md, "Crypto off the event loop"): the costly
 * crypto an exchange needs with the peer's value in hand (g^xy, RFC 2409 section 5) can leave the
 * engine as a request. The exchange then waits in a `*-computing` state (states.ts) with its
 * continuation filed here; the shell polls the request (`pollCompute`), computes it wherever it
 * likes (the daemon: on its crypto workers) and hands the result back (`handleComputed`), and the
 * exchange resumes exactly where the synchronous code goes on. The engine stays sans-I/O: which
 * requests leave it is the shell's `ComputePolicy`; `inlineCompute` (the default) computes each at
 * once in the call that needs it, so such runs are byte-identical to the synchronous engine.
 *
 * A pending request belongs to an ISAKMP SA still in phase 1, which counts toward the half-open
 * limits (`maxHalfOpen`, `maxHalfOpenPerPeer`): those bound the requests an unauthenticated sender
 * can cause. Deleting the SA (its timeout, an eviction, `terminate`) cancels its request; a result
 * that comes back for a cancelled request is ignored by its id.
 */
import type { DhKeyPair } from '../crypto/index.js';
import type { IkeSa } from './sa/ike-sa.js';

/** g^xy from our key pair and the peer's public value (RFC 2409 section 5), checked per RFC 6989. */
export interface DhSharedWork {
  readonly kind: 'dh-shared';
  readonly keyPair: DhKeyPair;
  readonly peerPublic: Uint8Array;
}

/** A request as the shell polls it: the work and the id its result is handed back with. */
export type ComputeRequest = DhSharedWork & { readonly id: number };

/** The result: the secret, or why it could not be computed (an invalid public value). */
export type ComputeResult = { readonly secret: Buffer } | { readonly error: string };

/** Which work leaves the engine as a request (true) instead of being computed at once. */
export interface ComputePolicy {
  defers(work: DhSharedWork): boolean;
}

/** Everything computed at once, in the call that needs it (the default; simulated network, tests). */
export const inlineCompute: ComputePolicy = { defers: () => false };

/** Every request goes to the shell (unit tests of the seam). */
export const deferAllCompute: ComputePolicy = { defers: () => true };

/** Computes a request in the caller's thread: the inline shell. */
export function computeNow(work: DhSharedWork): ComputeResult {
  try {
    return { secret: work.keyPair.computeSecret(work.peerPublic) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

interface Pending {
  readonly request: ComputeRequest;
  readonly sa: IkeSa;
  /** The message that caused it (own-bytes.ts `messageDigest`): its repeats are dropped meanwhile. */
  readonly digest: string;
  readonly resume: (result: ComputeResult) => void;
}

/** The requests of the endpoint: those not yet polled, and all that wait for a result. */
export class ComputeQueue {
  #nextId = 1;
  #waiting: ComputeRequest[] = [];
  #head = 0;
  readonly #byId = new Map<number, Pending>();
  readonly #bySa = new Map<IkeSa, Pending>();

  /** Files `work` for `sa` (one request per SA at a time); `resume` runs with its result. */
  file(sa: IkeSa, digest: string, work: DhSharedWork, resume: (result: ComputeResult) => void): number {
    this.cancel(sa);
    const request: ComputeRequest = { ...work, id: this.#nextId++ };
    const pending: Pending = { request, sa, digest, resume };
    this.#byId.set(request.id, pending);
    this.#bySa.set(sa, pending);
    this.#waiting.push(request);
    return request.id;
  }

  /** The next request for the shell; cancelled ones are skipped. */
  poll(): ComputeRequest | undefined {
    while (this.#head < this.#waiting.length) {
      const request = this.#waiting[this.#head++];
      if (request !== undefined && this.#byId.has(request.id)) {
        this.#compact();
        return request;
      }
    }
    this.#compact();
    return undefined;
  }

  /** The pending request of `sa`, if it waits for one. */
  of(sa: IkeSa): Pending | undefined {
    return this.#bySa.get(sa);
  }

  /** Removes and returns the request `id` to resume it; undefined when it was cancelled (or unknown). */
  take(id: number): Pending | undefined {
    const pending = this.#byId.get(id);
    if (pending === undefined) return undefined;
    this.#byId.delete(id);
    this.#bySa.delete(pending.sa);
    return pending;
  }

  /** The SA is gone (or files a new request): its result, should it still come, is ignored. */
  cancel(sa: IkeSa): void {
    const pending = this.#bySa.get(sa);
    if (pending === undefined) return;
    this.#bySa.delete(sa);
    this.#byId.delete(pending.request.id);
  }

  /** Requests waiting for a result (polled or not). */
  get size(): number {
    return this.#byId.size;
  }

  #compact(): void {
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}
