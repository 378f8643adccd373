import { cryptoSuites } from './crypto.js';
import { dataplaneThroughput } from './dataplane-throughput.js';
import { backendSuite, espSuites } from './esp.js';
import { floodSuites } from './flood.js';
import { floodNetnsReport } from './flood-netns.js';
import { handshakeSuites, udpHandshakeRows } from './handshake.js';
import { type BenchOptions, type BenchSuite, formatTable, runSuites } from './harness.js';
import { kernelInstallRows } from './kernel.js';
import { pkePaddingReport } from './pke-padding-timing.js';
import { rsaDecryptSuite } from './rsa-decrypt.js';
import { tunRows } from './tun.js';

// `npm run bench`: runs every suite and prints one table. Later issues add their suites here
// (e.g. full handshakes). Options: --filter <text>, --time <ms per measurement>; for the data plane
// throughput part (filter `throughput`, docs/benchmarks.md): --rounds N, --seconds S per iperf3 run,
// --esp PROPOSAL; IKETS_BENCH_CPU_PROF=DIR profiles the ikets daemons, IKETS_BENCH_IKETS=PATH runs
// another build of the ikets CLI (before/after comparisons).

// `npm run bench -- --vs-charon [options]`: the side-by-side run against charon instead of the suites
// (the same as `npm run bench:charon`; bench/vs-charon/main.ts, docs/benchmarks.md).
if (process.argv.includes('--vs-charon')) {
  const { vsCharonMain } = await import('./vs-charon/main.js');
  process.exit(await vsCharonMain(process.argv.slice(2).filter((a) => a !== '--vs-charon')));
}

const SUITES: readonly BenchSuite[] = [
  ...cryptoSuites,
  rsaDecryptSuite,
  ...handshakeSuites,
  ...floodSuites,
  ...espSuites,
  await backendSuite(),
];

interface MainOptions extends BenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly esp: string;
}

function parseArgs(argv: readonly string[]): MainOptions {
  let timeMs = 700;
  let filter: string | undefined;
  let rounds = 3;
  let seconds = 2;
  let esp = 'aes128gcm16';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--time') timeMs = Number(argv[++i]);
    else if (arg === '--filter') filter = argv[++i];
    else if (arg === '--rounds') rounds = Number(argv[++i]);
    else if (arg === '--seconds') seconds = Number(argv[++i]);
    else if (arg === '--esp') esp = argv[++i] ?? esp;
  }
  if (!Number.isFinite(timeMs) || timeMs <= 0) throw new Error('--time needs a positive number of ms');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error('--seconds needs a positive integer');
  return { timeMs, minIterations: 3, rounds, seconds, esp, ...(filter === undefined ? {} : { filter }) };
}

const options = parseArgs(process.argv.slice(2));
const started = Date.now();
const rows = [
  ...runSuites(SUITES, options),
  ...(await udpHandshakeRows(options.timeMs * 2, options.filter)),
  ...(await tunRows(options.timeMs * 2, options.filter)),
  ...(await kernelInstallRows(options.filter)),
];
if (rows.length > 0) console.log(formatTable(rows));
if (options.filter === undefined || 'throughput'.includes(options.filter)) {
  const profileDir = process.env.IKETS_BENCH_CPU_PROF;
  const report = await dataplaneThroughput({
    rounds: options.rounds,
    seconds: options.seconds,
    esp: options.esp,
    ...(profileDir === undefined || profileDir === '' ? {} : { cpuProfileDir: profileDir }),
  });
  if (report !== undefined) console.log(`\n${report}`);
}
// Phase 1 times and RSS under a spoofed flood do not fit the rate table: printed as their own report.
// SKEME's padding check seen from the peer: medians and Welch t, its own report too.
const pke = pkePaddingReport(options.filter);
if (pke !== undefined) console.log(`\n${pke}`);
const flood = await floodNetnsReport(options.filter);
if (flood !== undefined) console.log(`\n${flood}`);
console.log(
  `\n${rows.length} benchmarks in ${((Date.now() - started) / 1000).toFixed(1)} s (node ${process.version}, OpenSSL ${process.versions.openssl})`,
);
