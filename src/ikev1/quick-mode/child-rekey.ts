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
 * one on each side. charon's "newer" is a rekey time later to the second, and it counts only
 * INSTALLED pairs: the two pairs of a collision usually share the second, and charon rekeys both
 * (5.9.8, task_manager_v1.c `queue_child_rekey`), so the peer's Quick Modes of one round may
 * outnumber the pairs we keep; each then takes a pair of its own (`rekeyedByPeer`).
 *
 * A "child" here is what the pairs share: the connection, the peer (its address and its
 * authenticated identity), the child's configuration and its traffic selectors. Only one Quick Mode
 * per child is ever in flight from our side. The identity matters where several peers share an
 * address (behind one NAT, or a load generator's many clients): their Quick Modes with the same
 * selectors are theirs alone, never a rekey of another peer's pair (charon looks for the rekeyed
 * pair among the IKE SA's own children, `check_for_rekeyed_child`).
 */
import type { ChildSa } from '../sa/child-sa-table.js';
import type { IkeSa } from '../sa/ike-sa.js';
import type { QuickModeExchange } from './quick-mode-common.js';
import { formatSelector } from './traffic-selectors.js';

/** Two IPsec SAs (or bundles) of the same child: same connection, peer, configuration and selectors. */
export function sameChild(a: ChildSa, b: ChildSa): boolean {
  return (
    a.config === b.config &&
    a.ikeSa.connection.name === b.ikeSa.connection.name &&
    a.ikeSa.remote.address === b.ikeSa.remote.address &&
    a.ikeSa.remoteIdText === b.ikeSa.remoteIdText &&
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
  return negotiates(sa, qm, child, formatSelector(qm.localTs), formatSelector(qm.remoteTs));
}

/** `quickModeOf` with the Quick Mode's selectors formatted once by the caller. */
function negotiates(sa: IkeSa, qm: Negotiation, child: ChildSa, localTs: string, remoteTs: string): boolean {
  return (
    qm.child === child.config &&
    sa.connection.name === child.ikeSa.connection.name &&
    sa.remote.address === child.ikeSa.remote.address &&
    sa.remoteIdText === child.ikeSa.remoteIdText &&
    localTs === child.info.localTs.join() &&
    remoteTs === child.info.remoteTs.join()
  );
}

/**
 * Pairs installed this close together came from crossing Quick Modes (a collision, or both sides
 * bringing the child up at once). Each side installs its own Quick Mode's pair first (on message
 * 2) and the peer's last (on message 3), so their install order is the opposite on the two sides;
 * such pairs are ordered by their SPIs instead, which both sides see alike.
 */
export function collisionWindow(child: ChildSa): number {
  return Math.min(COLLISION_WINDOW_MS, (child.config.rekeyTime * 1000) / 4);
}

const COLLISION_WINDOW_MS = 1000;

/** The pair's SPIs, smaller first: the same on both sides (our inbound is the peer's outbound). */
function spiKey(c: ChildSa): string {
  const [x, y] = [c.spiIn.toString('hex'), c.spiOut.toString('hex')];
  return x < y ? `${x}${y}` : `${y}${x}`;
}

/**
 * True when pair `a` is the one to keep next to pair `b` of the same child: installed later, or,
 * when both came from crossing Quick Modes, the one with the greater SPI key, so that both sides
 * keep (and rekey) the same pair and the other expires on both.
 */
export function keeps(a: ChildSa, b: ChildSa): boolean {
  if (Math.abs(a.info.installedAt - b.info.installedAt) < collisionWindow(a)) return spiKey(a) > spiKey(b);
  return a.info.installedAt > b.info.installedAt;
}

/**
 * The pair of the same child that makes `child` redundant, if any (strongSwan's
 * `ikev1_child_sa_is_redundant`): one to keep next to it (`keeps`) that is not redundant itself.
 */
export function supersededBy(child: ChildSa, all: readonly ChildSa[]): ChildSa | undefined {
  return all.find(
    (o) =>
      o !== child &&
      !sameBundle(o, child) &&
      sameChild(o, child) &&
      (o.state === 'installed' || o.state === 'rekeying') &&
      keeps(o, child),
  );
}

/**
 * The pair a Quick Mode from the peer rekeys, judged on its message 1. IKEv1 does not say which
 * (RFC 2409 section 5.5 has no rekey indication), so each of the peer's Quick Modes in progress
 * takes a pair of its own (`claimed`: the pairs those already took), in this order:
 * - the pair to keep among the installed ones, or one we are rekeying ourselves (a collision: both
 *   Quick Modes then name the same old pair, and the one that completes second replaces nothing),
 *   as charon's `check_for_rekeyed_child` takes an INSTALLED or REKEYING one;
 * - else a redundant pair (`superseded`): our order of crossing pairs is not the peer's. charon
 *   rekeys every pair whose rekey time is not later than another's to the second
 *   (`ikev1_child_sa_is_redundant`), so after a collision it rekeys both pairs; taken as rekeyed,
 *   the redundant pair goes when the new one is in, instead of lingering next to it until it
 *   expires while the peer's next Quick Modes pile onto the one pair we keep;
 * - else the pair to keep that another of the peer's Quick Modes took already (as before: the
 *   second to complete replaces nothing).
 * Deleting the pair taken is safe whichever the peer meant: when its Quick Mode completes here,
 * the new pair is installed on both sides, and charon sends on the pair it installed last.
 * A pair installed after message 1 or just before it is never taken (that one is new, not the old
 * one: deleting it could delete the pair the peer keeps, and with it every pair of the child on
 * both sides).
 */
export function rekeyedByPeer(
  sa: IkeSa,
  qm: Negotiation,
  all: readonly ChildSa[],
  now: number,
  claimed: readonly ChildSa[] = [],
): ChildSa | undefined {
  let live: ChildSa | undefined;
  let liveClaimed: ChildSa | undefined;
  let redundant: ChildSa | undefined;
  const localTs = formatSelector(qm.localTs);
  const remoteTs = formatSelector(qm.remoteTs);
  for (const c of all) {
    if (
      (c.state !== 'installed' && c.state !== 'rekeying' && c.state !== 'superseded') ||
      !negotiates(sa, qm, c, localTs, remoteTs)
    )
      continue;
    // A pair this young came from a Quick Mode crossing the peer's (both bringing the child up
    // at once): the peer's is another new pair, not a rekey of it.
    if (now - c.info.installedAt < collisionWindow(c)) continue;
    const taken = claimed.some((o) => o === c || sameBundle(o, c));
    if (c.state === 'superseded') {
      if (!taken && (redundant === undefined || keeps(c, redundant))) redundant = c;
    } else if (taken) {
      if (liveClaimed === undefined || keeps(c, liveClaimed)) liveClaimed = c;
    } else if (live === undefined || keeps(c, live)) live = c;
  }
  return live ?? redundant ?? liveClaimed;
}

/**
 * The pairs the peer's Quick Modes in progress take as the ones they rekey: on `sa` and on the
 * ISAKMP SAs the child's pairs belong to (`kin`; none for a child's first pair, so nothing is looked at).
 */
export function claimedByPeer(
  sa: IkeSa,
  kin: readonly ChildSa[],
  byId: (id: number) => ChildSa | undefined,
): ChildSa[] {
  const out: ChildSa[] = [];
  if (kin.length === 0) return out;
  const collect = (of: IkeSa) => {
    for (const qm of of.quickModes.values()) {
      const c = qm.role === 'responder' && qm.rekeyOf !== undefined ? byId(qm.rekeyOf) : undefined;
      if (c !== undefined) out.push(c);
    }
  };
  collect(sa);
  kin.forEach((c, i) => {
    if (c.ikeSa !== sa && kin.findIndex((o) => o.ikeSa === c.ikeSa) === i) collect(c.ikeSa);
  });
  return out;
}

/** Our own Quick Mode in flight for this child, on any ISAKMP SA with the peer. */
export function ownQuickModeFor(child: ChildSa, sas: readonly IkeSa[]): QuickModeExchange | undefined {
  for (const sa of sas)
    for (const qm of sa.quickModes.values())
      if (qm.role === 'initiator' && quickModeOf(sa, qm, child)) return qm;
  return undefined;
}
