/**
 * The file descriptor of a bound node:dgram socket, for the socket options Node does not offer
 * (IP_XFRM_POLICY, UDP_ENCAP). On Linux, libuv keeps it as `_handle.fd` once the socket is bound.
 */
import type { Socket } from 'node:dgram';

interface WithHandle {
  readonly _handle?: { readonly fd?: unknown } | null;
}

/** The fd of a bound dgram socket, or undefined (not bound yet, closed, or not Linux). */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as WithHandle)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
