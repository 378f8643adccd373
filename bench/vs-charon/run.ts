// One run of the side-by-side benchmark: a responder (charon or ikets) in namespace B, the
// load-tester charon in namespace A making `setups` Main Mode + Quick Mode setups against it, and
// the responder's CPU and RSS read from /proc around it (docs/benchmarks.md).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { charonCommand } from '../../test/interop/harness/charon.js';
import { trackDir, untrackDir } from '../../test/interop/harness/cleanup.js';
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
  WARMUP_INITIATOR_ID,
} from './config.js';
import { CLK_TCK, cpuTicks, type Daemon, FileFollower, rssKib, settle, spawnDaemon, tail } from './daemon.js';
import { LoadTestProgress } from './progress.js';
import { measuredSas, type RunFigures } from './stats.js';

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
  /**
   * `--warmup`: this many setups by other identities (WARMUP_INITIATOR_ID) from a load generator of
   * their own before the measured ones, on the same responder; 0 or absent: none.
   */
  readonly warmup?: number;
  /** Called with a short line now and then. */
  readonly progress?: (line: string) => void;
}

/**
 * The measured window's figures (after the warm-up with `warmup`: `heldSas` are then the SAs it
 * added, the responder holding `cold.heldSas` more).
 */
export interface RunResult extends RunFigures {
  /** Things worth a line under the table (SAs in the kernel, setups that did not finish). */
  readonly notes: readonly string[];
  /** With `holdSeconds`: the responder's CPU per second (ms) while it held the SAs. */
  readonly holdCpuPerSecondMs?: number;
  /** With `warmup`: the warm-up window's figures, a fresh responder's (cold). */
  readonly cold?: RunFigures;
}

