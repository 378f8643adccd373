/**
 * The endpoint's events, polled by the shell in order, and the limits on the log lines and refusals
 * an unauthenticated sender can cause: a token bucket per kind of log line (log-limiter.ts), the
 * suppressed ones counted in a summary line, and one bucket for all unprotected refusals of first
 * messages (docs/ikev1-engine.md).
 */
import type { EndpointEvent, LogLevel } from '../sa/types.js';
import { dropKind, LogLimiter } from './log-limiter.js';
import type { IkeSa } from './sa/ike-sa.js';

/** Unprotected refusals sent to first messages: 20 at once, then 20 a second. */
const REFUSAL_LIMIT = { burst: 20, perSecond: 20, maxKinds: 1 };

export class EventQueue {
  readonly #events: EndpointEvent[] = [];
  /** Log lines an unauthenticated sender can cause are rate-limited (docs/ikev1-engine.md). */
  readonly #limiter = new LogLimiter();
  /** Unprotected refusals of first messages: anyone can ask for one, from any address. */
  readonly #refusals = new LogLimiter(REFUSAL_LIMIT);

  /** How many events wait: a mark to tell the events an input caused. */
  get length(): number {
    return this.#events.length;
  }

  push(event: EndpointEvent): void {
    this.#events.push(event);
  }

  poll(): EndpointEvent | undefined {
    return this.#events.shift();
  }

  log(level: LogLevel, message: string, sa?: IkeSa): void {
    this.#events.push({
      type: 'log',
      level,
      message,
      ...(sa === undefined ? {} : { ikeSa: sa.id, connection: sa.connection.name }),
    });
  }

  /** A log line about an event an unauthenticated sender can cause: rate-limited per `kind`. */
  logLimited(now: number, kind: string, level: LogLevel, message: string, sa?: IkeSa): void {
    const { admit, suppressed } = this.#limiter.admit(kind, now);
    if (!admit) return;
    if (suppressed > 0) this.#suppressedLine(kind, suppressed);
    this.log(level, message, sa);
  }

  /** Whether the shared bucket of refusals of unauthenticated messages has a token now. */
  admitRefusal(now: number): boolean {
    return this.#refusals.admit('refusal', now).admit;
  }

  /** The summary lines of kinds whose suppressed lines are due. */
  due(now: number): void {
    for (const { kind, suppressed } of this.#limiter.due(now)) this.#suppressedLine(kind, suppressed);
  }

  /** The log lines a dropped datagram caused since event `mark`: kept or left out as one. */
  limitLogs(now: number, mark: number, reason: string | undefined): void {
    const events = this.#events;
    if (!events.slice(mark).some((e) => e.type === 'log')) return;
    const kind = `dropped: ${dropKind(reason)}`;
    const { admit, suppressed } = this.#limiter.admit(kind, now);
    if (!admit) {
      const kept = events.slice(mark).filter((e) => e.type !== 'log');
      events.splice(mark, events.length - mark, ...kept);
      return;
    }
    if (suppressed > 0) events.splice(mark, 0, this.#summary(kind, suppressed));
  }

  #suppressedLine(kind: string, suppressed: number): void {
    this.#events.push(this.#summary(kind, suppressed));
  }

  #summary(kind: string, suppressed: number): EndpointEvent {
    return { type: 'log', level: 'info', message: `${suppressed} similar messages suppressed (${kind})` };
  }
}
