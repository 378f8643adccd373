/**
 * The IKE sockets: one UDP socket per local address and port (IKE and NAT-T).
 *
 * Why one per address and not a wildcard socket: node:dgram reports the sender of a datagram but not
 * the address it was sent to (there is no IP_PKTINFO / IPV6_RECVPKTINFO), and the engine needs that
 * local address: it is part of the NAT-D hash (RFC 3947 section 3.2), it selects the connection, and
 * the answer must leave from the address the peer talked to. A socket bound to one address knows it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { Address, IncomingDatagram, Transmit } from '../sa/types.js';

/** SO_RCVBUF asked for each IKE socket (the kernel doubles it for its bookkeeping). */
const RECEIVE_BUFFER = 4 * 1024 * 1024;

export class DaemonError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DaemonError';
    this.code = code;
  }
}

export interface BoundSocket {
  readonly local: Address;
  /** `ike` for the IKE port, `natt` for the NAT-T port. */
  readonly kind: 'ike' | 'natt';
  readonly socket: Socket;
}

export interface BindFailure {
  readonly address: string;
  readonly port: number;
  readonly reason: string;
}

export class UdpSockets {
  readonly #sockets: BoundSocket[] = [];
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  private constructor(private readonly onDatagram: (datagram: IncomingDatagram) => void) {}

  /**
   * Binds `port` and `nattPort` (0: an ephemeral port, the same number then used on every further
   * address where possible) on each address. Addresses that cannot be bound are reported, not fatal;
   * no socket at all is an error.
   */
  static async bind(
    addresses: readonly string[],
    port: number,
    nattPort: number,
    onDatagram: (datagram: IncomingDatagram) => void,
  ): Promise<{ sockets: UdpSockets; failures: BindFailure[] }> {
    const sockets = new UdpSockets(onDatagram);
    const failures: BindFailure[] = [];
    let ports: Record<'ike' | 'natt', number> = { ike: port, natt: nattPort };
    for (const address of addresses) {
      const failed: BindFailure[] = [];
      for (const kind of ['ike', 'natt'] as const) {
        try {
          const bound = await sockets.#bindOne(address, ports[kind], kind);
          ports = { ...ports, [kind]: bound.local.port };
        } catch (error) {
          failed.push({
            address,
            port: ports[kind],
            reason: (error as NodeJS.ErrnoException).code ?? String(error),
          });
        }
      }
      // One of the two ports and not the other: IKE would work but NAT-T not (or the reverse), and
      // peers would see a gateway that fails half the time. Refuse to run half-bound.
      if (failed.length === 1) {
        await sockets.close();
        const f = failed[0] as BindFailure;
        throw new DaemonError(
          'ERR_DAEMON_BIND',
          `cannot bind ${f.address}:${f.port} (${f.reason}) while the other IKE port is free: refusing to run half-bound`,
        );
      }
      failures.push(...failed);
    }
    if (sockets.#sockets.length === 0) {
      const reasons = failures.map((f) => `${f.address}:${f.port} ${f.reason}`).join(', ');
      throw new DaemonError(
        'ERR_DAEMON_BIND',
        `could not bind any IKE socket (${reasons || 'no local address'})`,
      );
    }
    return { sockets, failures };
  }

