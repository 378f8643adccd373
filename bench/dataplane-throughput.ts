/**
 * Throughput and packets/s through ikets' userspace data plane beside strongSwan's charon with
 * kernel-libipsec, in one run (issue 7, docs/benchmarks.md). Three setups, each two namespaces with
 * a subnet host behind each side and a tunnel between them (bench/dataplane-setup.ts):
 *
 *   charon <-> charon   charon's libipsec on both sides: the reference
 *   ikets  <-> charon   ikets' userspace data plane on side A
 *   ikets  <-> ikets    ikets on both sides
 *
 * iperf3 between the subnet hosts: TCP A -> B and B -> A, and UDP with 64-byte datagrams at an
 * unlimited rate (received packets/s and loss). Rounds interleave the setups so that the load of the
 * shared machine falls on all of them alike; each figure is the median of the rounds with min-max.
 * The CPU time of each daemon (/proc/PID/stat) during the transfers gives CPU per MB and per packet.
 * Needs root, charon with kernel-libipsec, iperf3 and /dev/net/tun; otherwise one line says why.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { ensureTools, run, which } from '../test/interop/harness/index.js';
import {
  cpuSeconds,
  createSetup,
  type DaemonKind,
  IPERF_PORT,
  type Setup,
  SUBNET_A,
  SUBNET_B,
} from './dataplane-setup.js';

export interface ThroughputOptions {
  /** Rounds over all setups (default 3). */
  readonly rounds: number;
  /** Seconds per iperf3 run (default 2). */
  readonly seconds: number;
  readonly esp: string;
  readonly cpuProfileDir?: string;
}

const SETUPS: readonly { name: string; kinds: readonly [DaemonKind, DaemonKind] }[] = [
  { name: 'charon <-> charon', kinds: ['charon', 'charon'] },
  { name: 'ikets <-> charon', kinds: ['ikets', 'charon'] },
  { name: 'ikets <-> ikets', kinds: ['ikets', 'ikets'] },
];

type Test = 'tcp-ab' | 'tcp-ba' | 'udp64';
const TESTS: readonly Test[] = ['tcp-ab', 'tcp-ba', 'udp64'];

interface Sample {
  /** Mbit/s received (TCP) or packets/s received (UDP). */
  readonly rate: number;
  /** MB received (TCP) or packets received (UDP). */
  readonly amount: number;
  readonly lossPercent: number;
  /** TCP segments the sender retransmitted (loss inside the tunnel path). */
  readonly retransmits: number;
  /** CPU seconds of daemon A and B during the run. */
  readonly cpuA: number;
  readonly cpuB: number;
}

/** Why the benchmark cannot run here, or undefined. */
export function throughputSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'data plane throughput: Linux only';
  const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);
  if (!tools.ok) return `data plane throughput skipped: ${tools.reason}`;
  if (which('iperf3') === undefined)
    return 'data plane throughput skipped: iperf3 is missing (apt-get install iperf3)';
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return 'data plane throughput skipped: no /dev/net/tun';
  }
  return undefined;
}

interface IperfEnd {
  readonly end?: {
    readonly sum_received?: { readonly bytes: number; readonly seconds: number };
    readonly sum_sent?: { readonly retransmits?: number };
    readonly sum?: {
      readonly packets?: number;
      readonly lost_packets?: number;
      readonly seconds: number;
    };
  };
  readonly error?: string;
}

