// The arithmetic of the side-by-side benchmark, kept free of I/O so that test/bench/ can check it on
// fixed input: reading /proc/PID/stat and /proc/PID/status, min/median/max over repetitions, the
// ratio ikets/charon, and the table (docs/benchmarks.md, "Side by side with charon").

/** CPU time of a process from /proc/PID/stat: utime + stime of all its threads, in clock ticks. */
export function parseProcStatCpuTicks(stat: string): number {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields are counted
  // from the last ')'. After it come field 3 (state) onwards; utime and stime are fields 14 and 15
  // (proc(5)), that is the 12th and 13th after the ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/PID/stat line');
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime))
    throw new Error('no utime/stime in /proc/PID/stat');
  return utime + stime;
}

/** Resident set size from /proc/PID/status (`VmRSS:  12345 kB`), in KiB. */
export function parseVmRssKib(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (m?.[1] === undefined) throw new Error('no VmRSS in /proc/PID/status');
  return Number(m[1]);
}

/** What one responder did in one run. */
export interface RunFigures {
  /** Setups (Main Mode + Quick Mode) the initiator completed. */
  readonly setups: number;
  /** Wall time from the first initiation to the last setup, seconds. */
  readonly seconds: number;
  /** Responder CPU (utime + stime) over the run, seconds. */
  readonly cpuSeconds: number;
  /** Responder RSS after the run minus before it, KiB. */
  readonly rssDeltaKib: number;
  /** IKE SAs (each with its child SA) the responder held when RSS was read. */
  readonly heldSas: number;
}

/**
 * The IKE SAs a measured window added, the denominator of RSS per SA: those the responder holds at
 * its end minus those it held at its start (the warm-up's with `--warmup`, else 0); the setups when
 * a count could not be read. With a note when the end count is not start + setups (SAs lost or
 * dropped, e.g. by INITIAL-CONTACT) or could not be read.
 */
export function measuredSas(o: {
  readonly atStart: number | undefined;
  readonly atEnd: number | undefined;
  readonly setups: number;
}): { readonly sas: number; readonly note?: string } {
  if (o.atEnd === undefined) return { sas: o.setups, note: "could not read the responder's SA count" };
  if (o.atStart === undefined)
    return { sas: o.setups, note: "could not read the responder's SA count after the warm-up" };
  const sas = o.atEnd - o.atStart;
  if (sas === o.setups) return { sas };
  const made = o.atStart === 0 ? `${o.setups}` : `${o.setups} after the ${o.atStart} of the warm-up`;
  return { sas, note: `responder holds ${o.atEnd} IKE SAs, initiator made ${made}` };
}

export interface Derived {
  readonly setupsPerSecond: number;
  readonly cpuMsPerSetup: number;
  readonly rssKibPerSa: number;
}

export function derive(r: RunFigures): Derived {
  return {
    setupsPerSecond: r.seconds > 0 ? r.setups / r.seconds : Number.NaN,
    cpuMsPerSetup: r.setups > 0 ? (r.cpuSeconds * 1000) / r.setups : Number.NaN,
    rssKibPerSa: r.heldSas > 0 ? r.rssDeltaKib / r.heldSas : Number.NaN,
  };
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** Min, median (mean of the middle two for an even count) and max; NaN values are left out. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? (v[mid] ?? Number.NaN) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
  return { min: v[0] ?? Number.NaN, median, max: v[v.length - 1] ?? Number.NaN };
}

/** Three significant digits, thousands separated: 1,234 / 123 / 12.3 / 1.23 / 0.123. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x) || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/** `median [min-max]`, or just the value when all three are equal. */
export function formatSpread(s: Spread, unit = ''): string {
  const median = `${formatNumber(s.median)}${unit}`;
  if (Number.isNaN(s.median)) return '-';
  if (s.min === s.max) return median;
  return `${median} [${formatNumber(s.min)}-${formatNumber(s.max)}]`;
}

/** One scenario (a DH group) with its interleaved pairs of runs: pair i = (charon run i, ikets run i). */
export interface Scenario {
  /** E.g. `X25519`. */
  readonly name: string;
  readonly charon: readonly RunFigures[];
  readonly ikets: readonly RunFigures[];
}

interface Metric {
  readonly label: string;
  readonly unit: string;
  readonly pick: (d: Derived) => number;
}

const METRICS: readonly Metric[] = [
  { label: 'setups/s', unit: '', pick: (d) => d.setupsPerSecond },
  { label: 'responder CPU per setup', unit: ' ms', pick: (d) => d.cpuMsPerSetup },
  { label: 'RSS per IKE SA + child SA', unit: ' kB', pick: (d) => d.rssKibPerSa },
];

/** The rows of the table: `scenario: metric`, charon, ikets, ikets/charon (each median [min-max]). */
export function tableRows(scenarios: readonly Scenario[]): string[][] {
  const rows: string[][] = [];
  for (const s of scenarios) {
    const charon = s.charon.map(derive);
    const ikets = s.ikets.map(derive);
    for (const m of METRICS) {
      const c = charon.map(m.pick);
      const i = ikets.map(m.pick);
      // The ratio per pair (runs next to each other in time), then its spread: a busy spell of the
      // shared machine then weighs on both sides of a ratio alike.
      const pairs = Math.min(c.length, i.length);
      const ratios: number[] = [];
      for (let k = 0; k < pairs; k++) ratios.push((i[k] ?? Number.NaN) / (c[k] ?? Number.NaN));
      rows.push([
        `${s.name}: ${m.label}`,
        formatSpread(spread(c), m.unit),
        formatSpread(spread(i), m.unit),
        formatSpread(spread(ratios)),
      ]);
    }
  }
  return rows;
}

/** A Markdown table (numbers right-aligned). */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numericFrom = 2,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i >= numericFrom ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= numericFrom ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function formatComparison(scenarios: readonly Scenario[]): string {
  const pairs = Math.min(...scenarios.map((s) => Math.min(s.charon.length, s.ikets.length)));
  return markdownTable(
    [
      `scenario (median [min-max] of ${pairs} pair${pairs === 1 ? '' : 's'})`,
      'charon',
      'ikets',
      'ikets / charon',
    ],
    tableRows(scenarios),
    1,
  );
}
