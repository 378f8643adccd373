/**
 * Rate limiting of the log lines an unauthenticated sender can cause (a dropped datagram, a half-open
 * SA timing out): a token bucket per kind of event on the engine's clock, so a flood of forged
 * datagrams writes a bounded number of lines, and what was left out is counted and reported in one
 * summary line ("N similar messages suppressed"). Kinds are bounded too: past `maxKinds`, new kinds
 * share one bucket.
 */

export interface LimiterSettings {
  /** Lines of one kind let through at once before the limit applies. */
  readonly burst: number;
  /** Lines of one kind let through per second after that. */
  readonly perSecond: number;
  /** Distinct kinds tracked; further kinds share the bucket `other`. */
  readonly maxKinds: number;
}

export const DEFAULT_LIMITER: LimiterSettings = { burst: 10, perSecond: 1, maxKinds: 64 };

interface Bucket {
  tokens: number;
  at: number;
  suppressed: number;
}

export class LogLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(readonly settings: LimiterSettings = DEFAULT_LIMITER) {}

  /**
   * Whether a line of `kind` may be written at `now` (ms). When it may, `suppressed` is the number
   * of lines of that kind left out since the last one written, to be reported first.
   */
  admit(kind: string, now: number): { readonly admit: boolean; readonly suppressed: number } {
    const bucket = this.#bucket(kind, now);
    if (bucket.tokens < 1) {
      bucket.suppressed++;
      return { admit: false, suppressed: 0 };
    }
    bucket.tokens--;
    const suppressed = bucket.suppressed;
    bucket.suppressed = 0;
    return { admit: true, suppressed };
  }

  /** Kinds with suppressed lines that may be reported now (a line each), their counts reset. */
  *due(now: number): Generator<{ readonly kind: string; readonly suppressed: number }> {
    for (const [kind, bucket] of this.#buckets) {
      if (bucket.suppressed === 0) continue;
      this.#refill(bucket, now);
      if (bucket.tokens < 1) continue;
      bucket.tokens--;
      yield { kind, suppressed: bucket.suppressed };
      bucket.suppressed = 0;
    }
  }

  #bucket(kind: string, now: number): Bucket {
    const known = this.#buckets.get(kind);
    if (known !== undefined) {
      this.#refill(known, now);
      return known;
    }
    const key = this.#buckets.size < this.settings.maxKinds ? kind : 'other';
    const bucket = this.#buckets.get(key) ?? { tokens: this.settings.burst, at: now, suppressed: 0 };
    this.#buckets.set(key, bucket);
    this.#refill(bucket, now);
    return bucket;
  }

  #refill(bucket: Bucket, now: number): void {
    if (now <= bucket.at) return;
    const s = this.settings;
    bucket.tokens = Math.min(s.burst, bucket.tokens + ((now - bucket.at) / 1000) * s.perSecond);
    bucket.at = now;
  }
}

/** The kind of a drop reason: its words without the numbers and details that vary per datagram. */
export function dropKind(reason: string | undefined): string {
  if (reason === undefined) return 'dropped';
  const head = reason.split(':')[0] ?? reason;
  return head.replace(/[0-9a-f]{6,}|\d+/gi, '#').slice(0, 80);
}
