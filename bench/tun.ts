/**
 * Packets per second through the userspace data plane's TUN device (docs/dataplane.md "TUN device"):
 * writes, reads, and a write-forward-read loop, each in a namespace of its own (bench/tun-child.ts).
 * Needs root and /dev/net/tun; otherwise the rows are left out with a line saying why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { uniqueSuffix } from '../test/interop/harness/proc.js';
import type { Measurement, Row } from './harness.js';

const CHILD_JS = fileURLToPath(new URL('./tun-child.js', import.meta.url));

/** Why the TUN rows cannot be measured here, or undefined. */
export function tunBenchSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'TUN benchmark: Linux only';
  if (process.getuid?.() !== 0) return 'TUN benchmark skipped: needs root (a namespace and a TUN device)';
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return 'TUN benchmark skipped: no /dev/net/tun';
  }
  return undefined;
}

function child(
  ns: string,
  mode: string,
  ms: number,
): { process: ChildProcess; lines: AsyncIterator<string> } {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, CHILD_JS, mode, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: p.stdout ?? process.stdin })[Symbol.asyncIterator]();
  return { process: p, lines };
}

async function result(lines: AsyncIterator<string>): Promise<Measurement> {
  const next = await lines.next();
  if (next.done === true) throw new Error('the TUN benchmark worker exited without a result');
  const { packets, seconds } = JSON.parse(next.value) as { packets: number; seconds: number };
  return { iterations: packets, seconds, rate: packets / seconds };
}

async function inNamespace<T>(body: (ns: string) => Promise<T>): Promise<T> {
  const ns = `ikets-bench-${uniqueSuffix()}`;
  const ip = (...args: string[]) =>
    new Promise<void>((resolve, reject) =>
      spawn('ip', args, { stdio: 'ignore' }).on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`ip ${args.join(' ')}: ${code}`)),
      ),
    );
  await ip('netns', 'add', ns);
  try {
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    return await body(ns);
  } finally {
    await ip('netns', 'del', ns).catch(() => {});
  }
}

/** The TUN rows (or none, with the reason on stderr). */
export async function tunRows(timeMs: number, filter?: string): Promise<Row[]> {
  const reason = tunBenchSkipReason();
  const names = {
    write: 'TUN write(2), 100-byte IPv4 packets',
    read: 'TUN read on the event loop, 100-byte packets fed by another process',
    loop: 'TUN write + kernel forward + read, one process',
    routes: 'LinuxRouting.addRoute (one ip -batch each)',
    'loop-async': 'the same loop, reads by koffi async read() (not used)',
    'loop-fs': 'the same loop, reads by fs.read on the thread pool (not used)',
  };
  const wanted = Object.entries(names).filter(
    ([, name]) => filter === undefined || `dataplane ${name}`.includes(filter),
  );
  if (wanted.length === 0) return [];
  if (reason !== undefined) {
    process.stderr.write(`${reason}\n`);
    return [];
  }
  const rows: Row[] = [];
  for (const [mode, name] of wanted) {
    const ikets = await inNamespace(async (ns) => {
      if (mode !== 'read') {
        const worker = child(ns, mode, timeMs);
        return result(worker.lines);
      }
      const reader = child(ns, 'read', timeMs);
      const ready = await reader.lines.next();
      if (ready.value !== 'ready') throw new Error('the TUN reader did not start');
      const feeder = child(ns, 'feed', timeMs + 500);
      const measured = await result(reader.lines);
      await result(feeder.lines);
      return measured;
    });
    rows.push({ suite: 'dataplane', name, unit: mode === 'routes' ? 'op/s' : 'pkt/s', ikets });
  }
  return rows;
}
