// One run of the side-by-side benchmark: a responder (charon or ikets) in namespace B, the
// load-tester charon in namespace A making `setups` Main Mode + Quick Mode setups against it, and
// the responder's CPU and RSS read from /proc around it (docs/benchmarks.md).
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { charonCommand } from '../../test/interop/harness/charon.js';
import { trackDir, trackPid, untrackDir, untrackPid } from '../../test/interop/harness/cleanup.js';
import type { NetnsPair } from '../../test/interop/harness/netns.js';
import { inNamespace } from '../../test/interop/harness/netns.js';
import { run, waitUntil } from '../../test/interop/harness/proc.js';
import {
  type DhScenario,
  iketsSwanctlConf,
  initiatorStrongswanConf,
  type LoadTestOptions,
  responderStrongswanConf,
  viciUri,
} from './config.js';
import { LoadTestProgress } from './progress.js';
import { parseProcStatCpuTicks, parseVmRssKib, type RunFigures } from './stats.js';

/** Where build-strongswan.sh installed strongSwan. */
export interface StrongswanBuild {
  readonly prefix: string;
}

export function charonBin(build: StrongswanBuild): string {
  return join(build.prefix, 'libexec/ipsec/charon');
}
function swanctlBin(build: StrongswanBuild): string {
  return join(build.prefix, 'sbin/swanctl');
}

/** The ikets CLI of this build, or IKETS_BENCH_IKETS (another build, for before/after runs). */
export function iketsMain(): string {
  const other = process.env.IKETS_BENCH_IKETS;
  if (other !== undefined && other !== '') return other;
  return fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
}

export interface RunOptions {
  readonly responder: 'charon' | 'ikets';
  readonly build: StrongswanBuild;
  readonly pair: NetnsPair;
  readonly dh: DhScenario;
  readonly setups: number;
  readonly threads: number;
  readonly window: number;
  /** Give up when no setup finished for this long. */
  readonly stallMs: number;
  /** dpd_delay (s) of both sides (`--dpd`), and the seconds the SAs are then held (`--hold`). */
  readonly dpd?: number;
  readonly holdSeconds?: number;
  /** Called with a short line now and then. */
  readonly progress?: (line: string) => void;
}

export interface RunResult extends RunFigures {
  /** Things worth a line under the table (SAs in the kernel, setups that did not finish). */
  readonly notes: readonly string[];
  /** With `holdSeconds`: the responder's CPU per second (ms) while it held the SAs. */
  readonly holdCpuPerSecondMs?: number;
}

interface Daemon {
  readonly pid: number;
  running(): boolean;
  kill(): Promise<void>;
}

const CLK_TCK = 100; // USER_HZ: /proc reports CPU time in these ticks on every Linux architecture.

function cpuTicks(pid: number): number {
  return parseProcStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}
function rssKib(pid: number): number {
  return parseVmRssKib(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Spawns a daemon with its stdout and stderr going to `logPath`. */
function spawnDaemon(file: string, args: readonly string[], env: NodeJS.ProcessEnv, logPath: string): Daemon {
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, [...args], { env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  // `ip netns exec`, `unshare` and `sh -c 'exec ...'` all exec: this pid is the daemon's own.
  const pid = child.pid ?? -1;
  if (pid > 0) trackPid(pid);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', () => {
      exited = true;
      resolve();
    });
  });
  return {
    pid,
    running: () => !exited,
    async kill() {
      // SIGKILL: neither side should spend the end of a run sending thousands of Deletes.
      if (!exited) child.kill('SIGKILL');
      await Promise.race([exit, sleep(5000)]);
      if (pid > 0) untrackPid(pid);
    },
  };
}

