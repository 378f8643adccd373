/**
 * Rate-limited log lines for the data plane: a dropped packet is never a line of its own. The first
 * event of a kind is logged, later ones within `intervalMs` are only counted and reported with the
 * next line of that kind (DEVELOPERS.md: bounded under attack; the kinds are a fixed set).
 */
export type LogSink = (level: 'warn' | 'info' | 'debug', message: string) => void;

export class LogLimiter {
  readonly #intervalMs: number;
  readonly #sink: LogSink;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(intervalMs: number, sink: LogSink) {
    this.#intervalMs = intervalMs;
    this.#sink = sink;
  }

  /** `kind` must come from a bounded set (a drop reason, not an address). */
  note(kind: string, now: number, level: 'warn' | 'info' | 'debug', message: () => string): void {
    const last = this.#last.get(kind);
    if (last !== undefined && now - last.at < this.#intervalMs) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#last.set(kind, { at: now, suppressed: 0 });
    this.#sink(
      level,
      suppressed > 0 ? `${message()} (and ${suppressed} more since the last report)` : message(),
    );
  }
}
