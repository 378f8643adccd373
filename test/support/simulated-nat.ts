/**
 * A NAT in front of one simulated host, as a port-rewriting home router does (RFC 3947 section 1):
 * datagrams leaving the host from one of its private addresses leave the NAT from the public address
 * with another source port, and answers to that public port are translated back. The mapping is
 * fixed and given up front, so the network can deliver to the public ports.
 */
import type { Address, EndpointEvent, IncomingDatagram, Transmit } from '../../src/sa/types.js';
import type { SimulatedHost } from './simulated-network.js';

const key = (a: Address) => `${a.address}|${a.port}`;

export class SimulatedNat implements SimulatedHost {
  readonly #outbound = new Map<string, Address>();
  readonly #inbound = new Map<string, Address>();
  /** Everything the host behind the NAT sent, before translation. */
  readonly sent: Transmit[] = [];

  constructor(
    private readonly host: SimulatedHost,
    mappings: readonly { readonly inside: Address; readonly outside: Address }[],
  ) {
    for (const m of mappings) {
      this.#outbound.set(key(m.inside), m.outside);
      this.#inbound.set(key(m.outside), m.inside);
    }
  }

  /** The public addresses to attach to the network. */
  get publicAddresses(): Address[] {
    return [...this.#outbound.values()];
  }

  handleDatagram(now: number, datagram: IncomingDatagram): unknown {
    const inside = this.#inbound.get(key(datagram.local));
    if (inside === undefined) return undefined; // no mapping: a NAT drops it
    return this.host.handleDatagram(now, { ...datagram, local: inside });
  }

  handleTimeout(now: number): void {
    this.host.handleTimeout(now);
  }

  pollTransmit(): Transmit | undefined {
    for (let t = this.host.pollTransmit(); t !== undefined; t = this.host.pollTransmit()) {
      this.sent.push(t);
      const outside = this.#outbound.get(key(t.local));
      if (outside !== undefined) return { ...t, local: outside };
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
