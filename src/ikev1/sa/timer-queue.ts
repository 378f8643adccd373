/**
 * The ISAKMP SAs ordered by their next deadline: an indexed binary min-heap holding at most one entry
 * per SA. Setting an SA's deadline moves its entry up or down in place (O(log n) in the number of
 * SAs with a timer), so no datagram or timer can add a second entry: the heap's size is bounded by
 * the number of live SAs, whatever a peer (or an attacker with the cookies) sends.
 */
import type { IkeSa } from './ike-sa.js';

interface Entry {
  at: number;
  readonly sa: IkeSa;
  /** Where the entry sits in the heap array. */
  index: number;
}

export class TimerQueue {
  readonly #heap: Entry[] = [];
  readonly #entries = new Map<IkeSa, Entry>();

  /** The number of entries: one per SA with a finite deadline. */
  get size(): number {
    return this.#heap.length;
  }

  /** Sets (or moves) the SA's deadline; an infinite one removes the SA from the queue. */
  set(sa: IkeSa, at: number): void {
    const entry = this.#entries.get(sa);
    if (!Number.isFinite(at)) {
      if (entry !== undefined) this.delete(sa);
      return;
    }
    if (entry === undefined) {
      const fresh: Entry = { at, sa, index: this.#heap.length };
      this.#heap.push(fresh);
      this.#entries.set(sa, fresh);
      this.#up(fresh);
      return;
    }
    if (entry.at === at) return;
    const earlier = at < entry.at;
    entry.at = at;
    if (earlier) this.#up(entry);
    else this.#down(entry);
  }

  /** The deadline the queue holds for an SA, if any. */
  get(sa: IkeSa): number | undefined {
    return this.#entries.get(sa)?.at;
  }

  delete(sa: IkeSa): void {
    const entry = this.#entries.get(sa);
    if (entry === undefined) return;
    this.#entries.delete(sa);
    const last = this.#heap.pop() as Entry;
    if (last === entry) return;
    last.index = entry.index;
    this.#heap[entry.index] = last;
    this.#up(last);
    this.#down(last);
  }

  peek(): { readonly at: number; readonly sa: IkeSa } | undefined {
    return this.#heap[0];
  }

  #swap(a: Entry, b: Entry): void {
    const i = a.index;
    a.index = b.index;
    b.index = i;
    this.#heap[a.index] = a;
    this.#heap[b.index] = b;
  }

  #up(entry: Entry): void {
    while (entry.index > 0) {
      const parent = this.#heap[(entry.index - 1) >> 1] as Entry;
      if (parent.at <= entry.at) return;
      this.#swap(entry, parent);
    }
  }

  #down(entry: Entry): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * entry.index + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Entry).at < (heap[left] as Entry).at
          ? (heap[right] as Entry)
          : (heap[left] as Entry);
      if (child.at >= entry.at) return;
      this.#swap(entry, child);
    }
  }
}
