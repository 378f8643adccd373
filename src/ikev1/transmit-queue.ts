/**
 * The endpoint's datagrams to send, in order, polled by the shell; and those that leave a little
 * later (delayed-transmits.ts) until they are due.
 */
import type { Transmit } from '../sa/types.js';
import { DelayedTransmits } from './delayed-transmits.js';

export class TransmitQueue {
  readonly #transmits: Transmit[] = [];
  /** Datagrams that must not overtake the ones sent just before them (delayed-transmits.ts). */
  readonly #delayed = new DelayedTransmits();
  /**
   * The next transmit to poll: `shift` on a queue of 100,000 (a round of timers) costs a copy of the
   * rest each time, quadratic in all (7.9% of a DPD-bound responder's time, issue 12).
   */
  #transmitHead = 0;

  push(...transmits: Transmit[]): void {
    this.#transmits.push(...transmits);
  }

  /** Queues the datagrams of one message until `at`; false (nothing queued) when full. */
  delay(at: number, transmits: readonly Transmit[]): boolean {
    return this.#delayed.add(at, transmits);
  }

  /** The delayed datagrams due at `now` join the queue (all of them without `now`). */
  release(now?: number): void {
    this.#transmits.push(...this.#delayed.take(now));
  }

  /** When the first delayed datagram is due. */
  nextDelayed(): number | undefined {
    return this.#delayed.next();
  }

  poll(): Transmit | undefined {
    const queue = this.#transmits;
    const t = queue[this.#transmitHead];
    if (t === undefined) return undefined;
    this.#transmitHead++;
    if (this.#transmitHead === queue.length) {
      queue.length = 0;
      this.#transmitHead = 0;
    }
    return t;
  }
}
