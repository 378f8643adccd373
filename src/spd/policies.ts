/**
 * The SPD entries of one child (RFC 4301 section 4.4.1): outbound traffic from its local to its
 * remote selectors is protected, inbound and forwarded traffic the other way must have been. Like
 * strongSwan, a forward policy accompanies the inbound one in tunnel mode, where the protected
 * traffic is usually routed through this host rather than addressed to it.
 */
import type { IpsecMode, IpsecProtocolName, PolicyParams, Selector } from '../dataplane/backend.js';
import { policyPriority } from './priority.js';

export interface ChildPolicySpec {
  readonly reqid: number;
  readonly protocol: IpsecProtocolName;
  readonly mode: IpsecMode;
  /** The IKE addresses: the tunnel's endpoints. */
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly localTs: Selector;
  readonly remoteTs: Selector;
  /** `trap`: no SA yet, the first matching packet asks for one; `protect`: an SA is installed. */
  readonly action: 'protect' | 'trap';
}

export function childPolicies(spec: ChildPolicySpec): PolicyParams[] {
  const kind = spec.action === 'trap' ? 'routed' : 'default';
  const out: PolicyParams = {
    direction: 'out',
    source: spec.localTs,
    destination: spec.remoteTs,
    action: spec.action,
    priority: policyPriority(kind, spec.localTs, spec.remoteTs),
    template: {
      reqid: spec.reqid,
      protocol: spec.protocol,
      mode: spec.mode,
      source: spec.localAddress,
      destination: spec.remoteAddress,
    },
  };
  const inbound: PolicyParams = {
    direction: 'in',
    source: spec.remoteTs,
    destination: spec.localTs,
    action: spec.action,
    priority: policyPriority(kind, spec.remoteTs, spec.localTs),
    template: {
      reqid: spec.reqid,
      protocol: spec.protocol,
      mode: spec.mode,
      source: spec.remoteAddress,
      destination: spec.localAddress,
    },
  };
  return spec.mode === 'tunnel' ? [out, inbound, { ...inbound, direction: 'fwd' }] : [out, inbound];
}
