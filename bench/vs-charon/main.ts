/**
 * `npm run bench:charon` (or `npm run bench -- --vs-charon`): ikets and charon as responders to
 * the same load generator, strongSwan's load-tester plugin, side by side (docs/benchmarks.md,
 * "Side by side with charon"). Needs root. Builds strongSwan with the load-tester once
 * (bench/vs-charon/build-strongswan.sh, cached outside the repository).
 *
 *   --setups N       setups (Main Mode + Quick Mode, PSK) per run (default 2000)
 *   --pairs P        interleaved pairs of runs (charon, ikets) per DH group (default 3)
 *   --dh LIST        x25519,modp2048 (default both)
 *   --threads T      load-tester initiator threads (default 2)
 *   --window W       at most W IKE SAs in phase 1 at a time (default 32)
 *   --responders L   charon,ikets (default both; `ikets` alone for profiling runs)
 *   --json           the figures of every run as JSON after the table
 *   --dpd S          dpd_delay of both sides (the load-tester's and the responder's)
 *   --hold S         then hold the SAs S seconds: the responder's CPU per second (steady state)
 *   --warmup N       first N setups by other identities against the same responder (default 0):
 *                    the table of the measured setups on the warmed responder (warm), then the
 *                    warm-up's own (cold, a fresh process's)
 *
 * IKETS_BENCH_CPU_PROF=DIR profiles each ikets responder over the measured window (run.ts).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createNetnsPair } from '../../test/interop/harness/netns.js';
import { DH_SCENARIOS, type DhScenario } from './config.js';
import { charonBin, type RunResult, runOnce, type StrongswanBuild } from './run.js';
import { formatComparison, type RunFigures, type Scenario } from './stats.js';

interface Options {
  readonly setups: number;
  readonly pairs: number;
  readonly dh: readonly DhScenario[];
  readonly threads: number;
  readonly window: number;
  readonly json: boolean;
  readonly responders: readonly Responder[];
  /** dpd_delay (s) of both sides, and seconds to hold the SAs after the setups (steady-state CPU). */
  readonly dpd: number | undefined;
  readonly hold: number | undefined;
  /** Setups by other identities before the measured ones, on the same responder (0: none). */
  readonly warmup: number;
}

type Responder = 'charon' | 'ikets';

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer`);
  return n;
}
function nonNegative(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isInteger(n) || n < 0)
    throw new Error(`${name} needs a non-negative integer`);
  return n;
}

export function parseVsCharonArgs(argv: readonly string[]): Options {
  let setups = 2000;
  let pairs = 3;
  let threads = 2;
  let window = 32;
  let json = false;
  let dpd: number | undefined;
  let hold: number | undefined;
  let warmup = 0;
  let dh = ['x25519', 'modp2048'];
  let responders: Responder[] = ['charon', 'ikets'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--setups') setups = positive(arg, argv[++i]);
    else if (arg === '--pairs') pairs = positive(arg, argv[++i]);
    else if (arg === '--threads') threads = positive(arg, argv[++i]);
    else if (arg === '--window') window = positive(arg, argv[++i]);
    else if (arg === '--json') json = true;
    else if (arg === '--dpd') dpd = positive(arg, argv[++i]);
    else if (arg === '--hold') hold = positive(arg, argv[++i]);
    else if (arg === '--warmup') warmup = nonNegative(arg, argv[++i]);
    else if (arg === '--dh') dh = (argv[++i] ?? '').split(',');
    else if (arg === '--responders') {
      const list = (argv[++i] ?? '').split(',');
      if (list.some((r) => r !== 'charon' && r !== 'ikets'))
        throw new Error('--responders: a list of charon and ikets');
      responders = (['charon', 'ikets'] as const).filter((r) => list.includes(r));
    } else throw new Error(`unknown option ${arg}`);
  }
  const scenarios = dh.map((d) => {
    const s = DH_SCENARIOS[d];
    if (s === undefined)
      throw new Error(`--dh: unknown group ${d} (${Object.keys(DH_SCENARIOS).join(', ')})`);
    return s;
  });
  // The warm-up's load generator is killed (SIGKILL) before the measured one starts: with DPD the
  // responder would probe its SAs, find them dead and delete them during the measured window.
  if (warmup > 0 && dpd !== undefined)
    throw new Error('--warmup with --dpd: the warm-up SAs would be dead peers to DPD in the measured window');
  return { setups, pairs, dh: scenarios, threads, window, json, responders, dpd, hold, warmup };
}

/** A table: its heading (none without `--warmup`) and its scenarios. */
export interface Section {
  readonly title: string | undefined;
  readonly scenarios: readonly Scenario[];
}

/**
 * The tables: without warm-up one, of fresh responders; with it the measured setups on the warmed
 * responders (warm), then the warm-up's own setups (cold: what a fresh process pays).
 */
export function comparisonSections(
  o: Pick<Options, 'setups' | 'warmup'>,
  dh: readonly DhScenario[],
  results: ReadonlyMap<
    string,
    { readonly charon: readonly RunResult[]; readonly ikets: readonly RunResult[] }
  >,
): Section[] {
  const scenarios = (pick: (r: RunResult) => RunFigures | undefined): Scenario[] =>
    dh.map((d) => {
      const figures = (runs: readonly RunResult[] | undefined) =>
        (runs ?? []).map(pick).filter((f): f is RunFigures => f !== undefined);
      const r = results.get(d.name);
      return { name: d.name, charon: figures(r?.charon), ikets: figures(r?.ikets) };
    });
  if (o.warmup === 0) return [{ title: undefined, scenarios: scenarios((r) => r) }];
  return [
    {
      title: `Warm: ${o.setups} setups on a responder that made ${o.warmup} setups (other identities) before them`,
      scenarios: scenarios((r) => r),
    },
    {
      title: `Cold: the ${o.warmup} warm-up setups, on a fresh responder process (what a run without --warmup measures)`,
      scenarios: scenarios((r) => r.cold),
    },
  ];
}

/** Runs build-strongswan.sh (a no-op once built); its stdout is the prefix. */
function ensureStrongswan(): StrongswanBuild {
  const script = fileURLToPath(new URL('../../../bench/vs-charon/build-strongswan.sh', import.meta.url));
  const r = spawnSync('sh', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed`);
  const prefix = r.stdout.trim().split('\n').pop() ?? '';
  return { prefix };
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

