/**
 * The tunnels the data plane throughput benchmark measures (bench/dataplane-throughput.ts): two
 * namespaces joined by veth (test/interop/harness), a subnet host behind each side on lo (10.1.0.1
 * in A, 10.2.0.1 in B), an IKE daemon in each (ikets with `--dataplane userspace`, or charon with
 * kernel-libipsec), one child between the subnets, and an iperf3 server on 10.2.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackPid, untrackPid } from '../test/interop/harness/cleanup.js';
import {
  createNetnsPair,
  gatewaySide,
  type NetnsPair,
  run,
  startCharon,
  stopPid,
  waitUntil,
} from '../test/interop/harness/index.js';

/** The ikets CLI the daemons run: this build, or IKETS_BENCH_IKETS (another build, for before/after). */
const MAIN = process.env.IKETS_BENCH_IKETS || fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PSK = 'dataplane-throughput-bench-psk-0123456789';
export const SUBNET_A = '10.1.0.1';
export const SUBNET_B = '10.2.0.1';
export const IPERF_PORT = 5201;

export type DaemonKind = 'ikets' | 'charon';

/** One IKE daemon of a setup: its PID (for /proc/PID/stat) and how to bring the child up and stop. */
export interface Daemon {
  readonly kind: DaemonKind;
  readonly pid: number;
  /** Initiates the child `c1` (ikets up / swanctl --initiate). */
  up(): Promise<void>;
  stop(): Promise<void>;
  /** The last lines of its log, for errors. */
  tail(): string;
}

export interface Setup {
  readonly name: string;
  readonly pair: NetnsPair;
  readonly a: Daemon;
  readonly b: Daemon;
  /** Stops the iperf3 server, both daemons and deletes the namespaces. Never throws. */
  destroy(): Promise<void>;
}

export interface SetupOptions {
  /** ESP proposal of the child (strongSwan keyword), e.g. `aes128gcm16`. */
  readonly esp: string;
  /** When set, ikets daemons run under `node --cpu-prof` and write their profile here. */
  readonly cpuProfileDir?: string;
}

function swanctlConf(self: 'a' | 'b', local: string, remote: string, esp: string): string {
  const [localTs, remoteTs] = self === 'a' ? ['10.1.0.0/16', '10.2.0.0/16'] : ['10.2.0.0/16', '10.1.0.0/16'];
  return gatewaySide({
    self,
    localAddr: local,
    remoteAddr: remote,
    psk: PSK,
    domain: 'bench.test',
    children: { c1: { local_ts: localTs, remote_ts: remoteTs, esp_proposals: esp } },
  });
}

async function startIkets(
  name: string,
  ns: string,
  conf: string,
  dir: string,
  cpuProfileDir: string | undefined,
): Promise<Daemon> {
  const file = join(dir, `${name}.conf`);
  const control = join(dir, `${name}.ctl`);
  writeFileSync(file, conf, { mode: 0o600 });
  const profile =
    cpuProfileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${name}.cpuprofile`];
  if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true });
  // `ip netns exec` execs node, so the spawned PID is the daemon's own (its CPU time is in /proc).
  const child: ChildProcess = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      ...profile,
      MAIN,
      'start',
      '--config',
      file,
      '--dataplane',
      'userspace',
      '--control',
      control,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid ?? -1;
  if (pid > 0) trackPid(pid);
  let log = '';
  const collect = (c: Buffer): void => {
    log = (log + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const daemon: Daemon = {
    kind: 'ikets',
    pid,
    async up() {
      const r = await run(process.execPath, [MAIN, 'up', 'c1', '--timeout', '15', '--control', control], {
        allowFailure: true,
        timeoutMs: 20_000,
      });
      if (r.code !== 0) throw new Error(`ikets up c1 failed: ${r.stdout}${r.stderr}\n${log}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM: a clean exit, so --cpu-prof writes its profile.
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 8000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      untrackPid(pid);
    },
    tail: () => log.split('\n').slice(-20).join('\n'),
  };
  if (!(await waitUntil(() => log.includes('control socket'), 15_000))) {
    await daemon.stop();
    throw new Error(`ikets ${name} did not start:\n${log}`);
  }
  return daemon;
}

async function startCharonSide(name: string, ns: string, conf: string): Promise<Daemon> {
  const charon = await startCharon({
    name,
    netns: ns,
    kernel: 'libipsec',
    charon: { install_routes: true },
    swanctl: conf,
  });
  return {
    kind: 'charon',
    pid: charon.pid,
    async up() {
      await charon.initiate('c1');
    },
    stop: () => charon.stop(),
    tail: () => charon.readLog().split('\n').slice(-20).join('\n'),
  };
}

/** Builds one setup: namespaces, addresses, daemons, the child up, a ping through, an iperf3 server. */
export async function createSetup(
  name: string,
  kinds: readonly [DaemonKind, DaemonKind],
  options: SetupOptions,
): Promise<Setup> {
  const pair = await createNetnsPair();
  const dir = mkdtempSync(join(tmpdir(), 'ikets-bench-dp-'));
  const started: Daemon[] = [];
  let server: ChildProcess | undefined;
  const destroy = async (): Promise<void> => {
    if (server?.pid !== undefined) {
      await stopPid(server.pid, 2000);
      untrackPid(server.pid);
    }
    for (const d of started.reverse()) await d.stop().catch(() => {});
    await pair.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ip', ['-n', pair.a.ns, 'addr', 'add', `${SUBNET_A}/32`, 'dev', 'lo']);
    await run('ip', ['-n', pair.b.ns, 'addr', 'add', `${SUBNET_B}/32`, 'dev', 'lo']);
    const sides = [
      ['a', pair.a.ns, pair.a.ipv4, pair.b.ipv4],
      ['b', pair.b.ns, pair.b.ipv4, pair.a.ipv4],
    ] as const;
    for (const [i, [self, ns, local, remote]] of sides.entries()) {
      const conf = swanctlConf(self, local, remote, options.esp);
      const label = `${name.replace(/ <-> /, '-')}-${self}`;
      started.push(
        kinds[i] === 'ikets'
          ? await startIkets(label, ns, conf, dir, options.cpuProfileDir)
          : await startCharonSide(label, ns, conf),
      );
    }
    const [a, b] = started as [Daemon, Daemon];
    await a.up();
    const ping = await run(
      'ip',
      ['netns', 'exec', pair.a.ns, 'ping', '-c', '1', '-W', '3', '-I', SUBNET_A, SUBNET_B],
      { allowFailure: true },
    );
    if (ping.code !== 0) throw new Error(`${name}: no ping through the tunnel\n${a.tail()}\n${b.tail()}`);
    server = spawn(
      'ip',
      ['netns', 'exec', pair.b.ns, 'iperf3', '-s', '-B', SUBNET_B, '-p', String(IPERF_PORT), '--forceflush'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    if (server.pid !== undefined) trackPid(server.pid);
    let out = '';
    server.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    if (!(await waitUntil(() => out.includes('listening'), 5000))) throw new Error('iperf3 -s did not start');
    return { name, pair, a, b, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** CPU seconds (user + system, all threads) a process used so far (/proc/PID/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime (14) is index 11, stime (15) index 12.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux ABI Node runs on. */
const CLOCK_TICKS = 100;
