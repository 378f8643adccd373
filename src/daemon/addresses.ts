/**
 * Which local addresses the daemon binds: `--address` when given, else the connections' `local_addrs`,
 * and every address of every interface when one of them is `%any` (or there is no connection). IPv6
 * link-local addresses (fe80::/10) are left out: binding them needs a scope (interface) id, and IKE
 * peers are not reached over them.
 */
import { networkInterfaces } from 'node:os';
import type { IketsConfig } from '../config/swanctl.js';

export type InterfaceTable = ReturnType<typeof networkInterfaces>;

export function interfaceAddresses(table: InterfaceTable = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const entries of Object.values(table)) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv6' && /^fe[89ab]/i.test(entry.address)) continue;
      out.push(entry.address);
    }
  }
  return out;
}

export function localAddresses(
  config: IketsConfig,
  explicit: readonly string[] = [],
  table: InterfaceTable = networkInterfaces(),
): string[] {
  if (explicit.length > 0) return [...new Set(explicit)];
  const configured = config.connections.flatMap((c) => c.localAddrs);
  if (configured.length === 0 || configured.includes('%any')) return [...new Set(interfaceAddresses(table))];
  return [...new Set(configured)];
}
