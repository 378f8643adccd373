/**
 * Which connection a datagram belongs to when no SA exists yet (a responder's first message): the
 * one whose local and remote addresses and local port match, the most specific first, as
 * strongSwan's config lookup ranks them.
 */
import type { ConnectionConfig, IketsConfig } from '../../config/swanctl.js';
import type { Address } from '../../sa/types.js';

function addressScore(configured: readonly string[], address: string): number {
  if (configured.includes(address)) return 2;
  if (configured.includes('%any')) return 1;
  return 0;
}

/** Connections for a first message from `remote` to `local`, best match first. */
export function connectionsFor(
  config: IketsConfig,
  local: Address,
  remote: Address,
  exchange: 'main' | 'aggressive',
): ConnectionConfig[] {
  return config.connections
    .map((c) => ({
      c,
      local: addressScore(c.localAddrs, local.address),
      remote: addressScore(c.remoteAddrs, remote.address),
    }))
    .filter((m) => m.local > 0 && m.remote > 0 && (m.c.aggressive ? 'aggressive' : 'main') === exchange)
    .sort((a, b) => b.local + b.remote - (a.local + a.remote))
    .map((m) => m.c);
}

/** The address to reach a connection's peer: its first concrete remote address. */
export function remoteAddressOf(c: ConnectionConfig): string | undefined {
  return c.remoteAddrs.find((a) => a !== '%any');
}

/** The local address to send from: the first concrete local address, or the wildcard of the peer's family. */
export function localAddressOf(c: ConnectionConfig, remote: string): string {
  const concrete = c.localAddrs.find((a) => a !== '%any');
  if (concrete !== undefined) return concrete;
  return remote.includes(':') ? '::' : '0.0.0.0';
}
