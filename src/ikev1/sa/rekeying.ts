/**
 * Rekeying CHILD SAs from the timers and soft limits, and what crossing Quick Modes leave behind
 * (issue 10 items 3 and 8): one Quick Mode per child in flight, redundant pairs left to expire
 * (child-rekey.ts has the rules and why), an abandoned rekey made rekeyable again, and duplicate
 * ISAKMP SAs from simultaneous initiation deleted once they carry no CHILD SA.
 */

import type { Payload } from '../../codec/index.js';
import type { EndpointCore } from '../endpoint.js';
import { sendInformational } from '../informational.js';
import {
  collisionWindow,
  ownQuickModeFor,
  sameBundle,
  sameChild,
  supersededBy,
} from '../quick-mode/child-rekey.js';
import type { QuickModeExchange } from '../quick-mode/quick-mode-common.js';
import { startQuickMode } from '../quick-mode/quick-mode-initiator.js';
import { enterChildSa } from '../states.js';
import type { ChildSa } from './child-sa-table.js';
import type { IkeSa } from './ike-sa.js';

/**
 * An ISAKMP SA that never carried a CHILD SA is not taken for a duplicate before this: a new one
 * (the peer's reauthentication, say) gets its children a moment after it is up.
 */
const DUPLICATE_GRACE_MS = 30_000;

export class Rekeying {
  /** ISAKMP SAs holding Deletes back (`sendDelete`), so flushing them all scans no other SA. */
  readonly #holding = new Set<IkeSa>();
  /** Pairs whose rekey waited once after a collision (`#deferAfterCollision`). */
  readonly #deferred = new WeakSet<ChildSa>();
  /** When our last Quick Mode on an ISAKMP SA sent its last message (`sendDelete`); no field per SA. */
  readonly #ourLastEnded = new WeakMap<IkeSa, number>();

  constructor(private readonly ep: EndpointCore) {}

  /**
   * Sends a CHILD SA's Delete, or holds it back while a Quick Mode is in progress on the ISAKMP SA:
   * charon keeps the IV and Quick Mode state of only 3 exchanges per IKE SA (least recently used
   * evicted, Informationals included), so a Delete amid crossing Quick Modes could cost one of
   * them its state and its message 3 would not decrypt. The held Deletes leave together, in one
   * Informational, when the Quick Modes are over (`flushDeletes`), and not before
   * `deleteDelayAfterQuickMode` ms after our last Quick Mode's message 3: charon hands each
   * datagram to a worker thread of its own, and one took our message 3 after the Delete we sent
   * 1 ms later (interop, 2026-12-02), while its own next Quick Mode had started; the Delete's IV
   * context then evicted that of our Quick Mode and message 3 did not decrypt. Message 3 is not
   * acknowledged (RFC 2409 section 5.5; only the commit bit, RFC 2408 section 3.1, would say when
   * the responder is done), so a wait is all an initiator has. charon 5.9 itself, having rekeyed
   * as initiator, marks the old pair REKEYED and deletes it by default not at all (it expires,
   * quick_mode.c `install`); with `delete_rekeyed = yes` its Delete leaves right after message 3
   * (task_manager_v1.c), exposed to this very race. 50 ms is the wait `quickModeDelayAfterAggressive`
   * uses for the same reordering, well past the 1 to 11 ms gaps seen failing, and costs nothing
   * but the replaced pair's inbound SA living that much longer on the peer.
   */
  sendDelete(sa: IkeSa, payload: Payload): void {
    sa.pendingDeletes ??= [];
    sa.pendingDeletes.push(payload);
    this.#holding.add(sa);
    this.flushDeletes(sa);
  }

  #flushAll(): void {
    for (const sa of [...this.#holding]) {
      if (sa.state === 'deleted') this.#holding.delete(sa);
      else if ((sa.pendingDeletes?.length ?? 0) > 0) this.flushDeletes(sa);
    }
  }

  /** Our Quick Mode on `sa` sent its message 3 now: Deletes wait a moment (`sendDelete`). */
  ourQuickModeEnded(sa: IkeSa): void {
    this.#ourLastEnded.set(sa, this.ep.now);
  }

