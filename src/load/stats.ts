/**
 * What a load run counts: setup latencies (kept in one growing Float64Array, sorted once at the
 * end), retransmissions, failures by typed reason with one example of the engine's words each.
 */
import type { ClassifiedFailure, LoadFailure } from './failures.js';

export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface FailureCount {
  readonly reason: LoadFailure;
  /** The peer's notify, when it refused (e.g. NO_PROPOSAL_CHOSEN). */
  readonly notify?: string;
  readonly count: number;
  /** The engine's words for the first of them. */
  readonly example: string;
}

export class LatencyRecorder {
  #values = new Float64Array(1024);
  #length = 0;

  get count(): number {
    return this.#length;
  }

  add(ms: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = ms;
  }

  /** The median of the last `window` values (for the progress line), or undefined. */
  recentMedian(window = 256): number | undefined {
    if (this.#length === 0) return undefined;
    const recent = this.#values.slice(Math.max(0, this.#length - window), this.#length).sort();
    return recent[Math.floor((recent.length - 1) / 2)];
  }

  /** Nearest-rank percentiles (the smallest value with at least p% of values at or below it). */
  summary(): LatencySummary | undefined {
    const n = this.#length;
    if (n === 0) return undefined;
    const sorted = this.#values.slice(0, n).sort();
    const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] ?? 0;
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      min: sorted[0] ?? 0,
      mean: sum / n,
      p50: rank(50),
      p95: rank(95),
      p99: rank(99),
      max: sorted[n - 1] ?? 0,
    };
  }
}

export class FailureCounter {
  readonly #counts = new Map<string, { failure: ClassifiedFailure; count: number }>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  add(failure: ClassifiedFailure): void {
    this.#total++;
    const key = failure.notify === undefined ? failure.reason : `${failure.reason} ${failure.notify}`;
    const entry = this.#counts.get(key);
    if (entry === undefined) this.#counts.set(key, { failure, count: 1 });
    else entry.count++;
  }

  /** Most frequent first. */
  list(): FailureCount[] {
    return [...this.#counts.values()]
      .sort((a, b) => b.count - a.count)
      .map(({ failure, count }) => ({
        reason: failure.reason,
        ...(failure.notify === undefined ? {} : { notify: failure.notify }),
        count,
        example: failure.text,
      }));
  }
}
