/**
 * The end of a load run as figures (`--json` prints this object) and as text, and the progress
 * line shown while it runs.
 */
import type { LoadGenerator, LoadProgress } from './generator.js';
import type { LoadPlan } from './plan.js';
import type { FailureCount, LatencySummary } from './stats.js';

export interface LoadSummary {
  readonly connection: string;
  readonly exchange: 'main' | 'aggressive';
  /** The child each setup negotiated; null: phase 1 only. */
  readonly child: string | null;
  readonly remote: string;
  readonly count: number | null;
  readonly concurrency: number;
  readonly rate: number | null;
  readonly durationSeconds: number | null;
  readonly deleteAfterSetup: boolean;
  /** Distinct identities (a `%d` pattern) or one for all. */
  readonly identities: 'distinct' | 'one';
  /** Source address and port pairs the setups were spread over. */
  readonly sources: number;
  readonly started: number;
  readonly established: number;
  readonly failed: number;
  /** From the first start to the last setup counted. */
  readonly elapsedSeconds: number;
  readonly setupsPerSecond: number;
  /** Setup latency (first message sent to SA up), ms; null when none came up. */
  readonly latencyMs: LatencySummary | null;
  readonly retransmissions: number;
  readonly failures: readonly FailureCount[];
  /** SAs of counted setups the peer deleted or replaced before the end. */
  readonly droppedAfterSetup: number;
  /** This process's CPU time over the run (process.cpuUsage), and per established setup. */
  readonly cpu: { readonly userMs: number; readonly systemMs: number; readonly perSetupMs: number | null };
}

export interface RunFacts {
  readonly count: number | undefined;
  readonly concurrency: number;
  readonly rate: number | undefined;
  readonly durationMs: number | undefined;
  readonly deleteAfterSetup: boolean;
  readonly cpu: NodeJS.CpuUsage;
}

export function summarize(generator: LoadGenerator, plan: LoadPlan, facts: RunFacts): LoadSummary {
  const elapsedMs = Math.max(0, generator.lastDoneAt - generator.startedAt);
  const established = generator.established;
  const cpuMs = (facts.cpu.user + facts.cpu.system) / 1000;
  return {
    connection: plan.template.name,
    exchange: plan.template.aggressive ? 'aggressive' : 'main',
    child: plan.child ?? null,
    remote: `${plan.remote.address}:${plan.remote.port}`,
    count: facts.count ?? null,
    concurrency: facts.concurrency,
    rate: facts.rate ?? null,
    durationSeconds: facts.durationMs === undefined ? null : facts.durationMs / 1000,
    deleteAfterSetup: facts.deleteAfterSetup,
    identities: plan.identityPattern === undefined ? 'one' : 'distinct',
    sources: plan.sources.length,
    started: generator.started,
    established,
    failed: generator.failures.total,
    elapsedSeconds: round(elapsedMs / 1000, 3),
    setupsPerSecond: elapsedMs > 0 ? round((established * 1000) / elapsedMs, 1) : 0,
    latencyMs: roundLatency(generator.latencies.summary()),
    retransmissions: generator.retransmissions,
    failures: generator.failures.list(),
    droppedAfterSetup: generator.droppedAfterSetup,
    cpu: {
      userMs: round(facts.cpu.user / 1000, 1),
      systemMs: round(facts.cpu.system / 1000, 1),
      perSetupMs: established > 0 ? round(cpuMs / established, 3) : null,
    },
  };
}

export function formatSummary(s: LoadSummary): string {
  const mode = s.exchange === 'main' ? 'Main Mode' : 'Aggressive Mode';
  const what = s.child === null ? mode : `${mode} + Quick Mode '${s.child}'`;
  const l = s.latencyMs;
  const lines = [
    `ikets load: '${s.connection}' to ${s.remote}, ${what}, concurrency ${s.concurrency}${s.rate === null ? '' : `, rate ${s.rate}/s`}`,
    `  established      ${s.established} of ${s.started} started, ${s.failed} failed, in ${s.elapsedSeconds.toFixed(2)} s: ${s.setupsPerSecond} setups/s`,
    l === null
      ? '  latency          -'
      : `  latency          p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)} (min ${ms(l.min)}, mean ${ms(l.mean)}, max ${ms(l.max)})`,
    `  retransmissions  ${s.retransmissions}`,
    `  CPU              ${s.cpu.perSetupMs === null ? '-' : `${s.cpu.perSetupMs.toFixed(3)} ms`} per setup (this process: user ${s.cpu.userMs} ms, system ${s.cpu.systemMs} ms)`,
    `  identities       ${s.identities}, ${s.sources} source address/port pair${s.sources === 1 ? '' : 's'}; SAs ${s.deleteAfterSetup ? 'deleted once counted' : 'kept until the end'}`,
  ];
  if (s.droppedAfterSetup > 0)
    lines.push(`  dropped          ${s.droppedAfterSetup} SA(s) deleted or replaced by the peer after setup`);
  if (s.failures.length === 0) lines.push('  failures         none');
  else {
    lines.push('  failures');
    for (const f of s.failures)
      lines.push(
        `    ${`${f.reason}${f.notify === undefined ? '' : ` ${f.notify}`}`.padEnd(36)} ${String(f.count).padStart(7)}  e.g. ${f.example}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function formatProgress(p: LoadProgress, count: number | undefined): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? (p.established / seconds).toFixed(1) : '0.0';
  return [
    `${seconds.toFixed(1)} s`,
    `${p.started}${count === undefined ? '' : `/${count}`} started`,
    `${p.established} up`,
    `${p.failed} failed`,
    `${p.inFlight} in flight`,
    `${rate} setups/s`,
    `p50 ${p.recentP50 === undefined ? '-' : ms(p.recentP50)}`,
    `${p.retransmissions} retransmissions`,
  ].join(', ');
}

function ms(v: number): string {
  return `${v.toFixed(1)} ms`;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function roundLatency(l: LatencySummary | undefined): LatencySummary | null {
  if (l === undefined) return null;
  return {
    min: round(l.min, 2),
    mean: round(l.mean, 2),
    p50: round(l.p50, 2),
    p95: round(l.p95, 2),
    p99: round(l.p99, 2),
    max: round(l.max, 2),
  };
}
