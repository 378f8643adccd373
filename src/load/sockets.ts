/**
 * The load generator's UDP sockets: one per source address and port it sends from (node:dgram
 * tells the local address of a datagram only through the socket it arrived on, see
 * src/daemon/udp.ts), and one NAT-T socket per address for the setups that float to it.
 * Sends carry no promise or callback each, except while finishing, when the Deletes must be out
 * before the sockets close.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Address, IncomingDatagram, Transmit } from '../sa/types.js';

export class LoadSocketError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LoadSocketError';
    this.code = code;
  }
}

/** At most this many sockets (source addresses x ports). */
export const MAX_LOAD_SOCKETS = 4096;

export class LoadSockets {
  readonly #byLocal = new Map<string, Socket>();
  readonly #all: Socket[] = [];
  /** The source address/port pairs setups leave from, addresses alternating first. */
  readonly sources: Address[] = [];
  nattPort = 0;
  #pending = 0;
  #idle: (() => void) | undefined;
  #closed = false;
  sendErrors = 0;

  private constructor(private readonly onDatagram: (datagram: IncomingDatagram) => void) {}

  static async bind(
    addresses: readonly string[],
    ports: readonly number[],
    onDatagram: (datagram: IncomingDatagram) => void,
  ): Promise<LoadSockets> {
    if (addresses.length * (ports.length + 1) > MAX_LOAD_SOCKETS)
      throw new LoadSocketError(
        'ERR_LOAD_SOCKETS',
        `${addresses.length} source addresses x ${ports.length} ports is more than ${MAX_LOAD_SOCKETS} sockets`,
      );
    const s = new LoadSockets(onDatagram);
    try {
      for (const port of ports)
        for (const address of addresses) s.sources.push(await s.#bindOne(address, port));
      for (const address of addresses) {
        const natt = await s.#bindOne(address, s.nattPort).catch(() => s.#bindOne(address, 0));
        if (s.nattPort === 0) s.nattPort = natt.port;
      }
    } catch (error) {
      await s.close();
      const e = error as NodeJS.ErrnoException;
      throw new LoadSocketError(e.code ?? 'ERR_LOAD_SOCKETS', `cannot bind a source socket: ${e.message}`);
    }
    return s;
  }

  /** The address the kernel sends from to reach `remote` (a connected UDP socket's local end). */
  static async routeSource(remote: Address): Promise<string> {
    const socket = createSocket(isIPv6(remote.address) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(remote.port, remote.address, () => resolve());
      });
      return socket.address().address;
    } catch (error) {
      throw new LoadSocketError(
        'ERR_LOAD_ROUTE',
        `no route to ${remote.address}: ${(error as Error).message} (name a source with --source)`,
      );
    } finally {
      socket.close();
    }
  }

  async #bindOne(address: string, port: number): Promise<Address> {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', ipv6Only: isIPv6(address) });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const local: Address = { address, port: socket.address().port };
    socket.on('message', (data, rinfo) => {
      if (!this.#closed)
        this.onDatagram({ local, remote: { address: rinfo.address, port: rinfo.port }, data });
    });
    // An ICMP error reported on a later send must not end the run; the engine retransmits.
    socket.on('error', () => {
      this.sendErrors++;
    });
    this.#byLocal.set(key(local), socket);
    this.#all.push(socket);
    return local;
  }

  /** Sends from the socket bound to `transmit.local`; false when there is none. */
  send(transmit: Transmit, tracked = false): boolean {
    const socket = this.#byLocal.get(key(transmit.local));
    if (socket === undefined || this.#closed) return false;
    if (!tracked) {
      socket.send(transmit.data, transmit.remote.port, transmit.remote.address);
      return true;
    }
    this.#pending++;
    socket.send(transmit.data, transmit.remote.port, transmit.remote.address, () => {
      if (--this.#pending === 0) this.#idle?.();
    });
    return true;
  }

  /** Resolves once the tracked sends have left. */
  flush(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function key(a: Address): string {
  return `${a.address.toLowerCase()}|${a.port}`;
}
