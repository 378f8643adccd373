/**
 * The daemon's receive path: ESP-in-UDP goes to the data plane at once; IKE waits in the receive
 * queue (receive-queue.ts), the datagrams of known exchanges ahead of first messages, and is
 * handled when the event loop turns. So the sockets are read as fast as the kernel delivers, and a
 * flood the engine cannot keep up with is dropped here, by kind, instead of in the kernel's socket
 * buffer with everyone's datagrams (issue 10 item C).
 */
import type { DataplaneBackend } from '../dataplane/backend.js';
import type { Address, IncomingDatagram, LogLevel } from '../sa/types.js';
import type { EndpointLike } from './endpoint-like.js';
import { Backlog, type BacklogState } from './receive-queue.js';

/**
 * The receive queue's bounds, each of its two queues: 4,096 datagrams (a fifth of a second of a
 * 20,000/s flood, and more than the engine handles in that time) and 8 MiB.
 */
const BACKLOG_LIMITS = { datagrams: 4096, bytes: 8 * 1024 * 1024 };

export interface DatagramReceiverHooks {
  readonly endpoint: () => EndpointLike;
  readonly clock: () => number;
  stopping(): boolean;
  dataplane(): DataplaneBackend | undefined;
  isNattSocket(local: Address): boolean;
  log(level: LogLevel, message: string): void;
  drive(): void;
  /** A control request waits: one datagram a turn (requests-waiting.ts). */
  requestsWaiting(): boolean;
}

export class DatagramReceiver {
  #datagramsIn = 0;
  readonly #backlog: Backlog<IncomingDatagram>;

  constructor(private readonly hooks: DatagramReceiverHooks) {
    this.#backlog = new Backlog<IncomingDatagram>(
      BACKLOG_LIMITS,
      (d) => d.data.length,
      (d) => this.#handle(d),
      () => hooks.drive(),
      { yieldNow: () => hooks.requestsWaiting() },
    );
  }

  get datagramsReceived(): number {
    return this.#datagramsIn;
  }

  /** The receive queue's state: datagrams waiting, the peak, and those dropped because it was full. */
  get backlog(): BacklogState {
    return this.#backlog.state;
  }

  /** Drops what waits (shutting down). */
  clear(): void {
    this.#backlog.clear();
  }

  /** A datagram read from a socket. */
  receive(datagram: IncomingDatagram): void {
    if (this.hooks.stopping()) return;
    this.#datagramsIn++;
    const dataplane = this.hooks.dataplane();
    if (
      dataplane?.receiveEspInUdp !== undefined &&
      isEspInUdp(datagram) &&
      this.hooks.isNattSocket(datagram.local)
    ) {
      dataplane.receiveEspInUdp(datagram);
      return;
    }
    this.#backlog.push(datagram, this.hooks.endpoint().expects?.(datagram) ?? true);
  }

  #handle(datagram: IncomingDatagram): void {
    try {
      this.hooks.endpoint().handleDatagram(this.hooks.clock(), datagram);
    } catch (error) {
      this.hooks.log(
        'error',
        `internal error on a datagram from ${datagram.remote.address}:${datagram.remote.port}: ${describe(error)}`,
      );
    }
  }
}

/**
 * ESP-in-UDP (RFC 3948 section 2.2): on the NAT-T port, a datagram whose first four bytes are not
 * the zero non-ESP marker is an ESP packet (its SPI is never 0); a single 0xFF byte is a keepalive.
 */
function isEspInUdp(datagram: IncomingDatagram): boolean {
  const d = datagram.data;
  return d.length >= 8 && (d[0] !== 0 || d[1] !== 0 || d[2] !== 0 || d[3] !== 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
