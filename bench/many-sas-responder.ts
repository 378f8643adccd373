/**
 * The responder of the many-SAs bench (many-sas.ts), in a process of its own so that its RSS is
 * its own: an Ikev1Endpoint and the daemon's SA database (what `ikets start` holds per SA, minus
 * the sockets and the logger), driven over IPC by the parent, which plays every initiator. Time is
 * the parent's virtual clock. Run with --expose-gc: memory is read after two full collections.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { parseSwanctlConfig } from '../src/config/swanctl.js';
import { Ikev1Endpoint } from '../src/ikev1/ikev1-endpoint.js';
import type { Address } from '../src/sa/types.js';
import { SecurityAssociationDatabase } from '../src/sad/index.js';

export interface WireDatagram {
  readonly local: Address;
  readonly remote: Address;
  readonly data: Uint8Array;
}

export type ResponderRequest =
  | { readonly kind: 'datagrams'; readonly now: number; readonly datagrams: readonly WireDatagram[] }
  | { readonly kind: 'timeout'; readonly now: number }
  | { readonly kind: 'measure' }
  /** The process's CPU (user + system) and the time its garbage collector paused it, in ms so far. */
  | { readonly kind: 'cpu' }
  /** Starts or stops (and writes to IKETS_BENCH_CPU_PROF) a V8 CPU profile of the responder. */
  | { readonly kind: 'profile'; readonly start: boolean };

export interface ResponderAnswer {
  readonly transmits: readonly WireDatagram[];
  /** Child SAs that came up and went down since the last answer. */
  readonly childUp: number;
  readonly childDown: number;
  readonly ikeDown: number;
}

export interface Measured {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly ike: number;
  readonly child: number;
  /** V8's young generation (new space) capacity now: shows whether --max-semi-space-size took. */
  readonly newSpace: number;
}

export interface CpuTimes {
  readonly cpuMs: number;
  readonly gcMs: number;
}

export function responderConfig(dpdDelay: number, childRekey: number): string {
  return `connections { gw {
    version = 1
    local_addrs = 10.0.0.1
    remote_addrs = %any
    proposals = aes128-sha256-x25519
    dpd_delay = ${dpdDelay}s
    local { auth = psk
      id = gw.bench }
    remote { auth = psk }
    children { net {
      esp_proposals = aes128-sha256
      rekey_time = ${childRekey}s
    } } } }
  secrets { ike { secret = many-sas-bench-secret-0123456789 } }`;
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const dpd = Number(process.env.IKETS_BENCH_DPD ?? 0);
  const rekey = Number(process.env.IKETS_BENCH_CHILD_REKEY ?? 3600);
  // The daemon runs the engine on Date.now (src/daemon/engine.ts): IKETS_BENCH_CLOCK_START puts the
  // virtual clock there too (times beyond 2^31 ms are heap numbers in V8, not small integers).
  const epoch = Number(process.env.IKETS_BENCH_CLOCK_START ?? 0);
  const endpoint = new Ikev1Endpoint({ config: parseSwanctlConfig(responderConfig(dpd, rekey)) }, epoch);
  // One Address per local address and port, as each of the daemon's sockets hands the same one with
  // every datagram (src/daemon/udp.ts); IPC would make a new object per datagram.
  const sockets = new Map<string, Address>();
  const socket = (a: Address): Address => {
    const key = `${a.address}:${a.port}`;
    let local = sockets.get(key);
    if (local === undefined) {
      local = { address: a.address, port: a.port };
      sockets.set(key, local);
    }
    return local;
  };
  const sad = new SecurityAssociationDatabase();
  let childUp = 0;
  let childDown = 0;
  let ikeDown = 0;
  const drain = (): ResponderAnswer => {
    const transmits: WireDatagram[] = [];
    for (let t = endpoint.pollTransmit(); t !== undefined; t = endpoint.pollTransmit()) transmits.push(t);
    for (let e = endpoint.pollEvent(); e !== undefined; e = endpoint.pollEvent()) {
      if (e.type === 'log') {
        if (process.env.IKETS_BENCH_DEBUG) console.error(e.message);
        continue;
      }
      sad.apply(e);
      if (e.type === 'child-sa-up') childUp++;
      else if (e.type === 'child-sa-down') childDown++;
      else if (e.type === 'ike-sa-down') ikeDown++;
    }
    const answer = { transmits, childUp, childDown, ikeDown };
    childUp = childDown = ikeDown = 0;
    return answer;
  };
  const profiler = new Session();
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (request: ResponderRequest) => {
    const send = (value: unknown) => process.send?.(value);
    switch (request.kind) {
      case 'datagrams':
        for (const d of request.datagrams)
          endpoint.handleDatagram(epoch + request.now, {
            local: socket(d.remote),
            remote: d.local,
            data: Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength),
          });
        send(drain());
        return;
      case 'timeout':
        endpoint.handleTimeout(epoch + request.now);
        send(drain());
        return;
      case 'measure': {
        gc();
        gc();
        const m = process.memoryUsage();
        const measured: Measured = {
          rss: m.rss,
          heapUsed: m.heapUsed,
          external: m.external,
          arrayBuffers: m.arrayBuffers,
          ike: sad.size.ike,
          child: sad.size.child,
          newSpace: getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
        };
        // IKETS_BENCH_HEAP_SNAPSHOT=PREFIX: a heap snapshot at each count, PREFIX-<SAs>.heapsnapshot
        // (bench/heap-summary.ts compares two of them per SA).
        const prefix = process.env.IKETS_BENCH_HEAP_SNAPSHOT;
        if (prefix !== undefined && measured.ike > 0)
          writeHeapSnapshot(`${prefix}-${measured.ike}.heapsnapshot`);
        send(measured);
        return;
      }
      case 'profile': {
        const file = process.env.IKETS_BENCH_CPU_PROF;
        if (file === undefined || file === '') {
          send(false);
          return;
        }
        if (request.start) {
          profiler.connect();
          profiler.post('Profiler.enable', () =>
            profiler.post('Profiler.start', () => {
              send(true);
            }),
          );
          return;
        }
        profiler.post('Profiler.stop', (error, result) => {
          if (error === null) writeFileSync(file, JSON.stringify(result.profile));
          profiler.disconnect();
          send(error === null);
        });
        return;
      }
      case 'cpu': {
        const c = process.cpuUsage();
        send({ cpuMs: (c.user + c.system) / 1000, gcMs } satisfies CpuTimes);
        return;
      }
    }
  });
  process.send?.('ready');
}

if (process.send !== undefined) main();
