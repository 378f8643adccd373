/**
 * `ikets load` as a library call: binds the source sockets, drives the generator (generator.ts)
 * around one `Ikev1Endpoint` with the wall clock and one timer, as the daemon drives its engine
 * (src/daemon/daemon.ts), and returns the summary. Its own CPU time is measured over the run.
 */
import { performance } from 'node:perf_hooks';
import type { IketsConfig } from '../config/swanctl.js';
import { DEFAULT_SETTINGS, type EngineSettings } from '../ikev1/context.js';
import { Ikev1Endpoint } from '../ikev1/ikev1-endpoint.js';
import type { EndpointEvent, IncomingDatagram } from '../sa/types.js';
import { LoadGenerator, type LoadProgress } from './generator.js';
import { LoadPlan } from './plan.js';
import { pooledRandom } from './random.js';
import { LoadSockets } from './sockets.js';
import { type LoadSummary, summarize } from './summary.js';

export interface LoadRunOptions {
  readonly config: IketsConfig;
  readonly connection: string;
  readonly child?: string | undefined;
  /** Identity pattern, `%d` the setup's number (plan.ts). */
  readonly identity?: string | undefined;
  readonly count?: number | undefined;
  readonly concurrency: number;
  readonly rate?: number | undefined;
  readonly durationMs?: number | undefined;
  readonly deleteAfterSetup?: boolean | undefined;
  /** Source addresses (default: the connection's local address, else the route's source). */
  readonly sourceAddresses?: readonly string[] | undefined;
  /** Source ports (default: the connection's local_port); 0 is an ephemeral port. */
  readonly sourcePorts?: readonly number[] | undefined;
  /** Engine settings: the retransmission schedule above all. */
  readonly settings?: Partial<EngineSettings> | undefined;
  /** Keep the SAs this many ms after the last setup before deleting them. */
  readonly holdMs?: number | undefined;
  /** Called every `progressIntervalMs` while the run goes on. */
  readonly onProgress?: ((progress: LoadProgress) => void) | undefined;
  readonly progressIntervalMs?: number | undefined;
  readonly onLog?: ((event: Extract<EndpointEvent, { type: 'log' }>) => void) | undefined;
  /** Aborting stops the run: what is in flight counts as interrupted. */
  readonly signal?: AbortSignal | undefined;
}

export async function runLoad(o: LoadRunOptions): Promise<LoadSummary> {
  const plan = new LoadPlan({
    config: o.config,
    connection: o.connection,
    child: o.child,
    identity: o.identity,
  });
  const configured = plan.template.localAddrs.filter((a) => a !== '%any');
  const addresses =
    o.sourceAddresses ?? (configured.length > 0 ? configured : [await LoadSockets.routeSource(plan.remote)]);
  let receive: (datagram: IncomingDatagram) => void = () => {};
  const sockets = await LoadSockets.bind(addresses, o.sourcePorts ?? [plan.template.localPort], (d) =>
    receive(d),
  );
  try {
    plan.sources = sockets.sources;
    return await drive(o, plan, sockets, (r) => {
      receive = r;
    });
  } finally {
    await sockets.close();
  }
}

async function drive(
  o: LoadRunOptions,
  plan: LoadPlan,
  sockets: LoadSockets,
  setReceive: (receive: (datagram: IncomingDatagram) => void) => void,
): Promise<LoadSummary> {
  const clock = () => performance.now();
  const engine = new Ikev1Endpoint(
    {
      config: { connections: [], secrets: plan.secrets },
      random: pooledRandom(),
      nattPort: sockets.nattPort,
      ...(o.settings === undefined ? {} : { settings: o.settings }),
    },
    clock(),
  );
  const cpuStart = process.cpuUsage();
  const generator = new LoadGenerator(
    {
      engine,
      plan,
      count: o.count,
      concurrency: o.concurrency,
      rate: o.rate,
      durationMs: o.durationMs,
      deleteAfterSetup: o.deleteAfterSetup,
      setupTimeoutMs: setupTimeout({ ...DEFAULT_SETTINGS, ...o.settings }),
      onLog: o.onLog,
    },
    clock(),
  );
  let timer: NodeJS.Timeout | undefined;
  let timerAt: number | undefined;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const step = () => {
    for (let t = generator.pollTransmit(); t !== undefined; t = generator.pollTransmit()) sockets.send(t);
    const now = clock();
    if (generator.done(now)) {
      finished();
      return;
    }
    const at = generator.pollTimeout(now);
    if (at === timerAt && timer !== undefined) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    timerAt = at;
    if (at === undefined) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = undefined;
        generator.handleTimeout(clock());
        step();
      },
      Math.min(Math.max(0, at - now), 0x7fffffff),
    );
  };
  setReceive((datagram) => {
    generator.handleDatagram(clock(), datagram);
    step();
  });
  const progress =
    o.onProgress === undefined
      ? undefined
      : setInterval(() => o.onProgress?.(generator.progress(clock())), o.progressIntervalMs ?? 1000);
  const abort = () => {
    generator.stop(clock());
    step();
  };
  o.signal?.addEventListener('abort', abort, { once: true });
  try {
    if (o.signal?.aborted === true) generator.stop(clock());
    generator.start(clock());
    step();
    await done;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (progress !== undefined) clearInterval(progress);
    o.signal?.removeEventListener('abort', abort);
  }
  const cpu = process.cpuUsage(cpuStart);
  const summary = summarize(generator, plan, {
    count: o.count,
    concurrency: o.concurrency,
    rate: o.rate,
    durationMs: o.durationMs,
    deleteAfterSetup: o.deleteAfterSetup === true,
    cpu,
  });
  if (o.holdMs !== undefined && o.holdMs > 0) await hold(o.holdMs, o.signal);
  setReceive(() => {});
  generator.finish(clock());
  await sendPaced(generator, sockets);
  return summary;
}

/** Waits `ms`, or less when the run is aborted (SIGINT while holding the SAs). */
function hold(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The Deletes of every SA held, paced: thousands sent at once overflow the responder's socket
 * buffer, and the SAs whose Deletes are lost stay there until they expire.
 */
async function sendPaced(generator: LoadGenerator, sockets: LoadSockets): Promise<void> {
  let batch = 0;
  for (let t = generator.pollTransmit(); t !== undefined; t = generator.pollTransmit()) {
    sockets.send(t, true);
    if (++batch % FINISH_BATCH === 0) {
      await sockets.flush();
      await new Promise((resolve) => setTimeout(resolve, FINISH_PAUSE_MS));
    }
  }
  await sockets.flush();
}

const FINISH_BATCH = 16;
const FINISH_PAUSE_MS = 5;

/**
 * Longer than any setup the engine can still complete: three phase 1 exchanges (Main Mode) and a
 * Quick Mode, each with the whole retransmission schedule, plus a margin.
 */
export function setupTimeout(s: EngineSettings): number {
  let one = 0;
  for (let k = 0; k <= s.retransmitTries; k++)
    one += Math.min(s.retransmitTimeout * s.retransmitBase ** k, s.retransmitMaxInterval);
  return 4 * one + 5000;
}
