/**
 * The timers of every SA: retransmission (RFC 2408 section 5.1 leaves the policy to us), half-open
 * expiry, the ISAKMP SA's rekeying and expiry, DPD (RFC 3706, dpd.ts), NAT-keepalives (RFC 3948 section 2.3),
 * the CHILD SAs' rekeying and expiry, and the short wait after Aggressive Mode. Each ISAKMP SA has one
 * deadline (its own timers and its children's); the TimerQueue orders them, so the endpoint never
 * scans every SA to find the next timer or the due ones.
 */

import { dpdDue, runDpd } from '../dpd.js';
import type { EndpointCore } from '../endpoint.js';
import { isConnecting } from '../states.js';
import type { IkeSa } from './ike-sa.js';
import { keptView } from './own-bytes.js';
import { TimerQueue } from './timer-queue.js';

export class SaTimers {
  readonly #queue = new TimerQueue();

  constructor(private readonly ep: EndpointCore) {}

  /** Entries in the queue: at most one per SA, however many datagrams or timers touched it. */
  get size(): number {
    return this.#queue.size;
  }

  /**
   * Sets the SA's deadline in the queue. Call it whenever the deadline may have moved earlier; one
   * that moved later without a call only costs a wake-up that finds nothing due.
   */
  schedule(sa: IkeSa): void {
    if (sa.state === 'deleted') this.#queue.delete(sa);
    else this.#queue.set(sa, this.deadlineOf(sa));
  }

  /** The SA is gone: its entry leaves the queue. */
  cancel(sa: IkeSa): void {
    this.#queue.delete(sa);
  }

  /** The earliest deadline of all SAs. */
  next(): number | undefined {
    for (let top = this.#queue.peek(); top !== undefined; top = this.#queue.peek()) {
      if (top.sa.state !== 'deleted') return top.at;
      this.#queue.delete(top.sa);
    }
    return undefined;
  }

