/**
 * The ISAKMP SAs ordered by their next deadline: an indexed binary min-heap holding at most one entry
 * per SA. Setting an SA's deadline moves its entry up or down in place (O(log n) in the number of
 * SAs with a timer), so no datagram or timer can add a second entry: the heap's size is bounded by
 * the number of live SAs, whatever a peer (or an attacker with the cookies) sends.
 */
import type { IkeSa } from './ike-sa.js';

/**
 * Where an SA sits in the queue, kept on the SA itself: a Map from SA to an entry object cost
 * about 80 bytes an SA (issue 12: memory per SA).
 */
export interface TimerSlot {
  /** The SA's deadline while it is queued. */
  timerAt: number;
  /** Its index in the heap array; meaningful only where the heap holds the SA there. */
  timerIndex: number;
}

export class TimerQueue {
  readonly #heap: IkeSa[] = [];

  /** The number of entries: one per SA with a finite deadline. */
  get size(): number {
    return this.#heap.length;
  }

  #queued(sa: IkeSa): boolean {
    return this.#heap[sa.timerIndex] === sa;
  }

  /** Sets (or moves) the SA's deadline; an infinite one removes the SA from the queue. */
  set(sa: IkeSa, at: number): void {
    const queued = this.#queued(sa);
    if (!Number.isFinite(at)) {
      if (queued) this.delete(sa);
      return;
    }
    if (!queued) {
      sa.timerAt = at;
      sa.timerIndex = this.#heap.length;
      this.#heap.push(sa);
      this.#up(sa);
      return;
    }
    if (sa.timerAt === at) return;
    const earlier = at < sa.timerAt;
    sa.timerAt = at;
    if (earlier) this.#up(sa);
    else this.#down(sa);
  }

  /** The deadline the queue holds for an SA, if any. */
  get(sa: IkeSa): number | undefined {
    return this.#queued(sa) ? sa.timerAt : undefined;
  }

  delete(sa: IkeSa): void {
    if (!this.#queued(sa)) return;
    const last = this.#heap.pop() as IkeSa;
    const index = sa.timerIndex;
    sa.timerIndex = -1;
    if (last === sa) return;
    last.timerIndex = index;
    this.#heap[index] = last;
    this.#up(last);
    this.#down(last);
  }

  peek(): { readonly at: number; readonly sa: IkeSa } | undefined {
    const sa = this.#heap[0];
    return sa === undefined ? undefined : { at: sa.timerAt, sa };
  }

  #swap(a: IkeSa, b: IkeSa): void {
    const i = a.timerIndex;
    a.timerIndex = b.timerIndex;
    b.timerIndex = i;
    this.#heap[a.timerIndex] = a;
    this.#heap[b.timerIndex] = b;
  }

  #up(sa: IkeSa): void {
    while (sa.timerIndex > 0) {
      const parent = this.#heap[(sa.timerIndex - 1) >> 1] as IkeSa;
      if (parent.timerAt <= sa.timerAt) return;
      this.#swap(sa, parent);
    }
  }

  #down(sa: IkeSa): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * sa.timerIndex + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as IkeSa).timerAt < (heap[left] as IkeSa).timerAt
          ? (heap[right] as IkeSa)
          : (heap[left] as IkeSa);
      if (child.timerAt >= sa.timerAt) return;
      this.#swap(sa, child);
    }
  }
}
