/**
 * The file descriptor of a bound node:dgram socket, for the socket options Node does not offer
 * (IP_XFRM_POLICY, UDP_ENCAP). On Linux libuv keeps it as the handle's `fd` once the socket is bound.
 * Node 20 keeps the handle in the socket's internal state (a symbol described 'state symbol'); the
 * public-looking `_handle` getter works too but prints deprecation DEP0112, so it is the fallback.
 */
import type { Socket } from 'node:dgram';

interface Handle {
  readonly fd?: unknown;
}

function fdOf(handle: Handle | null | undefined): number | undefined {
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** The fd of a bound dgram socket, or undefined (not bound yet, closed, or not Linux). */
export function socketFd(socket: Socket): number | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (state !== undefined) {
    const value = (socket as unknown as Record<symbol, { readonly handle?: Handle | null } | undefined>)[
      state
    ];
    const fd = fdOf(value?.handle);
    if (fd !== undefined) return fd;
  }
  return fdOf((socket as unknown as { readonly _handle?: Handle | null })._handle);
}
