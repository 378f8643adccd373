/**
 * `node dist/bench/compute-round-trip.js [--in-flight K]`: what one g^xy costs the event loop computed
 * inline, beside what sending it to a crypto worker and taking the result back costs it (postMessage,
 * the message event, the copies), with K requests in flight, and the CPU of all threads then (the
 * worker's included); X25519 and MODP-2048. The event loop's
 * CPU is its thread's utime + stime from /proc (10 ms ticks, so many operations per figure). This is
 * the measurement behind which groups the daemon sends to its workers (src/daemon/crypto-pool/
 * compute-shell.ts; docs/benchmarks.md, "Crypto workers").
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dhGroup } from '../src/crypto/index.js';
import { DhWorkerPool } from '../src/daemon/crypto-pool/dh-pool.js';

/** ms of CPU of the main thread (its task's utime + stime, in ticks of 10 ms). */
function eventLoopCpu(): number {
  const fields = (readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1] ?? '').split(
    ' ',
  );
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const { values } = parseArgs({ options: { 'in-flight': { type: 'string', default: '1' } } });
const inFlight = Number(values['in-flight']);
const pool = new DhWorkerPool({ size: 1 });
for (const [id, count] of [
  [31, 20_000],
  [14, 3_000],
] as const) {
  const group = dhGroup(id);
  const ours = group.generate();
  const peer = group.generate();
  const pair = ours.transferable?.();
  if (pair === undefined) throw new Error(`group ${id} cannot cross threads`);
  for (let repeat = 0; repeat < 2; repeat++) {
    let cpu = eventLoopCpu();
    let wall = performance.now();
    for (let i = 0; i < count; i++) ours.computeSecret(peer.publicValue);
    const inline = { cpu: (eventLoopCpu() - cpu) / count, wall: (performance.now() - wall) / count };
    cpu = eventLoopCpu();
    wall = performance.now();
    const all = process.cpuUsage();
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let done = 0;
      const send = (): void => {
        sent++;
        pool.shared(pair, peer.publicValue, (outcome) => {
          if (outcome === undefined || !('secret' in outcome)) return reject(new Error('no secret'));
          done++;
          if (sent < count) send();
          else if (done === count) resolve();
        });
      };
      for (let i = 0; i < inFlight; i++) send();
    });
    const used = process.cpuUsage(all);
    const worker = {
      cpu: (eventLoopCpu() - cpu) / count,
      wall: (performance.now() - wall) / count,
      process: (used.user + used.system) / 1000 / count,
    };
    console.log(
      `group ${id}: inline ${inline.cpu.toFixed(4)} ms event loop CPU a g^xy (${inline.wall.toFixed(4)} ms wall); ` +
        `on a worker, ${inFlight} in flight: ${worker.cpu.toFixed(4)} ms event loop CPU (${worker.wall.toFixed(4)} ms wall, ${worker.process.toFixed(4)} ms CPU of all threads)`,
    );
  }
}
await pool.close();