function startCharon(build: StrongswanBuild, ns: string, dir: string, conf: string): Daemon {
  const confPath = join(dir, 'strongswan.conf');
  writeFileSync(confPath, conf);
  const [file, args] = charonCommand(ns, charonBin(build));
  return spawnDaemon(file, args, { ...process.env, STRONGSWAN_CONF: confPath }, join(dir, 'stderr.log'));
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * IKETS_BENCH_CPU_PROF=DIR: the ikets responder runs with profile-preload.js, which profiles it
 * between two SIGUSR2 (sent around the measured window) into DIR/ikets-<group>-<n>.cpuprofile.
 */
function profileDir(): string | undefined {
  const dir = process.env.IKETS_BENCH_CPU_PROF;
  return dir === undefined || dir === '' ? undefined : dir;
}
let profiles = 0;

/** Starts (first call) or stops and writes (second call) the responder's CPU profile. */
async function toggleProfile(responder: Responder, done?: string): Promise<void> {
  process.kill(responder.daemon.pid, 'SIGUSR2');
  if (done === undefined) {
    await sleep(200);
    return;
  }
  await waitUntil(() => existsSync(done), 60_000);
}

interface Responder {
  readonly daemon: Daemon;
  /** Where the CPU profile's done-marker appears (IKETS_BENCH_CPU_PROF), if profiled. */
  readonly profileDone?: string;
  /** IKE SAs the responder holds, undefined when it cannot tell. */
  heldSas(): Promise<number | undefined>;
  readonly logPath: string;
}

async function startResponder(o: RunOptions, lt: LoadTestOptions, dir: string): Promise<Responder> {
  if (o.responder === 'charon') {
    const daemon = startCharon(
      o.build,
      o.pair.b.ns,
      dir,
      responderStrongswanConf({ ...lt, expectedSas: o.setups, window: o.window }),
    );
    const uri = viciUri(dir);
    const stats = () => run(swanctlBin(o.build), ['--stats', '--uri', uri], { allowFailure: true });
    const ready = await waitUntil(async () => !daemon.running() || (await stats()).code === 0, 15_000);
    if (!ready || !daemon.running()) {
      await daemon.kill();
      throw new Error(`the charon responder did not start:\n${tail(join(dir, 'charon.log'))}`);
    }
    return {
      daemon,
      logPath: join(dir, 'charon.log'),
      async heldSas() {
        const m = /IKE_SAs: (\d+) total/.exec((await stats()).stdout);
        return m?.[1] === undefined ? undefined : Number(m[1]);
      },
    };
  }
  const config = join(dir, 'swanctl.conf');
  const control = join(dir, 'ikets.ctl');
  const logPath = join(dir, 'ikets.log');
  writeFileSync(config, iketsSwanctlConf(lt), { mode: 0o600 });
  const main = iketsMain();
  const profile = profileDir();
  const profileName = `ikets-${o.dh.name.toLowerCase().replace(/[^a-z0-9]/g, '')}-${++profiles}`;
  const preload = fileURLToPath(new URL('./profile-preload.js', import.meta.url));
  const [file, args] = inNamespace(o.pair.b.ns, process.execPath, [
    ...(profile === undefined ? [] : ['--import', pathToFileURL(preload).href]),
    main,
    'start',
    '--config',
    config,
    '--control',
    control,
    // No data plane: the SAs stay in ikets, as the charons keep theirs in the load-tester's fake kernel.
    '--dataplane',
    'none',
  ]);
  const env =
    profile === undefined
      ? process.env
      : { ...process.env, IKETS_BENCH_CPU_PROF: profile, IKETS_BENCH_CPU_PROF_NAME: profileName };
  const daemon = spawnDaemon(file, args, env, logPath);
  const ready = await waitUntil(
    () => !daemon.running() || tail(logPath, 50).includes('control socket'),
    15_000,
  );
  if (!ready || !daemon.running()) {
    await daemon.kill();
    throw new Error(`the ikets responder did not start:\n${tail(logPath)}`);
  }
  return {
    daemon,
    logPath,
    ...(profile === undefined ? {} : { profileDone: join(profile, `${profileName}.done`) }),
    async heldSas() {
      const r = await run(process.execPath, [main, 'list-sas', '--json', '--control', control], {
        allowFailure: true,
        timeoutMs: 60_000,
      });
      try {
        const listing = JSON.parse(r.stdout) as { ikeSas?: unknown };
        return Array.isArray(listing.ikeSas) ? listing.ikeSas.length : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Reads what was appended to a file since the last call. */
class FileFollower {
  private offset = 0;
  private readonly buffer = Buffer.alloc(1 << 16);
  constructor(private readonly path: string) {}
  read(): string {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return '';
    }
    try {
      let text = '';
      for (;;) {
        const n = readSync(fd, this.buffer, 0, this.buffer.length, this.offset);
        if (n <= 0) return text;
        this.offset += n;
        text += this.buffer.toString('latin1', 0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

async function xfrmStates(ns: string): Promise<number> {
  const r = await run('ip', ['-n', ns, 'xfrm', 'state', 'list'], { allowFailure: true });
  return r.stdout.split('\n').filter((l) => l.startsWith('src ')).length;
}

/** Waits until the process used no CPU for three polls in a row (at most 5 s). */
async function settle(pid: number): Promise<void> {
  let last = cpuTicks(pid);
  let quiet = 0;
  const deadline = Date.now() + 5000;
  while (quiet < 3 && Date.now() < deadline) {
    await sleep(100);
    const now = cpuTicks(pid);
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

export async function runOnce(o: RunOptions): Promise<RunResult> {
  const base = mkdtempSync(join(tmpdir(), `ikets-bench-vs-charon-${o.responder}-`));
  trackDir(base);
  const respDir = join(base, 'responder');
  const initDir = join(base, 'initiator');
  mkdirSync(respDir);
  mkdirSync(initDir);
  const lt = {
    initiatorAddress: o.pair.a.ipv4,
    responderAddress: o.pair.b.ipv4,
    dh: o.dh,
    ...(o.dpd === undefined ? {} : { dpd: o.dpd }),
  };
  let responder: Responder | undefined;
  let initiator: Daemon | undefined;
  try {
    responder = await startResponder(o, { ...lt, runDir: respDir }, respDir);
    const pid = responder.daemon.pid;
    await settle(pid);
    if (responder.profileDone !== undefined) await toggleProfile(responder);
    const cpu0 = cpuTicks(pid);
    const rss0 = rssKib(pid);

    initiator = startCharon(
      o.build,
      o.pair.a.ns,
      initDir,
      initiatorStrongswanConf({
        ...lt,
        runDir: initDir,
        setups: o.setups,
        threads: o.threads,
        window: o.window,
      }),
    );
    const log = new FileFollower(join(initDir, 'charon.log'));
    const progress = new LoadTestProgress();
    let lastChange = performance.now();
    let lastReport = performance.now();
    while (progress.established < o.setups) {
      await sleep(50);
      const now = performance.now();
      if (progress.feed(log.read())) lastChange = now;
      if (!initiator.running()) break;
      if (now - lastChange > o.stallMs) break;
      if (o.progress !== undefined && now - lastReport > 2000) {
        lastReport = now;
        o.progress(`${progress.established}/${o.setups}`);
      }
    }
    await settle(pid);
    const cpu1 = cpuTicks(pid);
    const rss1 = rssKib(pid);
    if (responder.profileDone !== undefined) await toggleProfile(responder, responder.profileDone);
    const held = await responder.heldSas();
    // Steady state (`--hold`): the SAs stay up, DPD (`--dpd`) runs on both sides; the responder's
    // CPU over the hold, from half a DPD period after the last setup (the `list-sas` above done).
    let holdCpuPerSecondMs: number | undefined;
    if (o.holdSeconds !== undefined && o.holdSeconds > 0) {
      await sleep(((o.dpd ?? 0) * 1000) / 2);
      const h0 = cpuTicks(pid);
      const t0 = performance.now();
      await sleep(o.holdSeconds * 1000);
      holdCpuPerSecondMs = (((cpuTicks(pid) - h0) / CLK_TCK) * 1e6) / (performance.now() - t0);
    }

    const notes: string[] = [];
    if (progress.established < o.setups) {
      notes.push(
        `${o.responder} ${o.dh.name}: ${progress.established} of ${o.setups} setups finished (initiator log:\n${tail(join(initDir, 'charon.log'), 5)}\nresponder log:\n${tail(responder.logPath, 5)})`,
      );
    }
    if (progress.established === 0) throw new Error(notes.join('\n'));
    for (const end of [o.pair.a, o.pair.b]) {
      const n = await xfrmStates(end.ns);
      if (n > 0) notes.push(`${o.responder} ${o.dh.name}: ${n} SAs reached the kernel in ${end.ns}`);
    }
    if (held === undefined)
      notes.push(`${o.responder} ${o.dh.name}: could not read the responder's SA count`);
    else if (held !== progress.established) {
      notes.push(
        `${o.responder} ${o.dh.name}: responder holds ${held} IKE SAs, initiator made ${progress.established}`,
      );
    }
    return {
      setups: progress.established,
      seconds: progress.seconds(),
      cpuSeconds: (cpu1 - cpu0) / CLK_TCK,
      rssDeltaKib: rss1 - rss0,
      heldSas: held ?? progress.established,
      notes,
      ...(holdCpuPerSecondMs === undefined ? {} : { holdCpuPerSecondMs }),
    };
  } finally {
    await initiator?.kill();
    await responder?.daemon.kill();
    // IKETS_BENCH_KEEP=1 keeps the configurations and logs of every run (their path goes to stderr).
    untrackDir(base);
    if (process.env.IKETS_BENCH_KEEP === '1') process.stderr.write(`  kept ${base}\n`);
    else rmSync(base, { recursive: true, force: true });
  }
}