  async #bindOne(address: string, port: number, kind: 'ike' | 'natt'): Promise<BoundSocket> {
    const socket = createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      ipv6Only: isIPv6(address),
      lookup: literalLookup,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Room for the datagrams that arrive while the engine is busy (a garbage collection, a DH
    // computation): the daemon reads ahead into its own queue (receive-queue.ts), and what the
    // kernel drops is lost for everyone alike. Linux caps the request at net.core.rmem_max.
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER);
    } catch {
      // Not fatal: the default buffer only loses more under a flood.
    }
    const local = { address, port: socket.address().port };
    const bound: BoundSocket = { local, kind, socket };
    socket.on('message', (data, rinfo) => {
      if (this.#closed) return;
      this.onDatagram({ local, remote: { address: rinfo.address, port: rinfo.port }, data });
    });
    // An ICMP error reported on a later send must not crash the daemon; the engine retransmits.
    socket.on('error', () => {});
    this.#sockets.push(bound);
    return bound;
  }

  /** The bound sockets' local addresses and kinds. */
  get bound(): readonly { readonly local: Address; readonly kind: 'ike' | 'natt' }[] {
    return this.#sockets.map(({ local, kind }) => ({ local, kind }));
  }

  /**
   * The file descriptors of the bound sockets, for the socket options the data plane sets (the IKE
   * bypass policy, UDP_ENCAP, SO_MARK). node:dgram keeps the descriptor on its libuv handle.
   */
  descriptors(): { readonly fd: number; readonly family: 4 | 6; readonly natt: boolean }[] {
    const out: { fd: number; family: 4 | 6; natt: boolean }[] = [];
    for (const s of this.#sockets) {
      const fd = socketDescriptor(s.socket);
      if (fd !== undefined)
        out.push({ fd, family: isIPv6(s.local.address) ? 6 : 4, natt: s.kind === 'natt' });
    }
    return out;
  }

  /** Whether `local` is one of our NAT-T sockets (where ESP-in-UDP arrives, RFC 3948). */
  isNattSocket(local: Address): boolean {
    return this.#sockets.some(
      (s) => s.kind === 'natt' && s.local.port === local.port && sameAddress(s.local.address, local.address),
    );
  }

  /** The NAT-T port actually bound (the first NAT-T socket's). */
  get nattPort(): number | undefined {
    return this.#sockets.find((s) => s.kind === 'natt')?.local.port;
  }

  /**
   * The socket a transmission leaves from: the one bound to exactly `local`; else, when the engine
   * names an address we did not bind (a wildcard), one with the same port and the remote's family.
   */
  socketFor(local: Address, remote: Address): BoundSocket | undefined {
    const exact = this.#sockets.find(
      (s) => s.local.port === local.port && sameAddress(s.local.address, local.address),
    );
    if (exact !== undefined) return exact;
    const v6 = isIPv6(remote.address);
    return this.#sockets.find((s) => s.local.port === local.port && isIPv6(s.local.address) === v6);
  }

  /** Sends; returns an error text when no socket fits. The send completes in the background (see flush). */
  send(transmit: Transmit): string | undefined {
    if (this.#closed) return 'the sockets are closed';
    const bound = this.socketFor(transmit.local, transmit.remote);
    if (bound === undefined)
      return `no socket bound to ${transmit.local.address}:${transmit.local.port}; datagram to ${transmit.remote.address}:${transmit.remote.port} dropped`;
    const sent = new Promise<void>((resolve) => {
      bound.socket.send(transmit.data, transmit.remote.port, transmit.remote.address, () => resolve());
    });
    this.#pending.add(sent);
    void sent.then(() => this.#pending.delete(sent));
    return undefined;
  }

  /**
   * Sends ESP-in-UDP for the data plane (RFC 3948): like send(), without the completion promise and
   * callback that flush() waits for. At line rate a promise, a callback and a set entry per packet
   * were measurable garbage (docs/benchmarks.md); an ESP packet lost at shutdown is a loss any
   * network may cause, while the IKE Deletes that flush() waits for still go through send().
   */
  sendUntracked(transmit: Transmit): string | undefined {
    if (this.#closed) return 'the sockets are closed';
    const bound = this.socketFor(transmit.local, transmit.remote);
    if (bound === undefined)
      return `no socket bound to ${transmit.local.address}:${transmit.local.port}; datagram to ${transmit.remote.address}:${transmit.remote.port} dropped`;
    // Without a callback node:dgram reports send errors on the socket's 'error' event (ignored above).
    bound.socket.send(transmit.data, transmit.remote.port, transmit.remote.address);
    return undefined;
  }

  /** Resolves once every datagram handed to send() has left (or failed). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    await Promise.all(
      this.#sockets.map((s) => new Promise<void>((resolve) => s.socket.close(() => resolve()))),
    );
  }
}

/** The descriptor of a bound dgram socket (libuv's UDP handle exposes it as `fd` on POSIX systems). */
export function socketDescriptor(socket: Socket): number | undefined {
  // node:dgram keeps its handle in a symbol-keyed state object; the `_handle` accessor is the same
  // handle but deprecated (DEP0112, a warning on first use), so it is only the fallback.
  const state = Object.getOwnPropertySymbols(socket)
    .filter((s) => s.description === 'state symbol')
    .map((s): unknown => Reflect.get(socket, s))[0];
  const handle: unknown =
    typeof state === 'object' && state !== null
      ? Reflect.get(state, 'handle')
      : Reflect.get(socket, '_handle');
  if (typeof handle !== 'object' || handle === null) return undefined;
  const fd: unknown = Reflect.get(handle, 'fd');
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * The name lookup node:dgram runs before every send. The engine only ever sends to address
 * literals, which dns.lookup answers on the next tick; answered at once, a datagram costs no
 * deferred callback (a flood's answers are tens of thousands a second). Anything else goes to
 * dns.lookup as before.
 */
const literalLookup = ((hostname: string, options: unknown, callback: unknown) => {
  const family = isIP(hostname);
  if (family === 0 || typeof callback !== 'function')
    return (lookup as (h: string, o: unknown, c: unknown) => void)(hostname, options, callback);
  (callback as (error: null, address: string, family: number) => void)(null, hostname, family);
}) as unknown as typeof lookup;

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
