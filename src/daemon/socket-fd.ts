/**
 * The file descriptor of a bound node:dgram socket, for the socket options Node has no API for
 * (SO_MARK for the data plane's routing bypass, UDP_ENCAP for kernel ESP-in-UDP). Node keeps it on
 * the socket's libuv handle (`handle.fd`, Linux and other Unix systems). The handle sits in the
 * socket's internal state (own symbol property `state symbol`); the public-looking `_handle`
 * getter would print deprecation DEP0112. The UDP socket exists only after bind().
 */
import type { Socket } from 'node:dgram';

/** The socket's fd, or undefined when it has none (not bound yet, closed, or not a Unix system). */
export function socketFd(socket: Socket): number | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (key === undefined) return undefined;
  const handle = property(Reflect.get(socket, key), 'handle');
  const fd = property(handle, 'fd');
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

function property(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
}
