/**
 * The datagrams read from the IKE sockets and not yet handed to the engine, in two bounded queues:
 * `expected` ones (their cookies name an ISAKMP SA or an offer we answered: the engine's
 * `expects`) and the rest (first messages, anyone's). The daemon reads its sockets as fast as they
 * deliver and serves the expected queue first, so when a flood of spoofed first messages is faster
 * than the engine, the excess is dropped here, among the flood's own kind, and never in the
 * kernel's socket buffer, where the datagrams of a peer that proved its address (Main Mode message
 * 3 onwards) would be lost with the flood's (issue 10 item C).
 *
 * Each queue is bounded: a datagram that finds its queue full is dropped and counted (the peer
 * retransmits). An attacker cannot reach the expected queue without cookies we gave it at its own
 * address, and the other queue only competes with itself.
 */

export interface ReceiveQueueLimits {
  /** Datagrams waiting at most in each queue... */
  readonly datagrams: number;
  /** ...and bytes (a datagram can be 64 KiB). */
  readonly bytes: number;
}

/** A bounded FIFO in an array with a moving head, compacted now and then (amortised O(1)). */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  bytes = 0;
  dropped = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

export class ReceiveQueue<T> {
  readonly #expected = new Fifo<T>();
  readonly #other = new Fifo<T>();
  #peak = 0;

  /** `size`: a datagram's length in bytes. */
  constructor(
    readonly limits: ReceiveQueueLimits,
    private readonly size: (item: T) => number,
  ) {}

  /** Queues a datagram; false (and counted) when its queue is full. */
  push(item: T, expected: boolean): boolean {
    const queue = expected ? this.#expected : this.#other;
    const size = this.size(item);
    if (queue.length >= this.limits.datagrams || queue.bytes + size > this.limits.bytes) {
      queue.dropped++;
      return false;
    }
    queue.push(item);
    queue.bytes += size;
    this.#peak = Math.max(this.#peak, this.length);
    return true;
  }

  /** The next datagram to handle: the oldest expected one, else the oldest other one. */
  shift(): T | undefined {
    const queue = this.#expected.length > 0 ? this.#expected : this.#other;
    const item = queue.shift();
    if (item !== undefined) queue.bytes -= this.size(item);
    return item;
  }

  /** Drops everything waiting (the daemon stops). */
  clear(): void {
    while (this.shift() !== undefined);
  }

  /** Datagrams waiting, in both queues. */
  get length(): number {
    return this.#expected.length + this.#other.length;
  }

  /** Expected datagrams waiting. */
  get expectedWaiting(): number {
    return this.#expected.length;
  }

  /** Bytes waiting, in both queues. */
  get bytes(): number {
    return this.#expected.bytes + this.#other.bytes;
  }

  /** Datagrams dropped because their queue was full, by queue. */
  get dropped(): { readonly expected: number; readonly other: number } {
    return { expected: this.#expected.dropped, other: this.#other.dropped };
  }

  /** The longest the backlog has been (both queues). */
  get peak(): number {
    return this.#peak;
  }
}

export interface BacklogState {
  readonly waiting: number;
  readonly peak: number;
  readonly dropped: { readonly expected: number; readonly other: number };
}

/**
 * How long one turn of the event loop hands queued datagrams on before the sockets are read again.
 * libuv reads at most 32 datagrams a socket between two turns, so the turn bounds how fast the
 * daemon reads ahead while it is behind: 32 in half a millisecond and the reads' own time is
 * 40,000 or more a second, twice the flood of issue 10 item C.
 */
export const BACKLOG_TURN_MS = 0.5;
/**
 * The turn after the sockets delivered a full batch (libuv's 32, so more is likely waiting in the
 * kernel): short, so the daemon first drains the kernel's buffer into its queue. There the
 * datagrams of known exchanges go first and a flood's excess is dropped by kind; in the kernel
 * everyone's are dropped alike. On a machine that leaves the daemon a quarter of a core, reading a
 * 20,000/s flood whole takes half of it, and the other half answers what it can.
 */
export const BACKLOG_SHORT_TURN_MS = 0.1;
/** Datagrams read between two turns that mean the sockets probably hold more (libuv's batch). */
export const FULL_BATCH = 32;

const performanceNow = (): number => performance.now();

export interface BacklogOptions {
  /** The clock turns are timed with, ms (default performance.now; tests give a fake one). */
  readonly now?: () => number;
  /**
   * True when something else waits for the event loop (a control request, requests-waiting.ts):
   * the turn then ends after one datagram, whatever time is left.
   */
  readonly yieldNow?: () => boolean;
}

/**
 * The daemon's receive queue and its pump: `push` queues a datagram and schedules a turn
 * (setImmediate, after the event loop's reads); a turn hands queued datagrams to `handle`, expected
 * ones first, calling `flush` (send what the engine produced) every 16 and at the end, until
 * `BACKLOG_TURN_MS` have passed (`BACKLOG_SHORT_TURN_MS` after a full batch of reads) or, while
 * `yieldNow` says so, after one datagram, and schedules another turn if some are left. Between
 * turns libuv reads the sockets again (and the control socket), so the queue, not the kernel,
 * holds what waits.
 */
export class Backlog<T> {
  readonly #queue: ReceiveQueue<T>;
  #scheduled = false;
  #stopped = false;
  /** Datagrams pushed since the last turn began, queued or dropped. */
  #arrived = 0;

  constructor(
    limits: ReceiveQueueLimits,
    size: (item: T) => number,
    private readonly handle: (item: T) => void,
    private readonly flush: () => void,
    private readonly options: BacklogOptions = {},
  ) {
    this.#queue = new ReceiveQueue(limits, size);
  }

  push(item: T, expected: boolean): void {
    if (this.#stopped) return;
    this.#arrived++;
    if (!this.#queue.push(item, expected)) return;
    this.#schedule();
  }

  /** Drops what waits, and everything pushed later. */
  clear(): void {
    this.#stopped = true;
    this.#queue.clear();
  }

  get state(): BacklogState {
    return { waiting: this.#queue.length, peak: this.#queue.peak, dropped: this.#queue.dropped };
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    const now = this.options.now ?? performanceNow;
    const until = now() + (this.#arrived >= FULL_BATCH ? BACKLOG_SHORT_TURN_MS : BACKLOG_TURN_MS);
    this.#arrived = 0;
    let handled = 0;
    for (let item = this.#queue.shift(); item !== undefined && !this.#stopped; item = this.#queue.shift()) {
      this.handle(item);
      // Answers go out as they come, not at the end of the turn.
      if (++handled % 16 === 0) this.flush();
      if (now() >= until || this.options.yieldNow?.() === true) break;
    }
    this.flush();
    if (this.#queue.length > 0 && !this.#stopped) this.#schedule();
  }
}
