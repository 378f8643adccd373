import { performance } from 'node:perf_hooks';

// A small benchmark harness: named cases, each timed for a fixed time box, optionally beside a
// baseline measured in the same run (e.g. plain node:crypto), printed as one table.

export interface BenchCase {
  /** Shown in the table, e.g. `DH modp2048 keygen`. */
  readonly name: string;
  /** What ikets does. */
  readonly ikets: () => unknown;
  /** The same work done the plain way, measured in the same run. */
  readonly baseline?: () => unknown;
  /** A unit for the rate column when it is not "op", e.g. `MB` (then `bytes` per call is required). */
  readonly bytes?: number;
}

export interface BenchSuite {
  readonly name: string;
  readonly cases: () => BenchCase[];
}

export interface Measurement {
  readonly iterations: number;
  readonly seconds: number;
  /** Operations (or MB, if the case moves bytes) per second. */
  readonly rate: number;
}

export interface BenchOptions {
  /** Time box per measurement in milliseconds. */
  readonly timeMs: number;
  /** At least this many iterations, whatever the time box. */
  readonly minIterations: number;
  /** Only cases whose name contains this text. */
  readonly filter?: string;
}

export function measure(fn: () => unknown, options: BenchOptions, bytes?: number): Measurement {
  fn(); // warm-up (lazy set-up, JIT)
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < options.timeMs || iterations < options.minIterations) {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  }
  const seconds = elapsed / 1000;
  const rate = bytes === undefined ? iterations / seconds : (iterations * bytes) / 1e6 / seconds;
  return { iterations, seconds, rate };
}

const ROUNDS = 3;

function best(a: Measurement | undefined, b: Measurement): Measurement {
  return a === undefined || b.rate > a.rate ? b : a;
}

export interface Row {
  readonly suite: string;
  readonly name: string;
  readonly unit: string;
  readonly ikets: Measurement;
  readonly baseline?: Measurement;
}

export function runSuites(suites: readonly BenchSuite[], options: BenchOptions): Row[] {
  const rows: Row[] = [];
  for (const suite of suites) {
    for (const c of suite.cases()) {
      if (options.filter !== undefined && !`${suite.name} ${c.name}`.includes(options.filter)) continue;
      // Interleaved rounds, best of each: the machine is shared, so a slow spell should not land on
      // one side of a comparison only.
      const round = { ...options, timeMs: options.timeMs / ROUNDS };
      let ikets: Measurement | undefined;
      let baseline: Measurement | undefined;
      for (let r = 0; r < ROUNDS; r++) {
        ikets = best(ikets, measure(c.ikets, round, c.bytes));
        if (c.baseline !== undefined) baseline = best(baseline, measure(c.baseline, round, c.bytes));
      }
      if (ikets === undefined) continue;
      const row: Row = {
        suite: suite.name,
        name: c.name,
        unit: c.bytes === undefined ? 'op/s' : 'MB/s',
        ikets,
      };
      rows.push(baseline === undefined ? row : { ...row, baseline });
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  return rows;
}

function fmt(rate: number): string {
  if (rate >= 100) return Math.round(rate).toLocaleString('en-US');
  if (rate >= 10) return rate.toFixed(1);
  return rate.toFixed(2);
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['suite', 'benchmark', 'unit', 'ikets', 'node:crypto baseline', 'ikets / baseline'];
  const body = rows.map((r) => [
    r.suite,
    r.name,
    r.unit,
    fmt(r.ikets.rate),
    r.baseline === undefined ? '-' : fmt(r.baseline.rate),
    r.baseline === undefined ? '-' : `${(r.ikets.rate / r.baseline.rate).toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
