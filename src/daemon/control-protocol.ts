/**
 * The control socket's protocol (docs/daemon.md): newline-delimited JSON over a Unix domain socket.
 * The client writes one request object a line; the daemon answers each request with zero or more
 * `{"log": {...}}` lines (the log of the SA being brought up or down) and then exactly one response
 * line, `{"ok": true, ...}` or `{"ok": false, "error": "..."}`. Requests on a connection are answered
 * in order.
 */
import type { ChildSaInfo, IkeSaInfo } from '../sa/types.js';
import type { TrafficLine } from '../sad/index.js';

export type ControlRequest =
  | { readonly command: 'up'; readonly name: string; readonly timeout?: number | undefined }
  | { readonly command: 'down'; readonly name: string }
  | {
      readonly command: 'list-sas';
      readonly showKeys?: boolean | undefined;
      /** A connection or child name: only its SAs. */
      readonly name?: string | undefined;
      /** One line per SA (list-sas.ts), for listings of any size; otherwise one response. */
      readonly stream?: boolean | undefined;
    }
  | { readonly command: 'list-conns' }
  | { readonly command: 'list-pols' }
  | { readonly command: 'list-certs' }
  | { readonly command: 'reload' };

export type ControlCommand = ControlRequest['command'];

export interface ControlFailure {
  readonly ok: false;
  readonly error: string;
}

export interface UpResult {
  readonly ok: true;
  readonly ikeSa: IkeSaInfo | undefined;
  readonly childSas: readonly ChildSaInfo[];
}

export interface ListSasResult {
  readonly ok: true;
  /** The daemon's clock, for "established N s ago". */
  readonly now: number;
  readonly ikeSas: readonly IkeSaInfo[];
  readonly childSas: readonly ChildSaInfo[];
}

/** Traffic of a child's SA pair, from the data plane (JSON numbers: byte counts stay below 2^53). */
export type ChildTraffic = TrafficLine;

export type ControlResponse = ({ readonly ok: true } & Record<string, unknown>) | ControlFailure;

/** A streamed log line (docs/daemon.md: the `time` is ISO 8601). */
export interface ControlLogLine {
  readonly log: {
    readonly time: string;
    readonly level: string;
    readonly message: string;
    readonly connection?: string;
    readonly ikeSa?: number;
  };
}

export const MAX_LINE = 64 * 1024;

/** Checks a parsed request line; returns the reason when it is not a request. */
export function parseRequest(value: unknown): ControlRequest | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'a request is a JSON object';
  const r = value as Record<string, unknown>;
  const name = () => (typeof r.name === 'string' && r.name !== '' ? r.name : undefined);
  switch (r.command) {
    case 'up': {
      const n = name();
      if (n === undefined) return "'up' needs a 'name'";
      if (r.timeout !== undefined && (typeof r.timeout !== 'number' || !(r.timeout > 0)))
        return "'timeout' is a positive number of ms";
      return { command: 'up', name: n, timeout: r.timeout as number | undefined };
    }
    case 'down': {
      const n = name();
      return n === undefined ? "'down' needs a 'name'" : { command: 'down', name: n };
    }
    case 'list-sas':
      if (r.name !== undefined && name() === undefined) return "'name' is a non-empty string";
      return { command: 'list-sas', showKeys: r.showKeys === true, name: name(), stream: r.stream === true };
    case 'list-conns':
    case 'list-pols':
    case 'list-certs':
    case 'reload':
      return { command: r.command };
    default:
      return `unknown command ${JSON.stringify(r.command)} (expected up, down, list-sas, list-conns, list-pols, list-certs or reload)`;
  }
}
