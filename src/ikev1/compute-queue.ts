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
 * A pending request belongs to an exchange: phase 1 of an ISAKMP SA (message ID 0), which counts
 * toward the half-open limits (`maxHalfOpen`, `maxHalfOpenPerPeer`), or a Quick Mode with PFS on an
 * authenticated SA (its message ID; at most `maxQuickModes` of them per SA): those bound the
 * requests a sender can cause. Deleting the SA (its timeout, an eviction, `terminate`) cancels all
 * its requests, the end of a Quick Mode its own; a result that comes back for a cancelled request
 * is ignored by its id.
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
  /** The exchange's message ID: 0 for phase 1, a Quick Mode's own (RFC 2409 section 5.5). */
  readonly messageId: number;
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
  /** By SA, then by message ID: phase 1's (0) and one per Quick Mode with PFS. */
  readonly #bySa = new Map<IkeSa, Map<number, Pending>>();

  /**
   * Files `work` for the exchange `messageId` of `sa` (one request per exchange at a time);
   * `resume` runs with its result.
   */
  file(
    sa: IkeSa,
    digest: string,
    work: DhSharedWork,
    resume: (result: ComputeResult) => void,
    messageId = 0,
  ): number {
    this.cancel(sa, messageId);
    const request: ComputeRequest = { ...work, id: this.#nextId++ };
    const pending: Pending = { request, sa, messageId, digest, resume };
    this.#byId.set(request.id, pending);
    let exchanges = this.#bySa.get(sa);
    if (exchanges === undefined) {
      exchanges = new Map();
      this.#bySa.set(sa, exchanges);
    }
    exchanges.set(messageId, pending);
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

  /** The pending request of the exchange `messageId` of `sa`, if it waits for one. */
  of(sa: IkeSa, messageId = 0): Pending | undefined {
    return this.#bySa.get(sa)?.get(messageId);
  }

  /** Removes and returns the request `id` to resume it; undefined when it was cancelled (or unknown). */
  take(id: number): Pending | undefined {
    const pending = this.#byId.get(id);
    if (pending === undefined) return undefined;
    this.#byId.delete(id);
    this.#forget(pending);
    return pending;
  }

  /**
   * The exchange `messageId` of `sa` is over (or files a new request), or, without a message ID,
   * the SA is gone: the results, should they still come, are ignored.
   */
  cancel(sa: IkeSa, messageId?: number): void {
    const exchanges = this.#bySa.get(sa);
    if (exchanges === undefined) return;
    for (const pending of exchanges.values())
      if (messageId === undefined || pending.messageId === messageId) {
        this.#byId.delete(pending.request.id);
        this.#forget(pending);
      }
  }

  /** Requests waiting for a result (polled or not). */
  get size(): number {
    return this.#byId.size;
  }

  #forget(pending: Pending): void {
    const exchanges = this.#bySa.get(pending.sa);
    exchanges?.delete(pending.messageId);
    if (exchanges?.size === 0) this.#bySa.delete(pending.sa);
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