  /** Sends the held Deletes once no Quick Mode is in progress (or now, with `force`). */
  flushDeletes(sa: IkeSa, force = false): void {
    const held = sa.pendingDeletes;
    if (held === undefined || held.length === 0) {
      this.#holding.delete(sa);
      return;
    }
    if (!force && sa.quickModes.size > 0) return;
    this.#holding.delete(sa);
    // None held, no array kept (issue 12: memory per SA).
    sa.pendingDeletes = undefined;
    if (sa.state !== 'established') return;
    const ended = force ? undefined : this.#ourLastEnded.get(sa);
    const wait = ended === undefined ? 0 : ended + this.ep.settings.deleteDelayAfterQuickMode - this.ep.now;
    sendInformational(sa, held, this.ep, Math.max(0, wait));
  }

  /**
   * Rekeys an installed CHILD SA with a new Quick Mode (from the timers or a soft limit), unless a
   * newer pair of the same child makes it redundant (a rekey collision left two: the older one
   * expires, child-rekey.ts) or a Quick Mode of ours for the child is in flight already. A failure
   * to start is logged and tried again after the retransmission timeout while the SA lives; it
   * never escapes `handleTimeout`.
   */
  rekeyChild(sa: IkeSa, child: ChildSa): void {
    const ep = this.ep;
    const bundle = ep.children.ofIkeSa(child.ikeSa).filter((c) => sameBundle(c, child));
    const newer = supersededBy(child, kinOf(ep, child));
    if (newer !== undefined) {
      for (const c of bundle) enterChildSa(c, 'superseded');
      ep.log(
        'info',
        `CHILD SA '${child.config.name}' #${child.info.id} is redundant next to #${newer.info.id} (a rekey collision): not rekeyed, it expires`,
        sa,
      );
      return;
    }
    if (this.#deferAfterCollision(child, bundle)) return;
    const peers = ep.ikeSas.atAddress(child.ikeSa.remote.address);
    if (ownQuickModeFor(child, peers) !== undefined) {
      // One Quick Mode per child at a time: look again once that one has ended.
      this.#retryRekey(bundle);
      return;
    }
    for (const c of bundle) enterChildSa(c, 'rekeying');
    try {
      startQuickMode(this.#preferred(sa), child.config, ep, child.info.id);
    } catch (error) {
      for (const c of bundle) enterChildSa(c, 'installed');
      this.#retryRekey(bundle);
      ep.log(
        'error',
        `rekeying CHILD SA '${child.config.name}' failed: ${(error as Error).message}${child.info.rekeyAt === undefined ? '' : '; trying again'}`,
        sa,
      );
    }
  }

  /**
   * The ISAKMP SA a rekey runs on: of duplicates with the peer (both sides initiated at once), the
   * one with the lowest cookies, which both sides see alike, so the children gather on it and the
   * other is left without any (then deleted, `retireDuplicates`). charon rekeys a CHILD SA on the
   * IKE SA it was negotiated on, so its rekeys follow ours there.
   */
  #preferred(sa: IkeSa): IkeSa {
    let best = sa;
    for (const o of this.ep.ikeSas.ofPeer(sa.remote.address, sa.remoteIdText))
      if (
        o.state === 'established' &&
        o.connection.name === sa.connection.name &&
        o.remote.address === sa.remote.address &&
        o.remoteIdText === sa.remoteIdText &&
        o.cookiePair < best.cookiePair
      )
        best = o;
    return best;
  }

  /**
   * After a collision (another pair of the same child is still listed), our rekey of the pair
   * we keep waits a random part of the collision window, once per pair, and is left to the peer if
   * its Quick Mode comes first (the pair is then marked as the peer's to rekey, and our timer does
   * not start another). Both sides' rekey times tie again when the pairs of a collision were
   * installed in the same moment: charon then rekeys every one of them (rekey times equal to the
   * second, `ikev1_child_sa_is_redundant`), and ours on top added a pair each round (rekey soak,
   * 2026-12-02: 3, 4, then 5 pairs). charon spreads its own rekeys with `rand_time` for the same
   * reason (a random part subtracted from `rekey_time`).
   */
  #deferAfterCollision(child: ChildSa, bundle: readonly ChildSa[]): boolean {
    const ep = this.ep;
    const window = ep.settings.rekeyDeferAfterCollision ? collisionWindow(child) : 0;
    if (window <= 0 || this.#deferred.has(child)) return false;
    const live = ['installed', 'rekeying', 'superseded'];
    if (!kinOf(ep, child).some((o) => !bundle.includes(o) && live.includes(o.state) && sameChild(o, child)))
      return false;
    const at = ep.now + 1 + (ep.random.bytes(4).readUInt32BE(0) % window);
    for (const c of bundle) {
      this.#deferred.add(c);
      if (at < c.info.expiresAt) c.info = { ...c.info, rekeyAt: at };
    }
    ep.log(
      'debug',
      `CHILD SA '${child.config.name}' #${child.info.id}: rekey in ${at - ep.now} ms (after a collision)`,
      child.ikeSa,
    );
    ep.timers.schedule(child.ikeSa);
    return true;
  }

  /** The bundle is rekeyed again after the retransmission timeout, if it lives that long. */
  #retryRekey(bundle: readonly ChildSa[]): void {
    const retry = this.ep.now + this.ep.settings.retransmitTimeout;
    for (const c of bundle) c.info = { ...c.info, rekeyAt: retry < c.info.expiresAt ? retry : undefined };
  }

