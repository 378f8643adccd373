/**
 * Datagrams that leave a little after the ones sent with them. An IKEv1 Informational is never
 * acknowledged (RFC 2408 section 4.8), so when one message must be read before the next (the notify
 * refusing phase 1, then the Delete of the ISAKMP SA the peer already holds), only spacing them
 * keeps the order: strongSwan's charon hands each datagram to a worker thread of its own, and the
 * Delete's thread may take the SA first and destroy it; the notify's thread then finds no SA and
 * drops it without a word (its log shows only the Delete; test/interop/README.md). Likewise a
 * Delete right after our Quick Mode's message 3 waits until the peer has handled it
 * (`deleteDelayAfterQuickMode`, rekeying.ts).
 *
 * Bounded: only an authenticated refusal or our own Quick Mode delays a datagram, and past `max`
 * waiting ones a datagram leaves at once.
 */
import type { Transmit } from '../sa/types.js';

interface Delayed {
  readonly at: number;
  readonly transmits: readonly Transmit[];
}

export class DelayedTransmits {
  readonly #queue: Delayed[] = [];

  constructor(private readonly max = 256) {}

  get size(): number {
    return this.#queue.length;
  }

  /** Queues the datagrams of one message until `at`; false (nothing queued) when full. */
  add(at: number, transmits: readonly Transmit[]): boolean {
    if (this.#queue.length >= this.max) return false;
    let i = this.#queue.length;
    while (i > 0 && (this.#queue[i - 1]?.at ?? 0) > at) i--;
    this.#queue.splice(i, 0, { at, transmits });
    return true;
  }

  /** When the first waiting datagram is due. */
  next(): number | undefined {
    return this.#queue[0]?.at;
  }

  /** Takes the datagrams due at `now`, oldest first (all of them without `now`). */
  take(now = Number.POSITIVE_INFINITY): Transmit[] {
    const out: Transmit[] = [];
    while (this.#queue.length > 0 && (this.#queue[0]?.at ?? 0) <= now) {
      const first = this.#queue.shift();
      if (first !== undefined) out.push(...first.transmits);
    }
    return out;
  }
}
