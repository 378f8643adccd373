/**
 * Dead Peer Detection's schedule (RFC 3706 section 5.3): an R-U-THERE only after the peer has been
 * silent for `dpd_delay`, sent again on the retransmission schedule until an ACK or `dpd_timeout`
 * (section 5.4). Silence is measured from the last sign of life: an authenticated IKE message, or
 * traffic the data plane received on one of the SA's CHILD SAs (as strongSwan asks the kernel for
 * the SAs' use time before it sends one).
 *
 * Each round waits a little longer than `dpd_delay`, by a spread of up to DPD_SPREAD of it that
 * differs between SAs and from round to round: SAs that came up in the same second would otherwise
 * start their rounds in the same second for ever, 100,000 R-U-THEREs at once (issue 12).
 */
import type { EndpointCore } from './endpoint.js';
import { sendRuThere } from './informational.js';
import type { DpdRound, IkeSa } from './sa/ike-sa.js';

/** A round starts after between 1 and 1 + DPD_SPREAD times `dpd_delay` of silence. */
export const DPD_SPREAD = 0.1;

/**
 * A spread in [0, DPD_SPREAD x delay) ms from a 32-bit seed: the finaliser of MurmurHash3, so that
 * consecutive seeds land far apart.
 */
export function dpdSpread(seed: number, delay: number): number {
  let x = Math.imul(seed ^ (seed >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x = (x ^ (x >>> 16)) >>> 0;
  return Math.floor((x / 2 ** 32) * delay * DPD_SPREAD);
}

/**
 * This round's spread: seeded by the sequence number of our last R-U-THERE (random at the SA's
 * first, RFC 3706 section 5.3, then one more each) or, before the first, by the SA's id. So it takes
 * no field and no random draw, differs between SAs and changes with each round we start.
 */
function spreadOf(sa: IkeSa, delay: number): number {
  return dpdSpread(sa.dpdSequence === 0 ? sa.id : sa.dpdSequence, delay);
}

/** When the silence ends that starts the next round. */
function silentUntil(sa: IkeSa, delay: number): number {
  return sa.lastActivity + delay + spreadOf(sa, delay);
}

/** How long before the round the data plane is asked about the children's traffic. */
function checkLead(ep: EndpointCore, delay: number): number {
  return Math.min(ep.settings.dpdTrafficCheck, delay / 4);
}

/** Whether the data plane is still to be asked before this round (it is, once per silence). */
function checkPending(ep: EndpointCore, sa: IkeSa, delay: number, silent: number): boolean {
  return (
    ep.settings.dpdTrafficCheck > 0 &&
    sa.dpdCheckedAt < silent - checkLead(ep, delay) &&
    ep.children.carries(sa)
  );
}

/** When DPD has something to do: ask about traffic, start a round, retransmit, or give the peer up. */
export function dpdDue(ep: EndpointCore, sa: IkeSa): number | undefined {
  const delay = sa.connection.dpdDelay * 1000;
  if (delay <= 0 || !sa.peerDpd) return undefined;
  const round = sa.dpdRound;
  if (round !== undefined) return Math.min(round.nextAt, dpdDeadAt(sa, round));
  const silent = silentUntil(sa, delay);
  return checkPending(ep, sa, delay, silent) ? silent - checkLead(ep, delay) : silent;
}

/** The end of a DPD round without an ACK: `dpd_timeout` after its first R-U-THERE (at least `dpd_delay`). */
export function dpdDeadAt(sa: IkeSa, round: DpdRound): number {
  return round.sentAt + Math.max(sa.connection.dpdTimeout, sa.connection.dpdDelay) * 1000;
}

/**
 * DPD (RFC 3706 section 5.4): an R-U-THERE after `dpd_delay` (and the spread) without a sign of life,
 * sent again on the retransmission schedule until an ACK comes or the round's `dpd_timeout` runs
 * out; only then is the peer dead (docs/ikev1-engine.md compares strongSwan). False when it is.
 */
export function runDpd(ep: EndpointCore, sa: IkeSa): boolean {
  const now = ep.now;
  // Any sign of life since the round began proves the peer alive, as an ACK would (RFC 3706
  // section 5.4; strongSwan counts any inbound message, and the kernel's SA use time, too).
  if (sa.dpdRound !== undefined && sa.lastActivity > sa.dpdRound.sentAt) sa.dpdRound = undefined;
  const due = dpdDue(ep, sa);
  if (due === undefined || now < due) return true;
  const round = sa.dpdRound;
  if (round === undefined) {
    const delay = sa.connection.dpdDelay * 1000;
    const silent = silentUntil(sa, delay);
    if (checkPending(ep, sa, delay, silent)) {
      sa.dpdCheckedAt = now;
      ep.emit({
        type: 'dpd-traffic-check',
        sa: { connection: sa.connection.name, ikeSaId: sa.id },
        children: ep.children.ofIkeSa(sa).map((c) => c.info.id),
      });
      return true;
    }
    if (now < silent) return true;
    sendRuThere(sa, ep);
    if (sa.dpdRound !== undefined) sa.dpdRound.nextAt = now + ep.settings.retransmitTimeout;
    return true;
  }
  if (now >= dpdDeadAt(sa, round)) {
    ep.log(
      'warn',
      `no DPD answer for ${Math.max(sa.connection.dpdTimeout, sa.connection.dpdDelay)} s (${round.retransmits + 1} R-U-THERE sent): the peer is dead`,
      sa,
    );
    ep.lifecycle.removeIkeSa(sa, 'dead-peer');
    return false;
  }
  round.retransmits++;
  ep.log('debug', `no R-U-THERE-ACK yet: R-U-THERE again (${round.retransmits})`, sa);
  sendRuThere(sa, ep, true);
  const s = ep.settings;
  round.nextAt =
    now + Math.min(s.retransmitTimeout * s.retransmitBase ** round.retransmits, s.retransmitMaxInterval);
  return true;
}
