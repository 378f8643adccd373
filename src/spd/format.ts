/**
 * The SPD as the control socket sends it (plain JSON) and as `ikets list-pols` prints it, one line per
 * policy in the spirit of `ip xfrm policy`: direction, selectors, action, the SA template, the
 * priority (lower wins) and who wants it (`sa:ID` for an installed child, `trap:CONN/CHILD`).
 */
import type { PolicyParams } from '../dataplane/backend.js';
import { formatSpdSelector } from './selector.js';

export interface PolicyRow {
  readonly direction: PolicyParams['direction'];
  readonly source: string;
  readonly destination: string;
  readonly action: PolicyParams['action'];
  readonly priority: number;
  readonly reqid: number | undefined;
  readonly protocol: string | undefined;
  readonly mode: string | undefined;
  readonly tunnel: { readonly source: string; readonly destination: string } | undefined;
  readonly users: readonly string[];
}

export function policyRow(policy: PolicyParams, users: readonly string[]): PolicyRow {
  const t = policy.template;
  return {
    direction: policy.direction,
    source: formatSpdSelector(policy.source),
    destination: formatSpdSelector(policy.destination),
    action: policy.action,
    priority: policy.priority,
    reqid: t?.reqid,
    protocol: t?.protocol,
    mode: t?.mode,
    tunnel: t === undefined ? undefined : { source: t.source, destination: t.destination },
    users,
  };
}

export function formatPolicyListing(rows: readonly PolicyRow[]): string {
  if (rows.length === 0) return 'no policies\n';
  return rows
    .map((r) => {
      const template =
        r.tunnel === undefined
          ? ''
          : ` ${r.protocol?.toUpperCase()} ${r.mode} ${r.tunnel.source} -> ${r.tunnel.destination} reqid ${r.reqid}`;
      return `${r.direction.padEnd(3)} ${r.source} === ${r.destination} ${r.action.toUpperCase()}${template} priority ${r.priority} (${r.users.join(', ')})`;
    })
    .map((line) => `${line}\n`)
    .join('');
}