async function iperf(setup: Setup, test: Test, seconds: number): Promise<Sample> {
  const args = ['-c', SUBNET_B, '-B', SUBNET_A, '-p', String(IPERF_PORT), '-t', String(seconds), '-J'];
  if (test === 'tcp-ba') args.push('-R');
  if (test === 'udp64') args.push('-u', '-l', '64', '-b', '0');
  const before = [cpuSeconds(setup.a.pid), cpuSeconds(setup.b.pid)];
  const r = await run('ip', ['netns', 'exec', setup.pair.a.ns, 'iperf3', ...args], {
    allowFailure: true,
    timeoutMs: (seconds + 15) * 1000,
  });
  const cpuA = cpuSeconds(setup.a.pid) - (before[0] ?? 0);
  const cpuB = cpuSeconds(setup.b.pid) - (before[1] ?? 0);
  let parsed: IperfEnd;
  try {
    parsed = JSON.parse(r.stdout) as IperfEnd;
  } catch {
    throw new Error(`${setup.name} ${test}: iperf3 gave no JSON (${r.code}): ${r.stderr}${r.stdout}`);
  }
  if (parsed.error !== undefined) throw new Error(`${setup.name} ${test}: iperf3: ${parsed.error}`);
  if (test === 'udp64') {
    const sum = parsed.end?.sum;
    const packets = sum?.packets ?? 0;
    const received = packets - (sum?.lost_packets ?? 0);
    const secs = sum?.seconds ?? seconds;
    return {
      rate: received / secs,
      amount: received,
      lossPercent: packets === 0 ? 100 : (100 * (packets - received)) / packets,
      retransmits: 0,
      cpuA,
      cpuB,
    };
  }
  const got = parsed.end?.sum_received;
  const bytes = got?.bytes ?? 0;
  return {
    rate: (bytes * 8) / 1e6 / (got?.seconds ?? seconds),
    amount: bytes / 1e6,
    lossPercent: 0,
    retransmits: parsed.end?.sum_sent?.retransmits ?? 0,
    cpuA,
    cpuB,
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function spread(samples: readonly Sample[], digits = 0): string {
  const rates = samples.map((s) => s.rate);
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
  return `${f(median(rates))} [${f(Math.min(...rates))}-${f(Math.max(...rates))}]`;
}

/** Sums of CPU over amount: ms per MB (TCP) or microseconds per packet (UDP). */
function cpuPer(samples: readonly Sample[], side: 'cpuA' | 'cpuB', scale: number): string {
  const amount = samples.reduce((n, s) => n + s.amount, 0);
  const cpu = samples.reduce((n, s) => n + s[side], 0);
  return amount === 0 ? '-' : ((cpu / amount) * scale).toFixed(1);
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Runs the benchmark and returns its report (tables and ratios), or undefined when skipped. */
export async function dataplaneThroughput(options: ThroughputOptions): Promise<string | undefined> {
  const reason = throughputSkipReason();
  if (reason !== undefined) {
    process.stderr.write(`${reason}\n`);
    return undefined;
  }
  const started = Date.now();
  const loadBefore = loadAverage();
  const setups: Setup[] = [];
  const samples = new Map<string, Sample[]>();
  try {
    for (const s of SETUPS) {
      setups.push(
        await createSetup(s.name, s.kinds, {
          esp: options.esp,
          ...(options.cpuProfileDir === undefined ? {} : { cpuProfileDir: options.cpuProfileDir }),
        }),
      );
    }
    for (let round = 0; round < options.rounds; round++) {
      // Each round starts with another setup, so none is always the first after a pause.
      const order = setups.map((_, i) => setups[(i + round) % setups.length] as Setup);
      for (const test of TESTS) {
        for (const setup of order) {
          const key = `${setup.name}/${test}`;
          samples.set(key, [...(samples.get(key) ?? []), await iperf(setup, test, options.seconds)]);
          process.stderr.write('.');
        }
      }
    }
  } finally {
    for (const setup of setups) await setup.destroy();
  }
  process.stderr.write('\n');
  const get = (name: string, test: Test) => samples.get(`${name}/${test}`) ?? [];
  const header = [
    'setup (A <-> B)',
    'TCP A->B Mbit/s',
    'TCP B->A Mbit/s',
    'TCP retr/MB',
    'UDP 64 B pkt/s received',
    'UDP loss %',
    'CPU A ms/MB',
    'CPU B ms/MB',
    'CPU A us/pkt',
    'CPU B us/pkt',
  ];
  const rows = SETUPS.map(({ name }) => {
    const tcp = [...get(name, 'tcp-ab'), ...get(name, 'tcp-ba')];
    const udp = get(name, 'udp64');
    return [
      name,
      spread(get(name, 'tcp-ab')),
      spread(get(name, 'tcp-ba')),
      (
        tcp.reduce((n, s) => n + s.retransmits, 0) /
        Math.max(
          1e-9,
          tcp.reduce((n, s) => n + s.amount, 0),
        )
      ).toFixed(1),
      spread(udp),
      median(udp.map((s) => s.lossPercent)).toFixed(0),
      cpuPer(tcp, 'cpuA', 1000),
      cpuPer(tcp, 'cpuB', 1000),
      cpuPer(udp, 'cpuA', 1e6),
      cpuPer(udp, 'cpuB', 1e6),
    ];
  });
  const reference = SETUPS[0]?.name ?? '';
  const ratio = (name: string, test: Test) =>
    (median(get(name, test).map((s) => s.rate)) / median(get(reference, test).map((s) => s.rate))).toFixed(2);
  const ratios = SETUPS.slice(1).map(({ name }) => [
    `${name} / ${reference}`,
    ...TESTS.map((t) => `${ratio(name, t)}x`),
  ]);
  return [
    `Data plane throughput (ESP ${options.esp}, iperf3 ${options.seconds} s x ${options.rounds} rounds, ` +
      `median [min-max]; CPU: utime+stime of each daemon over all TCP runs per MB received, UDP per packet received)`,
    table(header, rows),
    '',
    table(['ratio (medians)', 'TCP A->B', 'TCP B->A', 'UDP 64 B pkt/s'], ratios),
    '',
    `load average before: ${loadBefore}, after: ${loadAverage()}; ${((Date.now() - started) / 1000).toFixed(0)} s` +
      (options.cpuProfileDir === undefined ? '' : `; ikets under --cpu-prof (${options.cpuProfileDir})`),
  ].join('\n');
}
