// Traffic through a data plane between two namespaces: ping with its loss counted, a TCP transfer
// checked byte for byte (test/interop/tcp-transfer.ts), and `ikets list-sas --json` read back.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './errors.js';
import type { IketsDaemon } from './ikets-daemon.js';
import { run, waitUntil } from './proc.js';

const TCP = fileURLToPath(new URL('../tcp-transfer.js', import.meta.url));

export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  readonly output: string;
}

/** `ping` in `ns` (as root, so intervals below 0.2 s are allowed); never throws on loss. */
export async function ping(
  ns: string,
  from: string | undefined,
  to: string,
  options: { count?: number; interval?: number; wait?: number } = {},
): Promise<PingResult> {
  const args = ['netns', 'exec', ns, 'ping', '-n', '-q', '-c', String(options.count ?? 3)];
  args.push('-i', String(options.interval ?? 0.2), '-W', String(options.wait ?? 2));
  if (from !== undefined) args.push('-I', from);
  args.push(to);
  const r = await run('ip', args, { allowFailure: true, timeoutMs: 120_000 });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  return {
    transmitted: Number(m?.[1] ?? 0),
    received: Number(m?.[2] ?? 0),
    output: `${r.stdout}${r.stderr}`,
  };
}

/** A TCP transfer of `bytes` random bytes from `client` to `server` ([namespace, address]), checked by SHA-256. */
export async function tcpTransfer(
  server: readonly [string, string],
  client: readonly [string, string],
  bytes: number,
  port = 5001,
): Promise<void> {
  const [serverNs, serverAddress] = server;
  const [clientNs, clientAddress] = client;
  const proc = spawn('ip', [
    'netns',
    'exec',
    serverNs,
    process.execPath,
    TCP,
    'server',
    serverAddress,
    String(port),
  ]);
  let out = '';
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  try {
    if (!(await waitUntil(() => out.includes('listening'), 5000)))
      throw new HarnessError('TCP_SERVER', `the TCP server on ${serverAddress} did not listen`);
    const r = await run(
      'ip',
      [
        'netns',
        'exec',
        clientNs,
        process.execPath,
        TCP,
        'client',
        clientAddress,
        serverAddress,
        String(port),
        String(bytes),
      ],
      { allowFailure: true, timeoutMs: 70_000 },
    );
    const result = r.stdout.trim();
    if (r.code !== 0 || result !== JSON.stringify({ ok: true, bytes }))
      throw new HarnessError(
        'TCP_TRANSFER',
        `TCP ${clientAddress} -> ${serverAddress}: ${result}${r.stderr}`,
      );
  } finally {
    proc.kill();
  }
}

export interface ListedChild {
  readonly id: number;
  readonly child: string;
  readonly spiIn: string;
  readonly spiOut: string;
  readonly mode: string;
}

export interface ListedTraffic {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly droppedIn: number;
  readonly dropsIn?: Readonly<Record<string, number>>;
}

export interface Listing {
  readonly children: readonly ListedChild[];
  traffic(child: ListedChild): ListedTraffic | undefined;
  /** The installed children called `name`. */
  named(name: string): ListedChild[];
  /** Drops no SA can be charged with (`unknownSpi`, `malformed`, ...), userspace data plane. */
  readonly dataplaneDrops: Readonly<Record<string, number>>;
}

/** `ikets list-sas --json` of a daemon. */
export async function listSas(daemon: IketsDaemon): Promise<Listing> {
  const r = await daemon.ikets(['list-sas', '--json']);
  if (r.code !== 0) throw new HarnessError('LIST_SAS', `list-sas failed: ${r.stdout}${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as {
    childSas: ListedChild[];
    traffic: Record<string, ListedTraffic>;
    dataplaneDrops?: Record<string, number>;
  };
  return {
    children: parsed.childSas,
    traffic: (c) => parsed.traffic[String(c.id)],
    named: (name) => parsed.childSas.filter((c) => c.child === name),
    dataplaneDrops: parsed.dataplaneDrops ?? {},
  };
}
