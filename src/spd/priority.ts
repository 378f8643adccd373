/**
 * Policy priorities as strongSwan's kernel-netlink computes them, so ikets' policies sit among a
 * host's other IPsec policies as charon's would (lower value wins, XFRM's convention). The base
 * separates kinds: bypass policies (200,000) beat installed and trap policies (400,000), which beat
 * fallbacks (600,000). Within a kind, more specific selectors win: each prefix bit of source and
 * destination counts 512, a protocol 256, each port-mask bit 4, an interface 2, and a regular
 * policy beats a trap policy with the same selectors by 1 (so an installed SA's policy takes over).
 */
import type { Selector } from '../dataplane/backend.js';
import { coveringPrefix } from './selector.js';

const PRIO_BASE = 200_000;

export type PriorityKind = 'pass' | 'default' | 'routed' | 'fallback';

export function policyPriority(
  kind: PriorityKind,
  source: Selector,
  destination: Selector,
  interfaceBound = false,
): number {
  let priority = PRIO_BASE;
  if (kind === 'fallback') priority += 2 * PRIO_BASE;
  else if (kind === 'default' || kind === 'routed') priority += PRIO_BASE;
  const prefixBits = coveringPrefix(source).prefixLength + coveringPrefix(destination).prefixLength;
  // One selector for both ends' protocol: the more restrictive of the two (0 = any).
  const protocol = Math.max(source.protocol, destination.protocol);
  const portBits = (source.port !== 0 ? 16 : 0) + (destination.port !== 0 ? 16 : 0);
  priority -= prefixBits * 512;
  priority -= protocol !== 0 ? 256 : 0;
  priority -= portBits * 4;
  priority -= interfaceBound ? 2 : 0;
  priority -= kind !== 'routed' ? 1 : 0;
  return priority;
}
