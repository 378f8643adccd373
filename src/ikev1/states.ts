/**
 * The named states of an ISAKMP SA, of the exchanges on it and of its IPsec SAs, with the transitions
 * allowed between them, in one place (OpenBSD iked's IKEV2_STATE_* and sa_state() are the model).
 * Every change of state goes through `enter` here, so a transition the tables do not list is a bug
 * found at once, not an SA left in a state nobody handles.
 *
 * Phase 1 states are named after the message the SA waits for (RFC 2409 section 5: Main Mode messages
 * 1-6, Aggressive Mode 1-3). States marked "reserved" name what ikets does not implement yet, so
 * that the work to come has its place: XAUTH (draft-beaulieu-ike-xauth-02) and Mode-Config
 * (draft-dukes-ike-mode-cfg-02) run in Transaction exchanges between phase 1 and the first Quick
 * Mode; a Quick Mode with the commit bit set waits for the responder's N(CONNECTED) before the SAs
 * are used (RFC 2408 section 3.1).
 */
import type { IkeSaState } from '../sa/types.js';

/** An ISAKMP SA, from the first message of phase 1 to its removal. */
export type IsakmpSaState =
  /** Main Mode initiator: message 1 sent, waiting for 2; then 4 after 3, 6 after 5. */
  | 'mm-wait-2'
  | 'mm-wait-4'
  | 'mm-wait-6'
  /**
   * Main Mode responder: message 2 went out without an SA (first-message.ts), so the SA starts
   * with message 3; then waits for 5 after sending 4.
   */
  | 'mm-wait-3'
  | 'mm-wait-5'
  /**
   * g^xy of the message named is being computed off the engine (compute-queue.ts): the exchange
   * resumes when the shell hands the result back. Repeats of that message are dropped meanwhile.
   */
  | 'mm-3-computing'
  | 'mm-4-computing'
  | 'am-1-computing'
  | 'am-2-computing'
  /** Aggressive Mode responder: the SA message 1 created, while that message is handled. */
  | 'am-wait-1'
  /** Aggressive Mode initiator: message 1 sent. */
  | 'am-wait-2'
  /** Aggressive Mode responder: message 2 sent. */
  | 'am-wait-3'
  /**
   * Aggressive Mode responder that answered an identity it refuses (or has no key for) with a
   * decoy HASH_R (aggressive-mode.ts): it waits like `am-wait-3` and never completes.
   */
  | 'am-wait-3-decoy'
  /** Reserved: XAUTH after phase 1 (draft-beaulieu-ike-xauth-02). */
  | 'xauth'
  /** Reserved: Mode-Config after phase 1 or XAUTH (draft-dukes-ike-mode-cfg-02). */
  | 'mode-config'
  /** Phase 1 complete: Quick Modes and Informationals run on it. */
  | 'established'
  /** Our Delete of it was sent; it goes at once. */
  | 'deleting'
  /** Removed from the endpoint; whatever still holds it must let go. */
  | 'deleted';

/** A Quick Mode in progress (RFC 2409 section 5.5), by role and the message it waits for. */
export type QuickModeState =
  /** Initiator: message 1 sent, waiting for 2. */
  | 'qm-i-wait-2'
  /**
   * The PFS g^xy (RFC 2409 section 5.5) of the message named is being computed off the engine
   * (compute-queue.ts): the responder's of message 1 (message 2 not sent yet), the initiator's of
   * message 2 (message 3 not sent yet). Repeats of that message are dropped meanwhile.
   */
  | 'qm-r-1-computing'
  | 'qm-i-2-computing'
  /** Responder: message 2 sent, waiting for 3. */
  | 'qm-r-wait-3'
  /** Initiator with the commit bit (RFC 2408 section 3.1): message 3 sent, waiting for N(CONNECTED). */
  | 'qm-i-wait-connected'
  /** Responder with the commit bit: message 3 received, SAs installed, N(CONNECTED) sent. */
  | 'qm-r-connected'
  /** Over: SAs installed, or refused or given up. */
  | 'done';

/**
 * Reserved: a Transaction exchange (ISAKMP exchange type 6) for XAUTH or Mode-Config, as the side
 * that sent a REQUEST or SET and waits for the REPLY or ACK (draft-dukes-ike-mode-cfg-02 section 3).
 */
export type TransactionState = 'cfg-wait-reply' | 'cfg-wait-ack' | 'done';

/** An IPsec SA pair (one per protocol of a bundle). */
export type ChildSaState =
  | 'installed'
  /** A Quick Mode replacing it is in progress (ours or the peer's). */
  | 'rekeying'
  /** A newer pair of the same child exists (a rekey collision left both): not rekeyed, it expires. */
  | 'superseded'
  | 'deleted';

