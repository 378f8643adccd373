/**
 * The few libc calls the data plane backends need and Node lacks (Linux only). The kernel backend: a
 * NETLINK_XFRM socket (socket/bind/send/recv), setsockopt() of XFRM policies and UDP_ENCAP on the
 * daemon's UDP sockets, setns() in tests. The userspace backend: open/ioctl for a TUN device,
 * read/write of one packet, setsockopt(SO_MARK). They go through koffi (FFI without a compiler at
 * install time, docs/dataplane.md "TUN device"), loaded on first use so that importing this module
 * costs nothing on a machine that never asks for a data plane.
 *
 * Calls are synchronous unless named otherwise. Those returning a C status give a CallResult (the
 * errno koffi saved right after the call when it is negative); those returning a byte count give the
 * number, with errno() right after a negative one.
 */
import { createRequire } from 'node:module';

/** Linux errno values the data plane tells apart (asm-generic/errno-base.h, errno.h). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
} as const;

/** Result of a call that may fail: the C return value, and errno when it is negative. */
export interface CallResult {
  readonly result: number;
  readonly errno: number;
}

/** The readiness callback of libuv's poll handle on a file descriptor. */
export interface FdPoller {
  stop(): void;
  close(): void;
  unref(): void;
}

export interface Libc {
  open(path: string, flags: number): CallResult;
  close(fd: number): CallResult;
  /** ioctl(fd, request, arg) with a pointer argument: the kernel reads and writes `arg` in place. */
  ioctl(fd: number, request: number, arg: Uint8Array): CallResult;
  /** ioctl(fd, request, arg) with an int argument. */
  ioctlInt(fd: number, request: number, arg: number): CallResult;
  /** One read(2) into `buffer`: the number of bytes, or -1 with errno (EAGAIN when nothing is queued). */
  read(fd: number, buffer: Uint8Array): number;
  /** One write(2) of `data`: the number of bytes written, or -1 with errno. */
  write(fd: number, data: Uint8Array): number;
  errno(): number;
  socket(domain: number, type: number, protocol: number): CallResult;
  bind(fd: number, address: Uint8Array, length: number): CallResult;
  /** One send(2): the number of bytes sent, or -1 with errno. */
  send(fd: number, data: Uint8Array, length: number, flags: number): number;
  /** One recv(2): the number of bytes received, or -1 with errno. */
  recv(fd: number, data: Uint8Array, length: number, flags: number): number;
  /** recv(2) on a worker thread; calls back with the byte count (or -1). */
  recvAsync(
    fd: number,
    data: Uint8Array,
    length: number,
    flags: number,
    done: (result: number) => void,
  ): void;
  /** setsockopt with a pointer to `length` bytes of `value`. */
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, length: number): CallResult;
  setns(fd: number, nstype: number): CallResult;
  setsockoptInt(fd: number, level: number, name: number, value: number): CallResult;
  /** getsockopt of an int option: the value, or undefined with errno on failure. */
  getsockoptInt(fd: number, level: number, name: number): { value: number | undefined; errno: number };
  /** Calls `onReadable` on Node's event loop whenever `fd` is readable (libuv uv_poll, level-triggered). */
  pollReadable(fd: number, onReadable: () => void): FdPoller;
}

/** open(2) flags (asm-generic/fcntl.h). */
export const O_RDWR = 0o2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** The subset of koffi's API used here, typed (koffi's own declarations type results as `any`). */
interface KoffiFunction {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}
interface KoffiLibrary {
  func(definition: string): KoffiFunction;
}
interface KoffiModule {
  load(path: string): KoffiLibrary;
  errno(): number;
  node?: {
    poll(
      fd: number,
      options: { readable: boolean },
      callback: (status: number, events: unknown) => void,
    ): FdPoller;
  };
}

let cached: Libc | undefined;

/** Loads libc through koffi; throws (a plain Error) when koffi or libc cannot be loaded. */
export function libc(): Libc {
  if (cached !== undefined) return cached;
  // createRequire: koffi is CommonJS with a native module; a lazy require keeps the import free.
  const koffi = createRequire(import.meta.url)('koffi') as KoffiModule;
  const lib = koffi.load('libc.so.6');
  const open = lib.func('int open(const char *path, int flags)');
  const close = lib.func('int close(int fd)');
  const ioctlPtr = lib.func('int ioctl(int fd, unsigned long request, void *arg)');
  const ioctlInt = lib.func('int ioctl(int fd, unsigned long request, long arg)');
  const read = lib.func('long read(int fd, void *buf, size_t count)');
  const write = lib.func('long write(int fd, void *buf, size_t count)');
  const socket = lib.func('int socket(int domain, int type, int protocol)');
  const bind = lib.func('int bind(int fd, const void *addr, uint32_t len)');
  const send = lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
  const recv = lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)');
  const setns = lib.func('int setns(int fd, int nstype)');
  const setsockopt = lib.func('int setsockopt(int fd, int level, int name, void *value, uint32_t len)');
  const getsockopt = lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)');
  const poll = koffi.node?.poll;
  const call = (result: unknown): CallResult => {
    const n = Number(result);
    return { result: n, errno: n < 0 ? koffi.errno() : 0 };
  };
  cached = {
    open: (path, flags) => call(open(path, flags)),
    close: (fd) => call(close(fd)),
    ioctl: (fd, request, arg) => call(ioctlPtr(fd, request, arg)),
    ioctlInt: (fd, request, arg) => call(ioctlInt(fd, request, arg)),
    read: (fd, buffer) => Number(read(fd, buffer, buffer.byteLength)),
    write: (fd, data) => Number(write(fd, data, data.byteLength)),
    errno: () => koffi.errno(),
    socket: (domain, type, protocol) => call(socket(domain, type, protocol)),
    bind: (fd, address, length) => call(bind(fd, address, length)),
    send: (fd, data, length, flags) => Number(send(fd, data, length, flags)),
    recv: (fd, data, length, flags) => Number(recv(fd, data, length, flags)),
    recvAsync: (fd, data, length, flags, done) =>
      recv.async(fd, data, length, flags, (error: unknown, result: unknown) =>
        done(error ? -1 : Number(result)),
      ),
    setsockopt: (fd, level, name, value, length) => call(setsockopt(fd, level, name, value, length)),
    setns: (fd, nstype) => call(setns(fd, nstype)),
    // Int32Array/Uint32Array: C ints in the machine's own byte order.
    setsockoptInt: (fd, level, name, value) => call(setsockopt(fd, level, name, new Int32Array([value]), 4)),
    getsockoptInt: (fd, level, name) => {
      const value = new Int32Array(1);
      const r = call(getsockopt(fd, level, name, value, new Uint32Array([4])));
      return r.result < 0 ? { value: undefined, errno: r.errno } : { value: value[0], errno: 0 };
    },
    pollReadable: (fd, onReadable) => {
      if (poll === undefined) throw new Error('this koffi has no node.poll (koffi >= 2.15 needed)');
      // A poll error (status < 0) is reported by the read that follows, so both cases read.
      return poll(fd, { readable: true }, () => {
        try {
          onReadable();
        } catch (error) {
          // koffi's poll callback would swallow it; thrown again on the next tick, it is an
          // uncaught exception like one thrown by any other event listener.
          process.nextTick(() => {
            throw error;
          });
        }
      });
    },
  };
  return cached;
}
