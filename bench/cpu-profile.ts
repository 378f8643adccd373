/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, e.g. of an ikets daemon under the data plane
 * throughput benchmark: IKETS_BENCH_CPU_PROF=DIR) by where the time went: self time per category
 * (node:crypto, TUN system calls through koffi, UDP through node:dgram, GC, the ESP engine, ...) and
 * the top functions. Native frames (no script URL: the C++ behind a binding, a koffi call) count for
 * the category of the JS function that called them.
 *
 *   node dist/bench/cpu-profile.js FILE.cpuprofile [top N]
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
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const cat = category(id);
    perCategory.set(cat, (perCategory.get(cat) ?? 0) + ms);
    const frame = byId.get(id)?.callFrame;
    const file = frame?.url.replace(/^.*\//, '') ?? '';
    const name = `${frame?.functionName || '(anonymous)'} ${file === '' ? '(native)' : `${file}:${(frame?.lineNumber ?? 0) + 1}`}`;
    const f = perFunction.get(name) ?? { category: cat, ms: 0 };
    f.ms += ms;
    perFunction.set(name, f);
  });
  const sorted = <T extends { ms: number }>(xs: T[]) => xs.sort((a, b) => b.ms - a.ms);
  return {
    totalMs: total,
    categories: sorted([...perCategory].map(([name, ms]) => ({ name, ms }))),
    functions: sorted([...perFunction].map(([name, v]) => ({ name, ...v }))).slice(0, top),
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
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('cpu-profile.js')) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/cpu-profile.js FILE.cpuprofile [top N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  console.log(formatSummary(summarizeProfile(profile, Number(process.argv[3] ?? 15))));
}