  /** Runs the timers that are due at `ep.now`, each SA at most once per call. */
  run(): void {
    const now = this.ep.now;
    const due: IkeSa[] = [];
    for (let top = this.#queue.peek(); top !== undefined && top.at <= now; top = this.#queue.peek()) {
      this.#queue.delete(top.sa);
      due.push(top.sa);
    }
    for (const sa of due) {
      if (sa.state === 'deleted') continue;
      try {
        this.runSa(sa);
      } catch (error) {
        // Each action guards its own failures (rekeyChild); this keeps one SA's bug from stopping
        // every other SA's timers.
        this.ep.log('error', `a timer failed: ${(error as Error).message}`, sa);
      }
      this.schedule(sa);
      if ((this.#queue.get(sa) ?? Number.POSITIVE_INFINITY) <= now) {
        // Still due after its timers ran (nothing can advance until later): look again next time.
        this.ep.log('debug', 'a timer is due again at once; deferred', sa);
        this.#queue.set(sa, now + 1);
      }
    }
  }

  deadlineOf(sa: IkeSa): number {
    let next = sa.childrenStartAt ?? Number.POSITIVE_INFINITY;
    for (const o of sa.outstanding.values()) if (o.timer) next = Math.min(next, o.nextAt);
    // Half-open responder SAs are bounded in time; an initiator gives up through its retransmissions.
    if (isConnecting(sa.state) && sa.role === 'responder')
      next = Math.min(next, sa.lastActivity + this.ep.settings.halfOpenTimeout);
    if (sa.state === 'established') {
      next = Math.min(next, sa.rekeyAt ?? Number.POSITIVE_INFINITY, sa.expiresAt ?? Number.POSITIVE_INFINITY);
      const dpd = dpdDue(this.ep, sa);
      if (dpd !== undefined) next = Math.min(next, dpd);
      if (sa.floated && sa.localBehindNat)
        next = Math.min(next, sa.lastKeepalive + this.ep.settings.keepaliveInterval);
    }
    for (const child of this.ep.children.ofIkeSa(sa)) {
      const rekey =
        child.state === 'installed'
          ? (child.info.rekeyAt ?? Number.POSITIVE_INFINITY)
          : Number.POSITIVE_INFINITY;
      next = Math.min(next, rekey, child.info.expiresAt);
    }
    return next;
  }

  runSa(sa: IkeSa): void {
    const ep = this.ep;
    const lifecycle = ep.lifecycle;
    const now = ep.now;
    if (sa.childrenStartAt !== undefined && now >= sa.childrenStartAt) lifecycle.startPendingChildren(sa);
    if (
      isConnecting(sa.state) &&
      sa.role === 'responder' &&
      now >= sa.lastActivity + ep.settings.halfOpenTimeout
    ) {
      const why = sa.failure === undefined ? '' : ` (${sa.failure})`;
      // Anyone can open half-open SAs (one message 1 each): these lines are rate-limited.
      ep.logLimited(
        'half-open timeout',
        'warn',
        `no message from the peer for ${ep.settings.halfOpenTimeout / 1000} s during phase 1: giving up${why}`,
        sa,
      );
      lifecycle.removeIkeSa(sa, 'failed');
      return;
    }
    if (!this.retransmit(sa) || sa.state !== 'established') return;
    if (sa.expiresAt !== undefined && now >= sa.expiresAt) {
      ep.log('info', 'ISAKMP SA lifetime expired', sa);
      lifecycle.deleteIkeSa(sa, 'expired');
      return;
    }
    if (sa.rekeyAt !== undefined && now >= sa.rekeyAt) lifecycle.rekeyIkeSa(sa);
    if (!runDpd(this.ep, sa)) return;
    if (sa.floated && sa.localBehindNat && now >= sa.lastKeepalive + ep.settings.keepaliveInterval) {
      sa.lastKeepalive = now;
      ep.sendKeepalive(sa);
    }
    lifecycle.rekeying.flushDeletes(sa);
    for (const child of ep.children.ofIkeSa(sa)) {
      if (now >= child.info.expiresAt) {
        ep.log('info', `CHILD SA '${child.config.name}' lifetime expired`, sa);
        lifecycle.removeChild(child, 'expired', true);
      } else if (
        child.info.rekeyAt !== undefined &&
        now >= child.info.rekeyAt &&
        child.state === 'installed'
      ) {
        lifecycle.rekeying.rekeyChild(sa, child);
      }
    }
  }

  /** Retransmits what is due; false when the SA was given up. */
  retransmit(sa: IkeSa): boolean {
    const ep = this.ep;
    for (const [messageId, o] of sa.outstanding) {
      if (!o.timer || ep.now < o.nextAt) continue;
      if (o.tries >= ep.settings.retransmitTries) {
        const hint =
          sa.failure ??
          (messageId === 0 ? 'the peer may have refused our proposal or pre-shared key' : undefined);
        ep.log(
          'warn',
          `no answer after ${o.tries} retransmissions${hint === undefined ? '' : ` (${hint})`}`,
          sa,
        );
        if (messageId === 0 || sa.state !== 'established') {
          ep.lifecycle.removeIkeSa(sa, 'failed');
          return false;
        }
        o.timer = false;
        if (sa.newGroupMode?.messageId === messageId) ep.lifecycle.newGroupModeDone(sa);
        const qm = sa.quickModes.get(messageId);
        // A PFS g^xy still computed for it is not waited for (compute-queue.ts).
        ep.computeQueue.cancel(sa, messageId);
        if (qm !== undefined) {
          for (const spi of qm.localSpis.values()) ep.children.releaseSpi(spi);
          ep.lifecycle.rekeying.quickModeAbandoned(sa, qm);
        }
        sa.endExchange(messageId);
        // Our Quick Mode got no answer: whoever waits for the child (`ikets up`) hears it now,
        // with the reason, instead of waiting out its own timeout (issue 10 item F).
        if (qm?.role === 'initiator')
          ep.emit({
            type: 'child-sa-failed',
            sa: { connection: sa.connection.name, child: qm.child.name, ikeSaId: sa.id },
            reason: `no answer after ${o.tries} retransmissions`,
          });
        continue;
      }
      o.tries++;
      const wait = ep.settings.retransmitTimeout * ep.settings.retransmitBase ** o.tries;
      o.nextAt = ep.now + Math.min(wait, ep.settings.retransmitMaxInterval);
      ep.log('debug', `retransmitting (${o.tries}/${ep.settings.retransmitTries})`, sa);
      ep.transmit(sa, keptView(o.data), true);
    }
    return true;
  }
}
