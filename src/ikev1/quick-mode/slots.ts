/**
 * How many Quick Modes of ours run at once on one ISAKMP SA (issue 10 item F). A peer bounds the
 * Quick Modes it has in progress (ikets: `maxQuickModes`, dropping a further message 1 until its
 * retransmission), so a thousand children started together would mostly wait out retransmission
 * timers and many would give up. Beyond `maxQuickModesInitiated` the children wait here, in order,
 * and start as our earlier Quick Modes end; the endpoint looks after every input (`startWaiting`).
 */
import type { IkeSa } from '../sa/ike-sa.js';

interface Waiting {
  readonly sa: IkeSa;
  readonly children: string[];
}

export class QuickModeSlots {
  readonly #waiting = new Map<number, Waiting>();

  constructor(private readonly limit: () => number) {}

  /** Our Quick Modes in progress on `sa` (rekeyings included: they hold the peer's slots too). */
  static inProgress(sa: IkeSa): number {
    let n = 0;
    for (const qm of sa.quickModes.values()) if (qm.role === 'initiator') n++;
    return n;
  }

  /** Whether a Quick Mode for a child may start on `sa` now. */
  free(sa: IkeSa): boolean {
    return QuickModeSlots.inProgress(sa) < this.limit();
  }

  /** Queues a child until a slot frees up; false when it waits already. */
  wait(sa: IkeSa, child: string): boolean {
    let w = this.#waiting.get(sa.id);
    if (w === undefined) {
      w = { sa, children: [] };
      this.#waiting.set(sa.id, w);
    }
    if (w.children.includes(child)) return false;
    w.children.push(child);
    return true;
  }

  /** Whether `child` waits for a slot on `sa`. */
  isWaiting(sa: IkeSa, child: string): boolean {
    return this.#waiting.get(sa.id)?.children.includes(child) ?? false;
  }

  /**
   * Starts waiting children where slots are free, through `start` (which may queue again); an SA
   * that is no longer established takes its waiting children with it (its end was reported).
   */
  startWaiting(start: (sa: IkeSa, child: string) => void): void {
    for (const [id, w] of this.#waiting) {
      if (w.sa.state !== 'established') {
        this.#waiting.delete(id);
        continue;
      }
      while (w.children.length > 0 && this.free(w.sa)) {
        const child = w.children.shift();
        if (child !== undefined) start(w.sa, child);
      }
      if (w.children.length === 0) this.#waiting.delete(id);
    }
  }

  /** SAs with children waiting: the endpoint skips the walk when there are none. */
  get size(): number {
    return this.#waiting.size;
  }
}
