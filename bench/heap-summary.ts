/**
 * What the SAs of the many-SAs bench hold, from two heap snapshots of its responder taken at two
 * counts (IKETS_BENCH_HEAP_SNAPSHOT, many-sas-responder.ts): the self sizes of the nodes by kind and
 * name, as the difference between the snapshots divided by the difference of SAs held, so what the
 * empty process holds cancels out (issue 12: memory per SA).
 *
 *   IKETS_BENCH_HEAP_SNAPSHOT=/tmp/h node dist/bench/many-sas.js --counts 2000,4000 --window 0
 *   node dist/bench/heap-summary.js /tmp/h-2000.heapsnapshot /tmp/h-4000.heapsnapshot [--top 40] [--by-retainer]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
      readonly edge_fields: string[];
      readonly edge_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

/**
 * Total self size and count of nodes by `kind:name` (strings by kind only); with `byRetainer`, also
 * by the first retainer that is not weak (`<- Parent.edge`), which tells whose Map or string it is.
 */
export function summarize(path: string, byRetainer = false): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const meta = s.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    fields.indexOf(f),
  ) as [number, number, number, number];
  const nodeName = (i: number) => {
    const type = types[s.nodes[i + iType] ?? 0] ?? '?';
    const name = s.strings[s.nodes[i + iName] ?? 0] ?? '?';
    return type.includes('string') || type === 'number' ? type : `${type}:${name.slice(0, 40)}`;
  };
  const retainer = new Map<number, string>();
  if (byRetainer) {
    const ew = meta.edge_fields.length;
    const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) =>
      meta.edge_fields.indexOf(f),
    ) as [number, number, number];
    const etypes = meta.edge_types[0];
    let e = 0;
    for (let i = 0; i < s.nodes.length; i += width) {
      const n = s.nodes[i + iEdges] ?? 0;
      for (let k = 0; k < n; k++, e += ew) {
        const et = etypes[s.edges[e + eType] ?? 0] ?? '?';
        if (et === 'weak' || et === 'shortcut') continue;
        const to = s.edges[e + eTo] ?? 0;
        if (retainer.has(to)) continue;
        const raw = s.edges[e + eName] ?? 0;
        const edge = et === 'element' || et === 'hidden' ? `[${et}]` : (s.strings[raw] ?? '?');
        retainer.set(to, `${nodeName(i)}.${edge}`);
      }
    }
  }
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const r = retainer.get(i);
    const key = r === undefined ? nodeName(i) : `${nodeName(i)}  <- ${r}`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + iSize] ?? 0;
    e.count++;
    out.set(key, e);
  }
  return out;
}

function main(argv: readonly string[]): void {
  const [a, b] = argv;
  if (a === undefined || b === undefined) throw new Error('two snapshots: PREFIX-N1 PREFIX-N2');
  const sas = (p: string) => Number(/-(\d+)\.heapsnapshot$/.exec(p)?.[1] ?? Number.NaN);
  const per = sas(b) - sas(a);
  const top = Number(argv[argv.indexOf('--top') + 1] ?? 40) || 40;
  const by = argv.includes('--by-retainer');
  const before = summarize(a, by);
  const after = summarize(b, by);
  const rows = [...after].map(([key, v]) => {
    const w = before.get(key) ?? { size: 0, count: 0 };
    return { key, size: (v.size - w.size) / per, count: (v.count - w.count) / per };
  });
  rows.sort((x, y) => y.size - x.size);
  const total = rows.reduce((t, r) => t + r.size, 0);
  console.log(`per SA over ${per} SAs: ${total.toFixed(0)} bytes of V8 heap nodes`);
  for (const r of rows.slice(0, top))
    console.log(`${r.size.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(6)} x  ${r.key}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  main(process.argv.slice(2));
