// A pair of network namespaces joined by a veth pair, private to one test run.
// Nothing in them has a route out, so traffic sent inside cannot leave the machine.
import { trackNamespace, untrackNamespace } from './cleanup.js';
import { HarnessError } from './errors.js';
import { procRunning, run, uniqueSuffix } from './proc.js';

export interface NetnsEnd {
  /** Namespace name, e.g. `ikets-a-k3x9f`. */
  readonly ns: string;
  /** veth interface inside the namespace. */
  readonly iface: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface NetnsPair {
  readonly a: NetnsEnd;
  readonly b: NetnsEnd;
  /** Deletes both namespaces (the veth goes with them). Idempotent, never throws. */
  destroy(): Promise<void>;
}

export interface NetnsPairOptions {
  /** Defaults to a random per-run suffix so parallel test files don't collide. */
  readonly suffix?: string;
  readonly ipv4A?: string;
  readonly ipv4B?: string;
  readonly ipv6A?: string;
  readonly ipv6B?: string;
}

/** Runs `ip -n NS ...`. */
function ipn(ns: string, ...args: string[]): Promise<unknown> {
  return run('ip', ['-n', ns, ...args]);
}

async function macAddress(end: NetnsEnd): Promise<string> {
  const { stdout } = await run('ip', ['-n', end.ns, '-o', 'link', 'show', end.iface]);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(stdout)?.[1];
  if (mac === undefined) throw new HarnessError('NO_MAC', `no MAC address for ${end.iface}: ${stdout}`);
  return mac;
}

/**
 * Removes `ikets-*` namespaces left behind by harness processes that died without cleaning up
 * (SIGKILL). Only names of the form `ikets-[ab]-<pid base 36>-<3 chars>` (the default suffix)
 * are considered; the PID is the creating process's, and namespaces of live
 * processes are left alone. Processes still inside a stale namespace (an orphaned charon or
 * tshark) are killed first, otherwise the namespace would live on. Best effort, never throws.
 */
export async function removeStaleNamespaces(): Promise<string[]> {
  const removed: string[] = [];
  const { stdout } = await run('ip', ['netns', 'list'], { allowFailure: true });
  for (const line of stdout.split('\n')) {
    const m = /^(ikets-[ab]-([0-9a-z]{1,6})-[0-9a-z]{3})(?: |$)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const owner = Number.parseInt(m[2], 36);
    if (!Number.isSafeInteger(owner) || owner <= 0 || procRunning(owner)) continue;
    const pids = await run('ip', ['netns', 'pids', m[1]], { allowFailure: true });
    for (const p of pids.stdout.split('\n').filter((x) => /^\d+$/.test(x))) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone
      }
    }
    await deleteNamespace(m[1]);
    removed.push(m[1]);
  }
  return removed;
}

/** Deletes a namespace if it exists; never throws. */
export async function deleteNamespace(ns: string): Promise<void> {
  await run('ip', ['netns', 'del', ns], { allowFailure: true });
  untrackNamespace(ns);
}

/**
 * Creates `ikets-a-<suffix>` (10.231.0.1/24, fd31::1/64) and `ikets-b-<suffix>` (10.231.0.2/24,
 * fd31::2/64) joined by veth `ikA<suffix>`/`ikB<suffix>`, with lo up. On failure everything
 * created so far is removed before the error propagates.
 */
export async function createNetnsPair(options: NetnsPairOptions = {}): Promise<NetnsPair> {
  await removeStaleNamespaces();
  const suffix = (options.suffix ?? uniqueSuffix()).slice(0, 12);
  const a: NetnsEnd = {
    ns: `ikets-a-${suffix}`,
    iface: `ikA${suffix}`,
    ipv4: options.ipv4A ?? '10.231.0.1',
    ipv6: options.ipv6A ?? 'fd31::1',
  };
  const b: NetnsEnd = {
    ns: `ikets-b-${suffix}`,
    iface: `ikB${suffix}`,
    ipv4: options.ipv4B ?? '10.231.0.2',
    ipv6: options.ipv6B ?? 'fd31::2',
  };
  const destroy = async (): Promise<void> => {
    await deleteNamespace(a.ns);
    await deleteNamespace(b.ns);
  };
  try {
    for (const end of [a, b]) {
      trackNamespace(end.ns);
      await run('ip', ['netns', 'add', end.ns]);
    }
    await run('ip', [
      'link',
      'add',
      a.iface,
      'netns',
      a.ns,
      'type',
      'veth',
      'peer',
      'name',
      b.iface,
      'netns',
      b.ns,
    ]);
    for (const end of [a, b]) {
      await ipn(end.ns, 'addr', 'add', `${end.ipv4}/24`, 'dev', end.iface);
      await ipn(end.ns, '-6', 'addr', 'add', `${end.ipv6}/64`, 'dev', end.iface, 'nodad');
      await ipn(end.ns, 'link', 'set', 'lo', 'up');
      await ipn(end.ns, 'link', 'set', end.iface, 'up');
    }
    // Static neighbour entries: no ARP/NDP round (IPv6 neighbour discovery right after link-up
    // sometimes lost the first IKE packet, costing a 1 s retransmission).
    const macA = await macAddress(a);
    const macB = await macAddress(b);
    for (const [self, peer, mac] of [
      [a, b, macB],
      [b, a, macA],
    ] as const) {
      for (const addr of [peer.ipv4, peer.ipv6]) {
        await ipn(self.ns, 'neigh', 'replace', addr, 'lladdr', mac, 'dev', self.iface, 'nud', 'permanent');
      }
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  return { a, b, destroy };
}

/** Argument prefix to run a command inside `ns` (empty for the current namespace). */
export function inNamespace(
  ns: string | undefined,
  file: string,
  args: readonly string[],
): [string, string[]] {
  return ns === undefined ? [file, [...args]] : ['ip', ['netns', 'exec', ns, file, ...args]];
}
