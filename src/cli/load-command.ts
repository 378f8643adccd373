import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/swanctl.js';
import { defaultConfigPath, loadConfigFile } from '../daemon/index.js';
import type { EngineSettings } from '../ikev1/context.js';
import {
  formatProgress,
  formatSummary,
  LoadPlanError,
  type LoadProgress,
  LoadSocketError,
  type LoadSummary,
  runLoad,
} from '../load/index.js';
import type { CliIo } from './io.js';
import { CliError, UsageError } from './usage-error.js';
import { LOAD_USAGE } from './usages.js';

/** At most this many source addresses from one range. */
const MAX_SOURCE_ADDRESSES = 1024;

/**
 * `ikets load`: many initiators of one connection against a gateway, then a summary (docs/load.md).
 * Exit status 0 when every setup came up, 1 when some failed, 2 on a wrong command line.
 */
export async function loadCommand(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      count: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      child: { type: 'string' },
      id: { type: 'string' },
      source: { type: 'string', multiple: true },
      'source-ports': { type: 'string' },
      delete: { type: 'boolean' },
      hold: { type: 'string' },
      'retransmit-timeout': { type: 'string' },
      'retransmit-tries': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      debug: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError(LOAD_USAGE);
  const count = optionalNumber(values.count, '--count', 1, true);
  const durationS = optionalNumber(values.duration, '--duration', 0.001, false);
  if (count === undefined && durationS === undefined)
    throw new UsageError('give --count N, --duration SECONDS or both');
  const settings: Partial<EngineSettings> = {
    ...withValue(
      'retransmitTimeout',
      optionalNumber(values['retransmit-timeout'], '--retransmit-timeout', 0.01, false),
      1000,
    ),
    ...withValue(
      'retransmitTries',
      optionalNumber(values['retransmit-tries'], '--retransmit-tries', 0, true),
      1,
    ),
  };
  const configFile = values.config ?? defaultConfigPath();
  let config: Awaited<ReturnType<typeof loadConfigFile>>;
  try {
    config = await loadConfigFile(configFile);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.code, error.message);
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new CliError(e.code, `${configFile}: no such file`);
    throw error;
  }
  const progress = values.quiet === true ? undefined : progressWriter(io, count);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  if (signal === undefined) process.once('SIGINT', onSigint);
  let summary: LoadSummary;
  try {
    summary = await runLoad({
      config,
      connection: positionals[0] as string,
      child: values.child,
      identity: values.id,
      count,
      concurrency: optionalNumber(values.concurrency, '--concurrency', 1, true) ?? 10,
      rate: optionalNumber(values.rate, '--rate', 0.001, false),
      durationMs: durationS === undefined ? undefined : durationS * 1000,
      deleteAfterSetup: values.delete === true,
      sourceAddresses: sourceAddresses(values.source),
      sourcePorts: sourcePorts(values['source-ports']),
      settings,
      holdMs: (optionalNumber(values.hold, '--hold', 0, false) ?? 0) * 1000,
      onProgress: progress?.write,
      progressIntervalMs: progress?.intervalMs,
      onLog:
        values.debug === true
          ? (e) => io.stderr(`${e.level} ${e.connection ?? '-'} ${e.message}\n`)
          : undefined,
      signal: signal ?? controller.signal,
    });
  } catch (error) {
    if (error instanceof LoadPlanError || error instanceof LoadSocketError)
      throw new CliError(error.code, error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    progress?.end();
  }
  io.stdout(values.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return summary.failed === 0 ? 0 : 1;
}

/** On a terminal one line rewritten twice a second; elsewhere a line every 5 seconds. */
function progressWriter(
  io: CliIo,
  count: number | undefined,
): { write: (p: LoadProgress) => void; end: () => void; intervalMs: number } {
  const tty = io.stderrIsTerminal === true;
  let shown = false;
  return {
    intervalMs: tty ? 500 : 5000,
    write: (p) => {
      shown = true;
      io.stderr(tty ? `\r\x1b[K${formatProgress(p, count)}` : `${formatProgress(p, count)}\n`);
    },
    end: () => {
      if (tty && shown) io.stderr('\r\x1b[K');
    },
  };
}

function withValue<K extends keyof EngineSettings>(
  key: K,
  value: number | undefined,
  scale: number,
): Partial<EngineSettings> {
  return value === undefined ? {} : { [key]: value * scale };
}

function optionalNumber(
  text: string | undefined,
  name: string,
  min: number,
  integer: boolean,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new UsageError(
      `${name}: expected ${integer ? 'an integer' : 'a number'} >= ${min}, found '${text}'`,
    );
  return n;
}

/** `--source A,B`, `--source 10.0.0.1-10.0.0.50` (IPv4 range), repeatable. */
export function sourceAddresses(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const out: string[] = [];
  for (const item of values.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    const range = /^([\d.]+)-([\d.]+)$/.exec(item);
    if (range !== null && isIP(range[1] ?? '') === 4 && isIP(range[2] ?? '') === 4) {
      const from = ipv4Number(range[1] as string);
      const to = ipv4Number(range[2] as string);
      if (to < from || to - from >= MAX_SOURCE_ADDRESSES)
        throw new UsageError(`--source: '${item}' is not a range of 1 to ${MAX_SOURCE_ADDRESSES} addresses`);
      for (let a = from; a <= to; a++) out.push(ipv4Text(a));
    } else if (isIP(item) !== 0) out.push(item);
    else throw new UsageError(`--source: '${item}' is not an IP address or IPv4 range`);
  }
  return out;
}

/** `--source-ports 500`, `--source-ports 10000-10099`; 0 is one ephemeral port. */
export function sourcePorts(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const from = Number(m?.[1]);
  const to = m?.[2] === undefined ? from : Number(m[2]);
  if (m === null || from > 65535 || to > 65535 || to < from || (from === 0 && to !== 0))
    throw new UsageError(
      `--source-ports: expected PORT or FIRST-LAST (0 for an ephemeral port), found '${text}'`,
    );
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function ipv4Number(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
