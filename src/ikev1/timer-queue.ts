/**
 * The ISAKMP SAs ordered by their next deadline: a binary min-heap with lazy invalidation. An SA is
 * pushed whenever its deadline may have moved earlier; an entry whose time no longer matches the
 * SA's deadline is dropped (or replaced) when it reaches the top. So finding the next timer costs
 * O(log n) instead of a scan of every SA.
 */
import type { IkeSa } from './ike-sa.js';

interface Entry {
  readonly at: number;
  readonly sa: IkeSa;
}

export class TimerQueue {
  readonly #heap: Entry[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, sa: IkeSa): void {
    if (!Number.isFinite(at)) return;
    const heap = this.#heap;
    heap.push({ at, sa });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry).at <= at) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = { at, sa };
  }

  peek(): Entry | undefined {
    return this.#heap[0];
  }

  pop(): Entry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Entry).at < (heap[left] as Entry).at ? right : left;
      if ((heap[child] as Entry).at >= last.at) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
