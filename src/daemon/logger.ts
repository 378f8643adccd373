/**
 * The daemon's log: the engine's log events (src/ikev1 logs only through events) and the shell's own
 * lines, as text (`2026-11-27T10:00:00.000Z info [conn-name #3] message`) or as JSON lines. Keys never
 * reach it: the engine does not log them and the daemon logs no SA snapshot.
 */
import type { LogLevel } from '../sa/types.js';

export interface LogEntry {
  /** ms since the epoch. */
  readonly time: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly ikeSa?: number | undefined;
  readonly connection?: string | undefined;
}

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

/** True when an entry of `level` passes a log set to `threshold`. */
export function levelEnabled(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/** `[conn #3]`, `[conn]`, `[#3]` or nothing. */
function context(entry: LogEntry): string {
  const parts = [entry.connection, entry.ikeSa === undefined ? undefined : `#${entry.ikeSa}`].filter(
    (p): p is string => p !== undefined && p !== '',
  );
  return parts.length === 0 ? '' : `[${parts.join(' ')}] `;
}

export function formatLogLine(entry: LogEntry): string {
  return `${new Date(entry.time).toISOString()} ${entry.level} ${context(entry)}${entry.message}`;
}

export function logEntryJson(entry: LogEntry): Record<string, unknown> {
  return {
    time: new Date(entry.time).toISOString(),
    level: entry.level,
    ...(entry.connection === undefined ? {} : { connection: entry.connection }),
    ...(entry.ikeSa === undefined ? {} : { ikeSa: entry.ikeSa }),
    message: entry.message,
  };
}

export class Logger {
  constructor(
    readonly level: LogLevel,
    readonly json: boolean,
    private readonly write: (line: string) => void,
  ) {}

  log(entry: LogEntry): void {
    if (!levelEnabled(entry.level, this.level)) return;
    this.write(`${this.json ? JSON.stringify(logEntryJson(entry)) : formatLogLine(entry)}\n`);
  }
}

/**
 * The log lines of one turn of the event loop written with one call instead of one each (issue 12):
 * `ikets start` logs to standard output, which for a file is a synchronous write(2) per call, and a
 * busy responder writes several lines per turn. Lines keep their order; they leave at the end of
 * the turn (setImmediate), or at once with `flush()` (the daemon stops) and at process exit, so a
 * line is late by at most one turn and never lost by a clean exit.
 */
export class LineBatcher {
  #lines: string[] = [];
  #scheduled = false;
  readonly #onExit = () => this.flush();

  constructor(private readonly out: (text: string) => void) {
    process.on('exit', this.#onExit);
  }

  /** Queues `text` (one or more whole lines) for the end of this turn. */
  readonly write = (text: string): void => {
    this.#lines.push(text);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  };

  /** Writes what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = this.#lines.length === 1 ? (this.#lines[0] as string) : this.#lines.join('');
    this.#lines = [];
    this.out(text);
  }

  /** Writes what is queued and stops watching for the process's exit. */
  close(): void {
    this.flush();
    process.off('exit', this.#onExit);
  }
}