export async function vsCharonMain(argv: readonly string[]): Promise<number> {
  const o = parseVsCharonArgs(argv);
  if (process.getuid?.() !== 0) {
    console.error('the side-by-side benchmark needs root (network namespaces)');
    return 1;
  }
  const build = ensureStrongswan();
  const pair = await createNetnsPair({ ipv4A: '10.232.0.1', ipv4B: '10.232.0.2' });
  const started = new Date();
  const loadBefore = load();
  const results = new Map<string, { charon: RunResult[]; ikets: RunResult[] }>();
  for (const dh of o.dh) results.set(dh.name, { charon: [], ikets: [] });
  const notes: string[] = [];
  try {
    // Interleaved: pair by pair, group by group, charon then ikets, so that a busy spell of the
    // shared machine falls on both.
    for (let p = 1; p <= o.pairs; p++) {
      for (const dh of o.dh) {
        for (const responder of o.responders) {
          const label = `pair ${p}/${o.pairs} ${dh.name} ${responder}`;
          const r = await runOnce({
            responder,
            build,
            pair,
            dh,
            setups: o.setups,
            threads: o.threads,
            window: o.window,
            stallMs: 30_000,
            ...(o.dpd === undefined ? {} : { dpd: o.dpd }),
            ...(o.hold === undefined ? {} : { holdSeconds: o.hold }),
            warmup: o.warmup,
            progress: (line) => process.stderr.write(`  ${label}: ${line}\n`),
          });
          results.get(dh.name)?.[responder].push(r);
          notes.push(...r.notes);
          const c = r.cold;
          if (c !== undefined)
            process.stderr.write(
              `${label}: warm-up ${c.setups} setups in ${c.seconds.toFixed(2)} s, responder CPU ${c.cpuSeconds.toFixed(2)} s, RSS +${c.rssDeltaKib} kB for ${c.heldSas} SAs\n`,
            );
          process.stderr.write(
            `${label}: ${r.setups} setups in ${r.seconds.toFixed(2)} s, responder CPU ${r.cpuSeconds.toFixed(2)} s, RSS +${r.rssDeltaKib} kB for ${r.heldSas} SAs${r.holdCpuPerSecondMs === undefined ? '' : `; held ${o.hold} s: ${r.holdCpuPerSecondMs.toFixed(1)} ms CPU/s`}\n`,
          );
        }
      }
    }
  } finally {
    await pair.destroy();
  }
  const sections = comparisonSections(o, o.dh, results);
  console.log(
    sections
      .map((s) => `${s.title === undefined ? '' : `${s.title}\n\n`}${formatComparison(s.scenarios)}`)
      .join('\n\n'),
  );
  const warm =
    o.warmup === 0
      ? ''
      : `, each after ${o.warmup} warm-up setups (identities w<n>-r1.strongswan.org, the measured ones c<n>-r1) from a load generator of their own, killed (SIGKILL) before the measured one starts`;
  console.log(
    `\n${o.setups} IKEv1 Main Mode + Quick Mode PSK setups per run${warm} (load-tester: ${o.threads} threads, at most ${o.window} in phase 1), ` +
      `${o.pairs} interleaved pair${o.pairs === 1 ? '' : 's'} per group; responders with fake kernels (charon: load-tester fake_kernel, ikets: --dataplane none).\n` +
      `${started.toISOString()}, load average ${loadBefore} before, ${load()} after; node ${process.version}; ${charonBin(build)}.`,
  );
  for (const n of notes) console.log(`note: ${n}`);
  if (o.json) {
    const scenarios = sections[0]?.scenarios ?? [];
    console.log(JSON.stringify({ options: { ...o, dh: o.dh.map((d) => d.name) }, scenarios }, null, 2));
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await vsCharonMain(process.argv.slice(2));
}
