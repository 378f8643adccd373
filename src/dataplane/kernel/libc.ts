/**
 * The few libc calls the kernel backend needs that Node lacks: a NETLINK_XFRM socket and
 * setsockopt() on the daemon's UDP sockets. Through koffi (an FFI that installs without a compiler),
 * loaded on first use so that importing ikets never needs it.
 */
import { createRequire } from 'node:module';

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  send(fd: number, data: Buffer, length: number, flags: number): number;
  recv(fd: number, data: Buffer, length: number, flags: number): number;
  /** recv() on a worker thread; calls back with the byte count (or -1). */
  recvAsync(fd: number, data: Buffer, length: number, flags: number, done: (result: number) => void): void;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  /** getsockopt() of an int option; undefined on failure. */
  getsockoptInt(fd: number, level: number, name: number): number | undefined;
  setns(fd: number, nstype: number): number;
  close(fd: number): number;
  errno(): number;
}

interface KoffiFunction {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}
interface Koffi {
  load(path: string): { func(definition: string): KoffiFunction };
  errno(): number;
}

let cached: Libc | undefined;

/** Loads libc through koffi (once). Throws when koffi or libc cannot be loaded. */
export function libc(): Libc {
  if (cached !== undefined) return cached;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  const socket = lib.func('int socket(int domain, int type, int protocol)');
  const bind = lib.func('int bind(int fd, const void *addr, uint32_t len)');
  const send = lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
  const recv = lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)');
  const setsockopt = lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)');
  const getsockopt = lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)');
  const setns = lib.func('int setns(int fd, int nstype)');
  const close = lib.func('int close(int fd)');
  cached = {
    socket: (d, t, p) => Number(socket(d, t, p)),
    bind: (fd, a, l) => Number(bind(fd, a, l)),
    send: (fd, b, l, f) => Number(send(fd, b, l, f)),
    recv: (fd, b, l, f) => Number(recv(fd, b, l, f)),
    recvAsync: (fd, b, l, f, done) =>
      recv.async(fd, b, l, f, (error: unknown, result: unknown) => done(error ? -1 : Number(result))),
    setsockopt: (fd, level, name, v, l) => Number(setsockopt(fd, level, name, v, l)),
    getsockoptInt: (fd, level, name) => {
      const value = Buffer.alloc(4);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(4, 0);
      return Number(getsockopt(fd, level, name, value, length)) < 0 ? undefined : value.readInt32LE(0);
    },
    setns: (fd, type) => Number(setns(fd, type)),
    close: (fd) => Number(close(fd)),
    errno: () => koffi.errno(),
  };
  return cached;
}
