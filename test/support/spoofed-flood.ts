/**
 * A flood of spoofed first messages on the simulated network: a host that sends `rate` copies a
 * second of one Main Mode message 1, each with a fresh initiator cookie and a random source address
 * (and port) nobody answers from, and a wrapper around the attacked endpoint that drops its answers
 * to those addresses before they enter the network (they would reach no host anyway).
 */
import type { Address, EndpointEvent, IncomingDatagram, Transmit } from '../../src/sa/types.js';
import type { SimulatedHost } from './simulated-network.js';

/** xorshift32: fast, seeded, reproducible; the flood needs millions of draws, not good randomness. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Spoofed sources are drawn from 100.64.0.0/10 (RFC 6598), which no test host uses. */
export const isSpoofed = (a: Address) => {
  const [first, second] = a.address.split('.').map(Number);
  return first === 100 && (second ?? 0) >= 64 && (second ?? 0) < 128;
};

export class SpoofedFlood implements SimulatedHost {
  sent = 0;
  readonly #next: () => number;
  #at: number;

  /**
   * @param template a Main Mode message 1 as an initiator sends it
   * @param target the attacked endpoint's IKE address
   * @param rate datagrams per virtual second, from `start` to `end` (ms)
   */
  constructor(
    readonly template: Uint8Array,
    readonly target: Address,
    readonly rate: number,
    readonly start: number,
    readonly end: number,
    seed = 1,
  ) {
    this.#next = xorshift(seed);
    this.#at = start;
  }

  /** The address the flood's datagrams come from: a host attached there receives the answers. */
  static readonly HOME: Address = { address: '100.64.0.0', port: 9 };

  handleDatagram(): void {}

  #pending: Transmit[] = [];

  handleTimeout(now: number): void {
    // Every millisecond, as many datagrams as the rate gives since the start (fractions carried).
    while (this.#at <= now && this.#at < this.end) {
      const due = Math.floor(((this.#at + 1 - this.start) * this.rate) / 1000) - this.sent;
      for (let i = 0; i < due; i++) this.#pending.push(this.#datagram());
      this.#at++;
    }
  }

  #datagram(): Transmit {
    const data = Buffer.from(this.template);
    data.writeUInt32BE(this.#next(), 0);
    data.writeUInt32BE(this.#next(), 4);
    const r = this.#next();
    const address = `100.${64 + ((r >>> 24) & 63)}.${(r >>> 16) & 255}.${(r >>> 8) & 255}`;
    const port = 1024 + (this.#next() % 60000);
    this.sent++;
    return { local: { address, port }, remote: this.target, data };
  }

  pollTransmit(): Transmit | undefined {
    return this.#pending.shift();
  }

  pollTimeout(): number | undefined {
    return this.#at < this.end ? this.#at : undefined;
  }

  pollEvent(): EndpointEvent | undefined {
    return undefined;
  }
}

/** The attacked endpoint, its answers to spoofed addresses counted and dropped. */
export class DropSpoofedAnswers implements SimulatedHost {
  dropped = 0;
  constructor(readonly host: SimulatedHost) {}

  handleDatagram(now: number, datagram: IncomingDatagram): unknown {
    return this.host.handleDatagram(now, datagram);
  }

  handleTimeout(now: number): void {
    this.host.handleTimeout(now);
  }

  pollTransmit(): Transmit | undefined {
    for (let t = this.host.pollTransmit(); t !== undefined; t = this.host.pollTransmit()) {
      if (!isSpoofed(t.remote)) return t;
      this.dropped++;
    }
    return undefined;
  }

  pollTimeout(): number | undefined {
    return this.host.pollTimeout();
  }

  pollEvent(): EndpointEvent | undefined {
    return this.host.pollEvent();
  }
}