  /**
   * A Quick Mode ended without installing anything (refused, or given up after its
   * retransmissions): the pair it was rekeying, ours or the peer's rekey, is installed again and
   * rekeyed later, instead of waiting for its expiry.
   */
  quickModeAbandoned(of: IkeSa, qm: QuickModeExchange): void {
    const sa = of.quickModes.get(qm.messageId) === qm ? of : undefined;
    if (sa === undefined || sa.quickModes.size === 0) this.#flushAll();
    const old = qm.rekeyOf === undefined ? undefined : this.ep.children.byId(qm.rekeyOf);
    if (old?.state !== 'rekeying') return;
    const bundle = this.ep.children.ofIkeSa(old.ikeSa).filter((c) => sameBundle(c, old));
    for (const c of bundle) enterChildSa(c, 'installed');
    if (old.info.rekeyAt === undefined || old.info.rekeyAt <= this.ep.now) this.#retryRekey(bundle);
    this.ep.timers.schedule(old.ikeSa);
  }

  /**
   * Both sides initiating at once leave two ISAKMP SAs (issue 10 item 8). Their children converge
   * (child-rekey.ts: the pair both keep is rekeyed, the other expires), and an ISAKMP SA left
   * without a CHILD SA (it lost all it had, or never got one for longer than DUPLICATE_GRACE_MS)
   * while another one with the peer carries children is a redundant duplicate: it is deleted. It
   * carries nothing either side needs, so this is safe whoever the peer is (charon drops the CHILD
   * SAs of an ISAKMP SA it receives a Delete for). Looked at whenever a CHILD SA of the peer goes.
   */
  retireDuplicates(of: IkeSa): void {
    const ep = this.ep;
    const peers = ep.ikeSas
      .ofPeer(of.remote.address, of.remoteIdText)
      .filter((o) => o.state === 'established' && o.connection.name === of.connection.name);
    const carrying = peers.find((o) => ep.children.carries(o));
    if (carrying === undefined) return;
    for (const sa of peers) {
      if (sa === carrying || sa.quickModes.size > 0 || ep.children.carries(sa)) continue;
      if (!sa.hadChildren && ep.now - (sa.establishedAt ?? ep.now) < DUPLICATE_GRACE_MS) continue;
      ep.log(
        'info',
        `ISAKMP SA #${sa.id} has no CHILD SA next to #${carrying.id}: deleting the duplicate`,
        sa,
      );
      ep.lifecycle.deleteIkeSa(sa, 'local');
    }
  }
}

/** The pairs that may be of the same child as `child` (child-rekey.ts, `sameChild`, decides). */
export function kinOf(ep: EndpointCore, child: ChildSa): readonly ChildSa[] {
  const { connection, remote, remoteIdText } = child.ikeSa;
  return ep.children.kin(connection.name, child.config.name, remote.address, remoteIdText);
}
