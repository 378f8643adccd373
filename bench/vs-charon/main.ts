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
 *
 * IKETS_BENCH_CPU_PROF=DIR profiles each ikets responder over the measured window (run.ts).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createNetnsPair } from '../../test/interop/harness/netns.js';
import { DH_SCENARIOS, type DhScenario } from './config.js';
import { charonBin, type RunResult, runOnce, type StrongswanBuild } from './run.js';
import { formatComparison, type Scenario } from './stats.js';

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
}

type Responder = 'charon' | 'ikets';

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer`);
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
  return { setups, pairs, dh: scenarios, threads, window, json, responders, dpd, hold };
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
            progress: (line) => process.stderr.write(`  ${label}: ${line}\n`),
          });
          results.get(dh.name)?.[responder].push(r);
          notes.push(...r.notes);
          process.stderr.write(
            `${label}: ${r.setups} setups in ${r.seconds.toFixed(2)} s, responder CPU ${r.cpuSeconds.toFixed(2)} s, RSS +${r.rssDeltaKib} kB for ${r.heldSas} SAs${r.holdCpuPerSecondMs === undefined ? '' : `; held ${o.hold} s: ${r.holdCpuPerSecondMs.toFixed(1)} ms CPU/s`}\n`,
          );
        }
      }
    }
  } finally {
    await pair.destroy();
  }
  const scenarios: Scenario[] = o.dh.map((dh) => ({
    name: dh.name,
    charon: results.get(dh.name)?.charon ?? [],
    ikets: results.get(dh.name)?.ikets ?? [],
  }));
  console.log(formatComparison(scenarios));
  console.log(
    `\n${o.setups} IKEv1 Main Mode + Quick Mode PSK setups per run (load-tester: ${o.threads} threads, at most ${o.window} in phase 1), ` +
      `${o.pairs} interleaved pair${o.pairs === 1 ? '' : 's'} per group; responders with fake kernels (charon: load-tester fake_kernel, ikets: --dataplane none).\n` +
      `${started.toISOString()}, load average ${loadBefore} before, ${load()} after; node ${process.version}; ${charonBin(build)}.`,
  );
  for (const n of notes) console.log(`note: ${n}`);
  if (o.json)
    console.log(JSON.stringify({ options: { ...o, dh: o.dh.map((d) => d.name) }, scenarios }, null, 2));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await vsCharonMain(process.argv.slice(2));
}
