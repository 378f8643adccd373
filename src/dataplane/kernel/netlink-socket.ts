/**
 * A NETLINK_XFRM socket through libc (koffi): requests answered synchronously (the kernel handles an
 * XFRM request inside send() and queues its answer before send() returns), and a second socket,
 * bound to the ACQUIRE/EXPIRE/MAPPING multicast groups, read on a worker thread (koffi async call)
 * with a receive timeout so close() never waits long.
 */
import { DataplaneError } from '../backend.js';
import { type Libc, libc } from '../libc.js';
import { errorOf, type ParsedMessage, parseMessages } from './netlink.js';
import { AF_NETLINK, NETLINK_XFRM, XfrmGroup } from './xfrm-constants.js';

const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
export const EPERM = 1;
const EACCES = 13;
const EINTR = 4;
const EAGAIN = 11;
const RECEIVE_BYTES = 65536;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  22: 'EINVAL',
  38: 'ENOSYS',
  93: 'EPROTONOSUPPORT',
  95: 'EOPNOTSUPP',
  105: 'ENOBUFS',
};

/** errno -> typed failure (EPERM/EACCES: no CAP_NET_ADMIN). */
export function errnoError(errno: number, what: string): DataplaneError {
  if (errno === EPERM || errno === EACCES)
    return new DataplaneError(
      'ERR_DATAPLANE_PERMISSION',
      `${what}: operation not permitted (CAP_NET_ADMIN needed)`,
    );
  if (errno === 2 || errno === 3) return new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `${what}: not found`);
  if (errno === 17) return new DataplaneError('ERR_DATAPLANE_EXISTS', `${what}: already installed`);
  const name = ERRNO_NAMES[errno];
  return new DataplaneError(
    'ERR_DATAPLANE_IO',
    `${what}: ${name === undefined ? `errno ${errno}` : `${name} (${errno})`}`,
  );
}

function timeval(ms: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  out.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  return out;
}

function openSocket(c: Libc, groups: number): number {
  const { result: fd, errno } = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
  if (fd < 0) {
    if (errno === 93 || errno === 97 || errno === 22)
      throw new DataplaneError('ERR_DATAPLANE_UNSUPPORTED', 'the kernel has no XFRM netlink (xfrm_user)');
    throw errnoError(errno, 'socket(AF_NETLINK, NETLINK_XFRM)');
  }
  const address = Buffer.alloc(12); // struct sockaddr_nl: family, pad, port id (0: the kernel picks), groups
  address.writeUInt16LE(AF_NETLINK, 0);
  address.writeUInt32LE(groups, 8);
  const bound = c.bind(fd, address, address.length);
  if (bound.result < 0) {
    c.close(fd);
    throw errnoError(bound.errno, 'bind(NETLINK_XFRM)');
  }
  return fd;
}

export class XfrmSocket {
  readonly #c: Libc;
  readonly #fd: number;
  readonly #buffer = Buffer.alloc(RECEIVE_BYTES);
  #seq = 1;
  #eventFd = -1;
  #eventLoop: Promise<void> | undefined;
  #closed = false;

  constructor() {
    this.#c = libc();
    this.#fd = openSocket(this.#c, 0);
    this.#c.setsockopt(this.#fd, SOL_SOCKET, SO_RCVTIMEO, timeval(2000), 16);
  }

  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    return this.#seq;
  }

  /**
   * Sends one request (its sequence number is written into it) and returns the answer: the data
   * message for a GET, or undefined for an ACK. A negative ACK throws the errno as a DataplaneError.
   */
  request(data: Buffer, what: string): ParsedMessage | undefined {
    if (this.#closed) throw new DataplaneError('ERR_DATAPLANE_IO', `${what}: backend closed`);
    const seq = this.nextSeq();
    data.writeUInt32LE(seq, 8);
    if (this.#c.send(this.#fd, data, data.length, 0) < 0) throw errnoError(this.#c.errno(), what);
    for (;;) {
      const n = this.#c.recv(this.#fd, this.#buffer, this.#buffer.length, 0);
      if (n < 0) {
        const errno = this.#c.errno();
        if (errno === EINTR) continue;
        throw errno === EAGAIN
          ? new DataplaneError('ERR_DATAPLANE_IO', `${what}: no answer from the kernel`)
          : errnoError(errno, what);
      }
      for (const msg of parseMessages(this.#buffer.subarray(0, n))) {
        if (msg.seq !== seq) continue; // a late answer to an earlier, timed-out request
        const errno = errorOf(msg);
        // a data message: copied out of the receive buffer, which the next request reuses
        if (errno === undefined) return { ...msg, payload: Buffer.from(msg.payload) };
        if (errno !== 0) throw errnoError(errno, what);
        return undefined;
      }
    }
  }

  /** Starts reading the ACQUIRE, EXPIRE and MAPPING groups; `onMessage` gets each message. */
  listen(onMessage: (msg: ParsedMessage) => void): void {
    if (this.#eventLoop !== undefined) return;
    const groups =
      (1 << (XfrmGroup.ACQUIRE - 1)) | (1 << (XfrmGroup.EXPIRE - 1)) | (1 << (XfrmGroup.MAPPING - 1));
    this.#eventFd = openSocket(this.#c, groups);
    const size = Buffer.alloc(4);
    size.writeInt32LE(1 << 20, 0);
    this.#c.setsockopt(this.#eventFd, SOL_SOCKET, SO_RCVBUF, size, 4);
    this.#c.setsockopt(this.#eventFd, SOL_SOCKET, SO_RCVTIMEO, timeval(200), 16);
    const fd = this.#eventFd;
    const buffer = Buffer.alloc(RECEIVE_BYTES);
    this.#eventLoop = (async () => {
      while (!this.#closed) {
        const n = await new Promise<number>((resolve) =>
          this.#c.recvAsync(fd, buffer, buffer.length, 0, resolve),
        );
        if (this.#closed) break;
        if (n <= 0) continue; // receive timeout or ENOBUFS (events lost to a full buffer): read on
        for (const msg of parseMessages(Buffer.from(buffer.subarray(0, n)))) onMessage(msg);
      }
    })();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#eventLoop;
    if (this.#eventFd >= 0) this.#c.close(this.#eventFd);
    this.#c.close(this.#fd);
  }
}
