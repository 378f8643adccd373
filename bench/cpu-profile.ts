/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, e.g. of an ikets daemon under the data plane
 * throughput benchmark: IKETS_BENCH_CPU_PROF=DIR) by where the time went: self time per category
 * (node:crypto, TUN system calls through koffi, UDP through node:dgram, GC, the ESP engine, ...) and
 * the top functions by self time and by inclusive time (the sample counted once for every function on
 * its stack). Native frames (no script URL: the C++ behind a binding, a koffi call) count for the
 * category of the JS function that called them. Several files (runs of one benchmark) are summed.
 *
 *   node dist/bench/cpu-profile.js FILE.cpuprofile [FILE.cpuprofile...] [top N]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The category of a frame with a script URL, or undefined for a native frame (inherits its caller's). */
function ownCategory(frame: CallFrame): string | undefined {
  const { functionName: f, url } = frame;
  if (f === '(garbage collector)') return 'GC';
  if (f === '(idle)') return 'idle (waiting in epoll)';
  if (f === '(program)') return '(program: native, not attributed by V8)';
  if (f === '(root)') return 'other';
  if (url === '') return undefined;
  if (url.includes('/dataplane/userspace/tun-device') || url.includes('/dataplane/libc'))
    return 'TUN read/write (koffi)';
  if (url.includes('koffi')) return 'TUN read/write (koffi)';
  if (url.includes('/src/ikev1/')) return 'IKE engine (JS)';
  if (url.includes('/src/codec/')) return 'codec (JS)';
  if (url.includes('/src/crypto/')) return 'ikets crypto wrappers (JS)';
  if (url.includes('/src/sad/')) return 'SAD (JS)';
  if (url.includes('/src/daemon/logger')) return 'logging (JS)';
  if (url.includes('crypto')) return 'node:crypto';
  if (url.includes('dgram') || url.includes('udp')) return 'UDP send/receive (node:dgram)';
  if (url.includes('/dataplane/esp/')) return 'ESP engine (JS)';
  if (url.includes('/dataplane/userspace/')) return 'userspace backend (JS: SPD, SA lookup)';
  if (url.includes('/src/daemon/')) return 'daemon (JS)';
  if (url.startsWith('node:')) return 'other node internals (buffers, events, timers)';
  return 'other';
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly categories: readonly { name: string; ms: number }[];
  readonly functions: readonly { name: string; category: string; ms: number }[];
  /** Time with the function anywhere on the stack (recursion counted once). */
  readonly inclusive: readonly { name: string; ms: number }[];
}

function frameName(frame: CallFrame | undefined): string {
  const file = frame?.url.replace(/^.*\//, '') ?? '';
  return `${frame?.functionName || '(anonymous)'} ${file === '' ? '(native)' : `${file}:${(frame?.lineNumber ?? 0) + 1}`}`;
}

export function summarizeProfile(profile: Profile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, string>();
  const category = (id: number): string => {
    const known = categoryOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const own = node === undefined ? 'other' : ownCategory(node.callFrame);
    const up = parent.get(id);
    const result = own ?? (up === undefined ? 'other' : category(up));
    categoryOf.set(id, result);
    return result;
  };
  const perCategory = new Map<string, number>();
  const perFunction = new Map<string, { category: string; ms: number }>();
  const perStack = new Map<string, number>();
  const stackNames = new Map<number, readonly string[]>();
  const namesOnStack = (id: number): readonly string[] => {
    const known = stackNames.get(id);
    if (known !== undefined) return known;
    const names = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const frame = byId.get(n)?.callFrame;
      if (frame !== undefined && frame.functionName !== '(root)') names.add(frameName(frame));
    }
    const result = [...names];
    stackNames.set(id, result);
    return result;
  };
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const cat = category(id);
    perCategory.set(cat, (perCategory.get(cat) ?? 0) + ms);
    const name = frameName(byId.get(id)?.callFrame);
    for (const n of namesOnStack(id)) perStack.set(n, (perStack.get(n) ?? 0) + ms);
    const f = perFunction.get(name) ?? { category: cat, ms: 0 };
    f.ms += ms;
    perFunction.set(name, f);
  });
  const sorted = <T extends { ms: number }>(xs: T[]) => xs.sort((a, b) => b.ms - a.ms);
  return {
    totalMs: total,
    categories: sorted([...perCategory].map(([name, ms]) => ({ name, ms }))),
    functions: sorted([...perFunction].map(([name, v]) => ({ name, ...v }))).slice(0, top),
    inclusive: sorted(
      [...perStack]
        .filter(([name]) => !name.startsWith('(idle)') && !name.startsWith('(program)'))
        .map(([name, ms]) => ({ name, ms })),
    ).slice(0, top),
  };
}

/** Markdown tables: categories as a share of the busy time (idle left out), then the top functions. */
export function formatSummary(s: ProfileSummary): string {
  const idle = s.categories.find((c) => c.name.startsWith('idle'))?.ms ?? 0;
  const busy = s.totalMs - idle;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`;
  const lines = [
    `busy ${(busy / 1000).toFixed(2)} s of ${(s.totalMs / 1000).toFixed(2)} s profiled`,
    '',
    '| category | self time | share of busy |',
    '|---|---:|---:|',
    ...s.categories
      .filter((c) => !c.name.startsWith('idle'))
      .map((c) => `| ${c.name} | ${c.ms.toFixed(0)} ms | ${pct(c.ms)} |`),
    '',
    '| function | category | self time | share of busy |',
    '|---|---|---:|---:|',
    ...s.functions
      .filter((f) => !f.category.startsWith('idle'))
      .map((f) => `| ${f.name} | ${f.category} | ${f.ms.toFixed(0)} ms | ${pct(f.ms)} |`),
    '',
    '| function (inclusive: anywhere on the stack) | time | share of busy |',
    '|---|---:|---:|',
    ...s.inclusive.map((f) => `| ${f.name} | ${f.ms.toFixed(0)} ms | ${pct(f.ms)} |`),
  ];
  return lines.join('\n');
}

/** Several profiles as one: their nodes renumbered apart, their samples concatenated. */
export function mergeProfiles(profiles: readonly Profile[]): Profile {
  const nodes: ProfileNode[] = [];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let offset = 0;
  for (const p of profiles) {
    let max = 0;
    for (const n of p.nodes) {
      max = Math.max(max, n.id);
      nodes.push({ ...n, id: n.id + offset, children: (n.children ?? []).map((c) => c + offset) });
    }
    for (const s of p.samples) samples.push(s + offset);
    timeDeltas.push(...p.timeDeltas);
    offset += max + 1;
  }
  return { nodes, samples, timeDeltas };
}

if (process.argv[1]?.endsWith('cpu-profile.js')) {
  const args = process.argv.slice(2);
  const last = args[args.length - 1];
  const top = last !== undefined && /^\d+$/.test(last) ? Number(args.pop()) : 15;
  if (args.length === 0) {
    process.stderr.write('usage: node dist/bench/cpu-profile.js FILE.cpuprofile [FILE...] [top N]\n');
    process.exit(2);
  }
  const profile = mergeProfiles(args.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Profile));
  console.log(formatSummary(summarizeProfile(profile, top)));
}
