/**
 * The userspace data plane's SPD (RFC 4301 section 4.4.1): policies per direction, searched in
 * priority order (lower value first, XFRM's convention; strongSwan computes the priorities), the
 * first whose source and destination selectors match a packet deciding its fate.
 */

import { sameSelector } from '../../spd/selector.js';
import type { PolicyDirection, PolicyParams } from '../backend.js';
import { type PacketFlow, selectorMatches } from '../esp/ip.js';

export type PolicyKey = Pick<PolicyParams, 'direction' | 'source' | 'destination' | 'priority'>;

/** One SPD entry per direction and selectors, whatever its priority (as XFRM keys its policies). */
export function samePolicy(a: PolicyKey, b: PolicyKey): boolean {
  return (
    a.direction === b.direction &&
    sameSelector(a.source, b.source) &&
    sameSelector(a.destination, b.destination)
  );
}

export class PolicyTable {
  readonly #byDirection: Record<PolicyDirection, PolicyParams[]> = { in: [], out: [], fwd: [] };

  /** Adds a policy, replacing the one with the same direction and selectors; returns that one. */
  add(policy: PolicyParams): PolicyParams | undefined {
    const replaced = this.remove(policy);
    const list = this.#byDirection[policy.direction];
    // Stable: among equal priorities the older policy stays first, as XFRM inserts.
    let i = list.length;
    while (i > 0 && (list[i - 1]?.priority ?? 0) > policy.priority) i--;
    list.splice(i, 0, policy);
    return replaced;
  }

  /** Removes and returns the policy equal to `key`, or undefined. */
  remove(key: PolicyKey): PolicyParams | undefined {
    const list = this.#byDirection[key.direction];
    const i = list.findIndex((p) => samePolicy(p, key));
    if (i < 0) return undefined;
    const [removed] = list.splice(i, 1);
    return removed;
  }

  /** The first policy of `direction` matching the packet (RFC 4301 section 4.4.1: ordered search). */
  lookup(direction: PolicyDirection, flow: PacketFlow): PolicyParams | undefined {
    for (const p of this.#byDirection[direction]) {
      if (
        selectorMatches(p.source, flow.family, flow.source, flow.protocol, flow.sourcePort) &&
        selectorMatches(p.destination, flow.family, flow.destination, flow.protocol, flow.destinationPort)
      ) {
        return p;
      }
    }
    return undefined;
  }

  all(): PolicyParams[] {
    return [...this.#byDirection.in, ...this.#byDirection.out, ...this.#byDirection.fwd];
  }

  clear(): void {
    for (const list of Object.values(this.#byDirection)) list.length = 0;
  }
}
