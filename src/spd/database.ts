/**
 * The security policy database (RFC 4301 section 4.4.1) as ikets keeps it beside the backend's:
 * every policy any child wants, keyed by direction and selectors. Several users may want the same
 * selectors (a trap policy and the SA it brought up, two generations of a rekeyed child); like
 * strongSwan's kernel-netlink, the entry keeps all of them and the backend holds the one with the best
 * priority, so removing one user restores the next (an expired SA gives its selectors back to the
 * trap policy). Pure: it returns the backend operations a change needs, the caller performs them.
 */
import type { PolicyParams } from '../dataplane/backend.js';
import { formatSpdSelector } from './selector.js';

export type SpdOperation =
  | { readonly op: 'install'; readonly policy: PolicyParams }
  | { readonly op: 'remove'; readonly policy: PolicyParams };

interface Entry {
  /** The users in the order they came, each with the policy it wants. */
  readonly users: Map<string, PolicyParams>;
  installed: PolicyParams;
}

export function policyKey(p: Pick<PolicyParams, 'direction' | 'source' | 'destination'>): string {
  return `${p.direction} ${formatSpdSelector(p.source)} ${formatSpdSelector(p.destination)}`;
}

export class SecurityPolicyDatabase {
  readonly #entries = new Map<string, Entry>();

  /** `user` (e.g. `sa:12` or `trap:conn/child`) wants `policy`; what the backend must do. */
  add(user: string, policy: PolicyParams): SpdOperation[] {
    const key = policyKey(policy);
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#entries.set(key, { users: new Map([[user, policy]]), installed: policy });
      return [{ op: 'install', policy }];
    }
    entry.users.delete(user);
    entry.users.set(user, policy);
    return this.#reinstall(entry);
  }

  /** `user` no longer wants the policy with these selectors. */
  remove(user: string, policy: Pick<PolicyParams, 'direction' | 'source' | 'destination'>): SpdOperation[] {
    const key = policyKey(policy);
    const entry = this.#entries.get(key);
    if (entry === undefined || !entry.users.delete(user)) return [];
    if (entry.users.size === 0) {
      this.#entries.delete(key);
      return [{ op: 'remove', policy: entry.installed }];
    }
    return this.#reinstall(entry);
  }

  /** Every policy the backend holds, in a stable order (for `ikets list-pols`). */
  installed(): { readonly policy: PolicyParams; readonly users: readonly string[] }[] {
    return [...this.#entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, e]) => ({ policy: e.installed, users: [...e.users.keys()] }));
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The best (lowest) priority wins; among equals the newest user, as a rekeyed child's newest SA. */
  #reinstall(entry: Entry): SpdOperation[] {
    let best: PolicyParams | undefined;
    for (const p of entry.users.values()) if (best === undefined || p.priority <= best.priority) best = p;
    if (best === undefined || samePolicy(best, entry.installed)) return [];
    entry.installed = best;
    return [{ op: 'install', policy: best }];
  }
}

function samePolicy(a: PolicyParams, b: PolicyParams): boolean {
  const ta = a.template;
  const tb = b.template;
  return (
    a.action === b.action &&
    a.priority === b.priority &&
    (ta === tb ||
      (ta !== undefined &&
        tb !== undefined &&
        ta.reqid === tb.reqid &&
        ta.protocol === tb.protocol &&
        ta.mode === tb.mode &&
        ta.source === tb.source &&
        ta.destination === tb.destination))
  );
}
