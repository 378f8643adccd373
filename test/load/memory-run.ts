/**
 * The load generator against an ikets responder engine in memory, on a simulated clock: every
 * datagram arrives `delayMs` (plus a seeded jitter) after it was sent, so latencies are real
 * figures of the simulated network and the rate is counted on the simulated clock.
 */
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { DEFAULT_SETTINGS, type EngineSettings } from '../../src/ikev1/context.js';
import { Ikev1Endpoint } from '../../src/ikev1/ikev1-endpoint.js';
import { LoadGenerator, type LoadGeneratorOptions, LoadPlan, setupTimeout } from '../../src/load/index.js';
import type { EndpointEvent, Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';

export const PSK = 'load-test-psk-0123456789';
export const GATEWAY = '192.0.2.2';
export const CLIENT = '192.0.2.1';

export interface MemoryRunOptions {
  readonly count?: number;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly durationMs?: number;
  readonly deleteAfterSetup?: boolean;
  readonly aggressive?: boolean;
  readonly children?: boolean;
  readonly initiatorProposals?: string;
  readonly responderProposals?: string;
  readonly responderEsp?: string;
  readonly responderPsk?: string;
  readonly identity?: string;
  readonly sources?: number;
  readonly delayMs?: number;
  readonly settings?: Partial<EngineSettings>;
  /** Nothing reaches the responder. */
  readonly blackhole?: boolean;
  /** ISAKMP exchange types (header byte 18) that never reach the responder, e.g. 32 (Quick Mode). */
  readonly dropExchanges?: readonly number[];
  /** Stop the run (interrupt) at this simulated time. */
  readonly stopAtMs?: number;
}

export function initiatorConfig(o: MemoryRunOptions): string {
  return `connections {
  load {
    version = 1
    aggressive = ${o.aggressive === true ? 'yes' : 'no'}
    local_addrs = ${CLIENT}
    remote_addrs = ${GATEWAY}
    proposals = ${o.initiatorProposals ?? 'aes128-sha256-x25519'}
    local { auth = psk
      id = ${o.identity ?? 'c%d.load.test'} }
    remote { auth = psk
      id = gw.load.test }
    ${
      o.children === false
        ? ''
        : `children { net { esp_proposals = aes128-sha256
      local_ts = ${CLIENT}/32
      remote_ts = ${GATEWAY}/32 } }`
    }
  }
}
secrets { ike-1 { id-1 = gw.load.test
  secret = ${PSK} } }`;
}

export function responderConfig(o: MemoryRunOptions): string {
  return `connections {
  gw {
    version = 1
    aggressive = ${o.aggressive === true ? 'yes' : 'no'}
    local_addrs = ${GATEWAY}
    proposals = ${o.responderProposals ?? 'aes128-sha256-x25519'}
    local { auth = psk
      id = gw.load.test }
    remote { auth = psk }
    children { net { esp_proposals = ${o.responderEsp ?? 'aes128-sha256'}
      local_ts = ${GATEWAY}/32
      remote_ts = 0.0.0.0/0 } }
  }
}
secrets { ike-1 { id-1 = gw.load.test
  secret = ${o.responderPsk ?? PSK} } }`;
}

export interface MemoryRunResult {
  readonly generator: LoadGenerator;
  readonly plan: LoadPlan;
  readonly responder: Ikev1Endpoint;
  readonly responderEvents: EndpointEvent[];
  /** Simulated time the run took, ms. */
  readonly elapsedMs: number;
  /** Setups started by each simulated second (index = second). */
  readonly startedBySecond: number[];
  /** The most setups in flight at once. */
  readonly maxInFlight: number;
}

interface InFlight {
  readonly at: number;
  readonly to: 'responder' | 'generator';
  readonly t: Transmit;
}

export function memoryRun(o: MemoryRunOptions = {}): MemoryRunResult {
  const random = seededRandom('load-network');
  const plan = new LoadPlan({ config: parseSwanctlConfig(initiatorConfig(o)), connection: 'load' });
  plan.sources = Array.from({ length: o.sources ?? 1 }, (_, i) => ({ address: CLIENT, port: 500 + i }));
  let now = 0;
  const settings = { retransmitTimeout: 500, retransmitTries: 2, ...o.settings };
  const initiator = new Ikev1Endpoint(
    { config: { connections: [], secrets: plan.secrets }, random: seededRandom('initiator'), settings },
    now,
  );
  const responder = new Ikev1Endpoint(
    {
      config: parseSwanctlConfig(responderConfig(o)),
      random: seededRandom('responder'),
      settings: { ...settings, aggressivePskResponder: true },
    },
    now,
  );
  const options: LoadGeneratorOptions = {
    engine: initiator,
    plan,
    count: o.count,
    concurrency: o.concurrency ?? 8,
    rate: o.rate,
    durationMs: o.durationMs,
    deleteAfterSetup: o.deleteAfterSetup,
    setupTimeoutMs: setupTimeout({ ...DEFAULT_SETTINGS, ...settings }),
  };
  const generator = new LoadGenerator(options, now);
  const responderEvents: EndpointEvent[] = [];
  const wire: InFlight[] = [];
  const delay = () => (o.delayMs ?? 5) * (1 + random.float());
  const startedBySecond: number[] = [];
  let maxInFlight = 0;
  const collect = () => {
    maxInFlight = Math.max(maxInFlight, generator.progress(now).inFlight);
    for (let t = generator.pollTransmit(); t !== undefined; t = generator.pollTransmit())
      if (o.blackhole !== true && !o.dropExchanges?.includes(t.data[18] ?? -1))
        wire.push({ at: now + delay(), to: 'responder', t });
    for (let t = responder.pollTransmit(); t !== undefined; t = responder.pollTransmit())
      wire.push({ at: now + delay(), to: 'generator', t });
    for (let e = responder.pollEvent(); e !== undefined; e = responder.pollEvent())
      if (e.type !== 'log') responderEvents.push(e);
    startedBySecond[Math.floor(now / 1000)] = generator.started;
  };
  generator.start(now);
  collect();
  let stopped = false;
  for (let steps = 0; !generator.done(now); steps++) {
    if (steps > 1_000_000) throw new Error('the simulated run does not end');
    let next = Math.min(generator.pollTimeout(now) ?? Infinity, responder.pollTimeout() ?? Infinity);
    for (const w of wire) next = Math.min(next, w.at);
    if (o.stopAtMs !== undefined && !stopped) next = Math.min(next, o.stopAtMs);
    if (next === Infinity) throw new Error('the simulated run is stuck: nothing to wait for');
    now = Math.max(now, next);
    if (o.stopAtMs !== undefined && !stopped && now >= o.stopAtMs) {
      stopped = true;
      generator.stop(now);
    }
    const due = wire.filter((w) => w.at <= now);
    wire.splice(0, wire.length, ...wire.filter((w) => w.at > now));
    for (const { to, t } of due) {
      const datagram = { local: t.remote, remote: t.local, data: t.data };
      if (to === 'responder') responder.handleDatagram(now, datagram);
      else generator.handleDatagram(now, datagram);
    }
    generator.handleTimeout(now);
    responder.handleTimeout(now);
    collect();
  }
  // Deliver what is still on the wire (the Deletes of --delete) before the caller looks.
  for (const { to, t } of wire)
    if (to === 'responder') responder.handleDatagram(now, { local: t.remote, remote: t.local, data: t.data });
  collect();
  return { generator, plan, responder, responderEvents, elapsedMs: now, startedBySecond, maxInFlight };
}
