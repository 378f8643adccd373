/**
 * An in-memory UDP network on a virtual clock for driving sans-I/O endpoints (after quinn-proto's
 * test `Pair`): datagrams are delivered after a latency, and may be dropped, duplicated or
 * reordered with given probabilities from a seeded source, so every run is reproducible.
 */
import type { Address, EndpointEvent, IncomingDatagram, Transmit } from '../../src/sa/types.js';
import { seededRandom } from './seeded-random.js';

export interface SimulatedHost {
  handleDatagram(now: number, datagram: IncomingDatagram): unknown;
  handleTimeout(now: number): void;
  pollTransmit(): Transmit | undefined;
  pollTimeout(): number | undefined;
  pollEvent(): EndpointEvent | undefined;
}

export interface NetworkConditions {
  readonly latency: number;
  readonly loss: number;
  readonly duplication: number;
  /** Probability that a datagram takes up to `reorderDelay` ms longer, overtaking later ones. */
  readonly reorder: number;
  readonly reorderDelay: number;
}

const PERFECT: NetworkConditions = { latency: 5, loss: 0, duplication: 0, reorder: 0, reorderDelay: 0 };

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly to: string;
  readonly datagram: IncomingDatagram;
}

const key = (a: Address) => `${a.address}|${a.port}`;

export class SimulatedNetwork {
  now = 0;
  readonly #hosts = new Map<string, { name: string; host: SimulatedHost }>();
  readonly #inFlight: InFlight[] = [];
  readonly #random;
  readonly events = new Map<string, EndpointEvent[]>();
  readonly sent = new Map<string, number>();
  /** Sees every datagram a host sends, before loss (for tests that count what was sent). */
  tap: ((from: string, transmit: Transmit, at: number) => void) | undefined;
  readonly #addresses = new Map<string, readonly Address[]>();
  #seq = 0;

  constructor(
    readonly conditions: NetworkConditions = PERFECT,
    seed = 'network',
  ) {
    this.#random = seededRandom(seed);
  }

  /** Attaches a host on the given addresses (its IKE and NAT-T ports). */
  attach(name: string, host: SimulatedHost, addresses: readonly Address[]): void {
    for (const a of addresses) this.#hosts.set(key(a), { name, host });
    this.#addresses.set(name, addresses);
    this.events.set(name, []);
    this.sent.set(name, 0);
  }

  /** Disconnects a host: datagrams to it are lost and it is no longer driven. */
  detach(name: string): void {
    for (const [k, v] of this.#hosts) if (v.name === name) this.#hosts.delete(k);
  }

  /** Collects what every host wants to send and report. */
  flush(): void {
    for (const [name, host] of this.hostsByName()) {
      for (let t = host.pollTransmit(); t !== undefined; t = host.pollTransmit()) this.send(name, t);
      for (let e = host.pollEvent(); e !== undefined; e = host.pollEvent()) this.events.get(name)?.push(e);
    }
  }

  private hostsByName(): Map<string, SimulatedHost> {
    const out = new Map<string, SimulatedHost>();
    for (const { name, host } of this.#hosts.values()) out.set(name, host);
    return out;
  }

  private send(from: string, t: Transmit): void {
    this.sent.set(from, (this.sent.get(from) ?? 0) + 1);
    this.tap?.(from, t, this.now);
    const c = this.conditions;
    // A datagram sent from a wildcard leaves with the host's address, as the kernel picks it.
    const wildcard = t.local.address === '0.0.0.0' || t.local.address === '::';
    const source = wildcard
      ? { address: this.#addresses.get(from)?.[0]?.address ?? t.local.address, port: t.local.port }
      : t.local;
    if (this.#random.float() < c.loss) return;
    const copies = this.#random.float() < c.duplication ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const extra = this.#random.float() < c.reorder ? this.#random.float() * c.reorderDelay : 0;
      this.#inFlight.push({
        at: this.now + c.latency + extra,
        seq: this.#seq++,
        to: key(t.remote),
        datagram: { local: t.remote, remote: source, data: Buffer.from(t.data) },
      });
    }
  }

  /** Runs until nothing is in flight and no timer is due before `until` (virtual ms). */
  run(until: number): void {
    this.flush();
    for (let steps = 0; ; steps++) {
      if (steps > 100_000)
        throw new Error(`simulation does not settle at ${this.now} ms (a timer that never clears?)`);
      const nextDelivery = this.#inFlight.reduce((m, f) => Math.min(m, f.at), Number.POSITIVE_INFINITY);
      let nextTimer = Number.POSITIVE_INFINITY;
      for (const host of this.hostsByName().values())
        nextTimer = Math.min(nextTimer, host.pollTimeout() ?? Number.POSITIVE_INFINITY);
      const next = Math.min(nextDelivery, nextTimer);
      if (!Number.isFinite(next) || next > until) {
        this.now = Math.max(this.now, Math.min(until, Number.isFinite(next) ? next : until));
        return;
      }
      this.now = Math.max(this.now, next);
      if (nextDelivery <= nextTimer) {
        this.#inFlight.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const f = this.#inFlight.shift()!;
        this.#hosts.get(f.to)?.host.handleDatagram(this.now, f.datagram);
      } else {
        for (const host of this.hostsByName().values()) {
          const t = host.pollTimeout();
          if (t !== undefined && t <= this.now) host.handleTimeout(this.now);
        }
      }
      this.flush();
    }
  }

  eventsOf(name: string, type: EndpointEvent['type']): EndpointEvent[] {
    return (this.events.get(name) ?? []).filter((e) => e.type === type);
  }

  logsOf(name: string): string[] {
    return (this.events.get(name) ?? []).flatMap((e) =>
      e.type === 'log' ? [`${e.level} ${e.message}`] : [],
    );
  }
}