function startCharon(build: StrongswanBuild, ns: string, dir: string, conf: string): Daemon {
  const confPath = join(dir, 'strongswan.conf');
  writeFileSync(confPath, conf);
  const [file, args] = charonCommand(ns, charonBin(build));
  return spawnDaemon(file, args, { ...process.env, STRONGSWAN_CONF: confPath }, join(dir, 'stderr.log'));
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
      responderStrongswanConf({ ...lt, expectedSas: (o.warmup ?? 0) + o.setups, window: o.window }),
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

async function xfrmStates(ns: string): Promise<number> {
  const r = await run('ip', ['-n', ns, 'xfrm', 'state', 'list'], { allowFailure: true });
  return r.stdout.split('\n').filter((l) => l.startsWith('src ')).length;
}

/** One load generator's setups against the responder, with the responder's CPU and RSS around them. */
interface Window {
  readonly initiator: Daemon;
  readonly progress: LoadTestProgress;
  readonly cpuTicks: number;
  readonly rssDeltaKib: number;
}

/**
 * Starts a load generator in `dir` making `setups` setups (by `initiatorId`'s identities), follows
 * its log until they are done (or it stalls or exits), waits for the responder to be idle and
 * reads the responder's CPU and RSS before and after. The load generator is left running.
 */
async function loadWindow(
  o: RunOptions,
  lt: Omit<LoadTestOptions, 'runDir'>,
  pid: number,
  dir: string,
  setups: number,
  initiatorId: string | undefined,
  label: string,
): Promise<Window> {
  const cpu0 = cpuTicks(pid);
  const rss0 = rssKib(pid);
  const initiator = startCharon(
    o.build,
    o.pair.a.ns,
    dir,
    initiatorStrongswanConf({
      ...lt,
      runDir: dir,
      setups,
      threads: o.threads,
      window: o.window,
      ...(initiatorId === undefined ? {} : { initiatorId }),
    }),
  );
  const log = new FileFollower(join(dir, 'charon.log'));
  const progress = new LoadTestProgress();
  let lastChange = performance.now();
  let lastReport = performance.now();
  while (progress.established < setups) {
    await sleep(50);
    const now = performance.now();
    if (progress.feed(log.read())) lastChange = now;
    if (!initiator.running()) break;
    if (now - lastChange > o.stallMs) break;
    if (o.progress !== undefined && now - lastReport > 2000) {
      lastReport = now;
      o.progress(`${label}${progress.established}/${setups}`);
    }
  }
  await settle(pid);
  return { initiator, progress, cpuTicks: cpuTicks(pid) - cpu0, rssDeltaKib: rssKib(pid) - rss0 };
}

function unfinished(o: RunOptions, what: string, w: Window, setups: number, dir: string, respLog: string) {
  return `${o.responder} ${o.dh.name}${what}: ${w.progress.established} of ${setups} setups finished (initiator log:\n${tail(join(dir, 'charon.log'), 5)}\nresponder log:\n${tail(respLog, 5)})`;
}

export async function runOnce(o: RunOptions): Promise<RunResult> {
  const base = mkdtempSync(join(tmpdir(), `ikets-bench-vs-charon-${o.responder}-`));
  trackDir(base);
  const respDir = join(base, 'responder');
  const initDir = join(base, 'initiator');
  const warmDir = join(base, 'warmup');
  mkdirSync(respDir);
  mkdirSync(initDir);
  const lt = {
    initiatorAddress: o.pair.a.ipv4,
    responderAddress: o.pair.b.ipv4,
    dh: o.dh,
    ...(o.dpd === undefined ? {} : { dpd: o.dpd }),
  };
  const warmup = o.warmup ?? 0;
  let responder: Responder | undefined;
  let warmWindow: Window | undefined;
  let initiator: Daemon | undefined;
  const notes: string[] = [];
  try {
    responder = await startResponder(o, { ...lt, runDir: respDir }, respDir);
    const pid = responder.daemon.pid;
    await settle(pid);

    // The warm-up (`--warmup`): its own load generator, other identities, the same responder. Its
    // window is what a run without warm-up measures (a fresh responder): the cold figures.
    let cold: RunFigures | undefined;
    let heldAfterWarmup: number | undefined = 0;
    if (warmup > 0) {
      mkdirSync(warmDir);
      warmWindow = await loadWindow(o, lt, pid, warmDir, warmup, WARMUP_INITIATOR_ID, 'warm-up ');
      const w = warmWindow;
      if (w.progress.established < warmup)
        notes.push(unfinished(o, ' warm-up', w, warmup, warmDir, responder.logPath));
      if (w.progress.established === 0) throw new Error(notes.join('\n'));
      // SIGKILL (no Deletes) and gone before the measured load generator binds the same port:
      // nothing of the warm-up's SAs is deleted or answered during the measured window.
      await w.initiator.kill();
      heldAfterWarmup = await responder.heldSas();
      const held = measuredSas({ atStart: 0, atEnd: heldAfterWarmup, setups: w.progress.established });
      if (held.note !== undefined) notes.push(`${o.responder} ${o.dh.name} warm-up: ${held.note}`);
      cold = {
        setups: w.progress.established,
        seconds: w.progress.seconds(),
        cpuSeconds: w.cpuTicks / CLK_TCK,
        rssDeltaKib: w.rssDeltaKib,
        heldSas: held.sas,
      };
      // The SA count above cost the responder CPU (ikets' listing, charon's vici): idle again first.
      await settle(pid);
    }

    if (responder.profileDone !== undefined) await toggleProfile(responder);
    const measured = await loadWindow(o, lt, pid, initDir, o.setups, undefined, warmup > 0 ? 'warm ' : '');
    initiator = measured.initiator;
    const progress = measured.progress;
    if (responder.profileDone !== undefined) await toggleProfile(responder, responder.profileDone);
    const held = measuredSas({
      atStart: heldAfterWarmup,
      atEnd: await responder.heldSas(),
      setups: progress.established,
    });
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

    if (progress.established < o.setups)
      notes.push(unfinished(o, '', measured, o.setups, initDir, responder.logPath));
    if (progress.established === 0) throw new Error(notes.join('\n'));
    for (const end of [o.pair.a, o.pair.b]) {
      const n = await xfrmStates(end.ns);
      if (n > 0) notes.push(`${o.responder} ${o.dh.name}: ${n} SAs reached the kernel in ${end.ns}`);
    }
    if (held.note !== undefined) notes.push(`${o.responder} ${o.dh.name}: ${held.note}`);
    return {
      setups: progress.established,
      seconds: progress.seconds(),
      cpuSeconds: measured.cpuTicks / CLK_TCK,
      rssDeltaKib: measured.rssDeltaKib,
      heldSas: held.sas,
      notes,
      ...(holdCpuPerSecondMs === undefined ? {} : { holdCpuPerSecondMs }),
      ...(cold === undefined ? {} : { cold }),
    };
  } finally {
    await warmWindow?.initiator.kill();
    await initiator?.kill();
    await responder?.daemon.kill();
    // IKETS_BENCH_KEEP=1 keeps the configurations and logs of every run (their path goes to stderr).
    untrackDir(base);
    if (process.env.IKETS_BENCH_KEEP === '1') process.stderr.write(`  kept ${base}\n`);
    else rmSync(base, { recursive: true, force: true });
  }
}
