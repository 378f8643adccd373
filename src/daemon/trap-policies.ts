/**
 * The trap policies of a child (`start_action = trap`, `dpd_action = trap`, `close_action = trap`):
 * policies that protect nothing yet, whose first matching packet makes the kernel ask for an SA
 * (ACQUIRE) and so starts Quick Mode (docs/dataplane.md).
 */
import type { ChildConfig, ConnectionConfig } from '../config/swanctl.js';
import type { PolicyParams, Selector } from '../dataplane/backend.js';
import { selectorOf } from '../ikev1/quick-mode/traffic-selectors.js';
import { childPolicies, formatSpdSelector, type ReqidAllocator } from '../spd/index.js';

export interface Trap {
  readonly connection: string;
  readonly child: string;
  readonly reqid: number;
  readonly reqidKey: string;
  readonly policies: readonly PolicyParams[];
}

/** The trap of a child, or why it cannot have one (a trap needs concrete addresses to match packets). */
export function trapOf(
  connection: ConnectionConfig,
  child: ChildConfig,
  reqids: ReqidAllocator,
): Trap | string {
  const localAddress = connection.localAddrs.find(isConcrete);
  const remoteAddress = connection.remoteAddrs.find(isConcrete);
  if (localAddress === undefined || remoteAddress === undefined)
    return 'a trap needs concrete local_addrs and remote_addrs';
  const dynamic = { kind: 'dynamic', protocol: 0, port: 0 } as const;
  const local = selectorOf(child.localTs[0] ?? dynamic, localAddress);
  const remote = selectorOf(child.remoteTs[0] ?? dynamic, remoteAddress);
  const key = `${connection.name}/${child.name}`;
  const reqidKey = reqidKeyOf(connection.name, child.name, local, remote);
  const reqid = reqids.acquire(reqidKey, `trap:${key}`);
  const protocol = child.ahProposals.length > 0 && child.espProposals.length === 0 ? 'ah' : 'esp';
  const policies = childPolicies({
    reqid,
    protocol,
    mode: child.mode,
    localAddress,
    remoteAddress,
    localTs: local,
    remoteTs: remote,
    action: 'trap',
  });
  return { connection: connection.name, child: child.name, reqid, reqidKey, policies };
}

export function reqidKeyOf(connection: string, child: string, local: Selector, remote: Selector): string {
  return `${connection}/${child} ${formatSpdSelector(local)} ${formatSpdSelector(remote)}`;
}

function isConcrete(address: string): boolean {
  return address !== '%any' && address !== '%any4' && address !== '%any6' && !address.includes('/');
}