const ISAKMP_SA: Readonly<Record<IsakmpSaState, readonly IsakmpSaState[]>> = {
  'mm-wait-2': ['mm-wait-4', 'deleted'],
  'mm-wait-4': ['mm-4-computing', 'mm-wait-6', 'deleted'],
  'mm-4-computing': ['mm-wait-6', 'deleted'],
  'mm-wait-6': ['established', 'deleted'],
  'mm-wait-3': ['mm-3-computing', 'mm-wait-5', 'deleted'],
  'mm-3-computing': ['mm-wait-5', 'deleted'],
  'mm-wait-5': ['established', 'deleted'],
  'am-wait-1': ['am-1-computing', 'am-wait-3', 'am-wait-3-decoy', 'deleted'],
  'am-1-computing': ['am-wait-3', 'am-wait-3-decoy', 'deleted'],
  'am-wait-2': ['am-2-computing', 'established', 'deleted'],
  'am-2-computing': ['established', 'deleted'],
  'am-wait-3': ['established', 'deleted'],
  'am-wait-3-decoy': ['deleted'],
  xauth: ['deleted'],
  'mode-config': ['deleted'],
  established: ['deleting', 'deleted'],
  deleting: ['deleted'],
  deleted: [],
};

const QUICK_MODE: Readonly<Record<QuickModeState, readonly QuickModeState[]>> = {
  'qm-i-wait-2': ['qm-i-2-computing', 'qm-i-wait-connected', 'done'],
  'qm-i-2-computing': ['qm-i-wait-connected', 'done'],
  'qm-r-1-computing': ['qm-r-wait-3', 'done'],
  'qm-r-wait-3': ['qm-r-connected', 'done'],
  'qm-i-wait-connected': ['done'],
  'qm-r-connected': ['done'],
  done: [],
};

const CHILD_SA: Readonly<Record<ChildSaState, readonly ChildSaState[]>> = {
  installed: ['rekeying', 'superseded', 'deleted'],
  rekeying: ['installed', 'superseded', 'deleted'],
  superseded: ['deleted'],
  deleted: [],
};

/** The transitions each kind of state allows, as written above (for docs and tests). */
export const TRANSITIONS = { isakmpSa: ISAKMP_SA, quickMode: QUICK_MODE, childSa: CHILD_SA } as const;

/**
 * Moves `holder` to `next`, or throws when the tables do not allow it (a bug in the engine; the
 * daemon logs it as an internal error). Staying in the same state is always allowed.
 */
export function enter<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  holder: { state: S },
  next: S,
): void {
  if (holder.state === next) return;
  if (!table[holder.state].includes(next))
    throw new Error(`state ${holder.state} -> ${next} is not a transition of this machine`);
  holder.state = next;
}

export const enterQuickMode = (qm: { state: QuickModeState }, next: QuickModeState): void =>
  enter(QUICK_MODE, qm, next);

export const enterChildSa = (child: { state: ChildSaState }, next: ChildSaState): void =>
  enter(CHILD_SA, child, next);

export const enterIsakmpSa = (sa: { state: IsakmpSaState }, next: IsakmpSaState): void =>
  enter(ISAKMP_SA, sa, next);

/**
 * The computing state of an SA that waits for `state`'s message and needs g^xy to answer it. An
 * unauthenticated failure after the result puts the state back (`IkeSa.savePhase1`).
 */
export function computingState(state: IsakmpSaState): IsakmpSaState {
  switch (state) {
    case 'mm-wait-3':
      return 'mm-3-computing';
    case 'mm-wait-4':
      return 'mm-4-computing';
    case 'am-wait-1':
      return 'am-1-computing';
    case 'am-wait-2':
      return 'am-2-computing';
    default:
      throw new Error(`no computing state follows ${state}`);
  }
}

/** Phase 1 in progress (and the reserved steps before the SA is usable). */
export function isConnecting(state: IsakmpSaState): boolean {
  return state !== 'established' && state !== 'deleting' && state !== 'deleted';
}

const PHASE_1: ReadonlySet<IsakmpSaState> = new Set([
  'mm-wait-2',
  'mm-wait-4',
  'mm-wait-6',
  'mm-wait-3',
  'mm-wait-5',
  'am-wait-1',
  'am-wait-2',
  'am-wait-3',
  'am-wait-3-decoy',
]);

/** A phase 1 message is expected in this state. */
export function awaitsPhase1(state: IsakmpSaState): boolean {
  return PHASE_1.has(state);
}

/** The state listings and events show (src/sa/types.ts). */
export function snapshotState(state: IsakmpSaState): IkeSaState {
  return isConnecting(state) ? 'connecting' : (state as 'established' | 'deleting' | 'deleted');
}
