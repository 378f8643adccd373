import { cryptoSuites } from './crypto.js';
import { backendSuite, espSuites } from './esp.js';
import { floodSuites } from './flood.js';
import { floodNetnsReport } from './flood-netns.js';
import { handshakeSuites, udpHandshakeRows } from './handshake.js';
import { type BenchOptions, type BenchSuite, formatTable, runSuites } from './harness.js';
import { tunRows } from './tun.js';

// `npm run bench`: runs every suite and prints one table. Later issues add their suites here
// (e.g. full handshakes). Options: --filter <text>, --time <ms per measurement>.

const SUITES: readonly BenchSuite[] = [
  ...cryptoSuites,
  ...handshakeSuites,
  ...floodSuites,
  ...espSuites,
  await backendSuite(),
];

function parseArgs(argv: readonly string[]): BenchOptions {
  let timeMs = 700;
  let filter: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--time') timeMs = Number(argv[++i]);
    else if (arg === '--filter') filter = argv[++i];
  }
  if (!Number.isFinite(timeMs) || timeMs <= 0) throw new Error('--time needs a positive number of ms');
  return { timeMs, minIterations: 3, ...(filter === undefined ? {} : { filter }) };
}

const options = parseArgs(process.argv.slice(2));
const started = Date.now();
const rows = [
  ...runSuites(SUITES, options),
  ...(await udpHandshakeRows(options.timeMs * 2, options.filter)),
  ...(await tunRows(options.timeMs * 2, options.filter)),
];
console.log(formatTable(rows));
// Phase 1 times and RSS under a spoofed flood do not fit the rate table: printed as their own report.
const flood = await floodNetnsReport(options.filter);
if (flood !== undefined) console.log(`\n${flood}`);
console.log(
  `\n${rows.length} benchmarks in ${((Date.now() - started) / 1000).toFixed(1)} s (node ${process.version}, OpenSSL ${process.versions.openssl})`,
);
