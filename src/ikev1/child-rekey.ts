/**
 * Rekeying CHILD SAs, and rekey collisions (issue 10 item 3).
 *
 * IKEv1 has no rekey exchange: a rekey is a new Quick Mode with the same selectors (RFC 2409
 * section 5.5), and RFC 2409 says nothing of two such Quick Modes crossing. strongSwan 5.9 keeps
 * both new pairs: whichever completes first replaces the old pair, the second finds no old pair
 * left (or, in charon, the first new one) and both stay installed; when a pair's rekey time comes
 * while a newer pair of the same child exists, the older one is not rekeyed but left to expire
 * (charon's `ikev1_child_sa_is_redundant`, "detected redundant CHILD_SA"). ikets does the same, so
 * neither side ever holds a pair the other does not, and it never deletes a pair the peer may still
 * send on: after a collision each side sends on the pair it installed last, which is a different
 * one on each side.
 *
 * A "child" here is what the pairs share: the connection, the peer, the child's configuration and
 * its traffic selectors. Only one Quick Mode per child is ever in flight from our side.
 */
import type { ChildSa } from './child-sa-table.js';
import type { IkeSa } from './ike-sa.js';
import type { QuickModeExchange } from './quick-mode-common.js';
import { formatSelector } from './traffic-selectors.js';

/** Two IPsec SAs (or bundles) of the same child: same connection, peer, configuration and selectors. */
export function sameChild(a: ChildSa, b: ChildSa): boolean {
  return (
    a.config === b.config &&
    a.ikeSa.connection.name === b.ikeSa.connection.name &&
    a.ikeSa.remote.address === b.ikeSa.remote.address &&
    a.info.localTs.join() === b.info.localTs.join() &&
    a.info.remoteTs.join() === b.info.remoteTs.join()
  );
}

/** The IPsec SAs of one bundle (ESP and AH negotiated together): rekeyed and replaced together. */
export function sameBundle(a: ChildSa, b: ChildSa): boolean {
  return a.ikeSa === b.ikeSa && a.config === b.config && a.info.installedAt === b.info.installedAt;
}

/** What a Quick Mode negotiates: the child's configuration and the selectors. */
export type Negotiation = Pick<QuickModeExchange, 'child' | 'localTs' | 'remoteTs'>;

/** A Quick Mode (in flight or about to be) negotiates this child: same configuration, selectors and peer. */
export function quickModeOf(sa: IkeSa, qm: Negotiation, child: ChildSa): boolean {
  return (
    qm.child === child.config &&
    sa.connection.name === child.ikeSa.connection.name &&
    sa.remote.address === child.ikeSa.remote.address &&
    formatSelector(qm.localTs) === child.info.localTs.join() &&
    formatSelector(qm.remoteTs) === child.info.remoteTs.join()
  );
}

/**
 * The newer pair of the same child that makes `child` redundant, if any: installed later (or, in
 * the same millisecond, filed later) and not itself redundant. strongSwan compares the lifetimes
 * the same way (`is_rekeyed_sooner`).
 */
export function supersededBy(child: ChildSa, all: readonly ChildSa[]): ChildSa | undefined {
  return all.find(
    (o) =>
      o !== child &&
      !sameBundle(o, child) &&
      sameChild(o, child) &&
      (o.state === 'installed' || o.state === 'rekeying') &&
      (o.info.installedAt > child.info.installedAt ||
        (o.info.installedAt === child.info.installedAt && o.info.id > child.info.id)),
  );
}

/**
 * The pair a Quick Mode from the peer rekeys: the newest installed pair of the same child, or one
 * we are rekeying ourselves (a collision: both Quick Modes then name the same old pair, and the
 * one that completes second finds it gone and replaces nothing), as charon's
 * `check_for_rekeyed_child` takes an INSTALLED or REKEYING one. A redundant pair is not taken.
 */
export function rekeyedByPeer(sa: IkeSa, qm: Negotiation, all: readonly ChildSa[]): ChildSa | undefined {
  let found: ChildSa | undefined;
  for (const c of all) {
    if ((c.state !== 'installed' && c.state !== 'rekeying') || !quickModeOf(sa, qm, c)) continue;
    if (found === undefined || c.info.installedAt > found.info.installedAt) found = c;
  }
  return found;
}

/** Our own Quick Mode in flight for this child, on any ISAKMP SA with the peer. */
export function ownQuickModeFor(child: ChildSa, sas: readonly IkeSa[]): QuickModeExchange | undefined {
  for (const sa of sas)
    for (const qm of sa.quickModes.values())
      if (qm.role === 'initiator' && quickModeOf(sa, qm, child)) return qm;
  return undefined;
}
