/**
 * Issue 10 item C with real sockets: two ikets daemons in network namespaces, a flooder process
 * next to the initiator sending spoofed Main Mode messages 1 to the responder from 100.64.0.0/16
 * (test/support/flood-netns.ts). For each rate: the flood runs 3 s, then `ikets up` is timed (the
 * whole command: control socket, phase 1, Quick Mode), the flood goes on for 5 s more while the
 * responder's RSS is sampled, and the connection is taken down again. Also printed: the answers
 * that reached namespace a, the datagrams the kernel dropped at the responder's full socket buffer,
 * and the responder's CPU time per datagram it read. Rate 0 is "as fast as the
 * flooder can": what one Node process reaches on this machine, measured and printed. Needs root.
 *
 *   npm run bench -- --filter flood
 */
import { FloodNetns, floodNetnsSkipReason } from '../test/support/flood-netns.js';

const RATES = [1_000, 5_000, 20_000, 0];
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface FloodNetnsRow {
  readonly target: string;
  readonly reached: number;
  /** Messages 2 per second that came back to the spoofed addresses: the responder's service rate. */
  readonly answered: number;
  readonly upMs: number;
  readonly upStatus: number;
  readonly rssBefore: number;
  readonly rssPeak: number;
  /** Datagrams a second the kernel dropped because the responder's socket buffer was full. */
  readonly bufferDrops: number;
  /** The responder's CPU time per datagram it read, µs. */
  readonly cpuPerDatagram: number;
}

export async function floodNetnsReport(filter?: string): Promise<string | undefined> {
  const name = 'ikev1 spoofed Main Mode flood, real sockets between namespaces';
  if (filter !== undefined && !name.includes(filter)) return undefined;
  const skip = floodNetnsSkipReason();
  if (skip !== undefined) return skip;
  const rows: FloodNetnsRow[] = [];
  const env = await FloodNetns.start();
  try {
    const quiet = await env.up();
    await env.down();
    for (const rate of RATES) {
      const rssBefore = env.responderRss();
      let rssPeak = rssBefore;
      const udpBefore = await env.responderUdp();
      const cpuBefore = env.responderCpuMs();
      const flood = await env.flood(rate);
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, env.responderRss());
      }, 200);
      await sleep(3000);
      const up = await env.up(30);
      await sleep(5000);
      clearInterval(sampler);
      rssPeak = Math.max(rssPeak, env.responderRss());
      const { sent, answered, seconds } = await flood.stop();
      const udp = await env.responderUdp();
      const cpuMs = env.responderCpuMs() - cpuBefore;
      await env.down();
      rows.push({
        target: rate === 0 ? 'max' : `${rate}/s`,
        reached: sent / seconds,
        answered: answered / seconds,
        upMs: up.ms,
        upStatus: up.status,
        rssBefore,
        rssPeak,
        bufferDrops: (udp.bufferDrops - udpBefore.bufferDrops) / seconds,
        cpuPerDatagram: (cpuMs * 1000) / Math.max(1, udp.received - udpBefore.received),
      });
    }
    const lines = [
      name,
      `without a flood: ikets up in ${quiet.ms.toFixed(0)} ms (status ${quiet.status})`,
      'flood   reached/s  answered/s  kernel drops/s  CPU/datagram (µs)  ikets up (ms)  status  responder RSS before -> peak (MiB)',
      ...rows.map(
        (r) =>
          `${r.target.padEnd(7)} ${r.reached.toFixed(0).padStart(9)}  ${r.answered.toFixed(0).padStart(10)}  ${r.bufferDrops.toFixed(0).padStart(14)}  ${r.cpuPerDatagram.toFixed(1).padStart(17)}  ${r.upMs.toFixed(0).padStart(13)}  ${String(r.upStatus).padStart(6)}  ${(r.rssBefore / MiB).toFixed(1)} -> ${(r.rssPeak / MiB).toFixed(1)}`,
      ),
    ];
    return lines.join('\n');
  } finally {
    await env.destroy();
  }
}
