/**
 * Why a setup failed, as a typed code: what the engine's `ike-sa-down` and `child-sa-failed`
 * events and its last warning about the SA tell. The engine words its reasons for people; these
 * codes are what `ikets load` counts, prints and puts in its JSON (docs/load.md).
 */
import type { DeleteReason, IkeSaInfo } from '../sa/types.js';

export const LOAD_FAILURES = [
  /** Phase 1 message 1 was never answered (retransmissions exhausted, responder cookie still zero). */
  'no-response',
  /** The peer answered, then phase 1 stalled until the retransmissions ran out. */
  'phase1-timeout',
  /** The peer's answers or notifies could not be decrypted: the pre-shared keys differ. */
  'psk-mismatch',
  /** The peer refused phase 1 with a notify (NO_PROPOSAL_CHOSEN, AUTHENTICATION_FAILED, ...). */
  'phase1-refused',
  /** Phase 1 failed here: the peer's identity, proposal or payloads were not acceptable. */
  'phase1-failed',
  /** The peer refused our Quick Mode with a notify. */
  'quick-mode-refused',
  /** Phase 1 came up, the Quick Mode was never answered. */
  'quick-mode-timeout',
  /** The peer deleted the ISAKMP SA (or it was replaced) before the setup completed. */
  'deleted',
  /** The engine did not start the exchange (a configuration problem). */
  'initiate-error',
  /** The setup took longer than any retransmission schedule allows (a safety net). */
  'timeout',
  /** Still in progress when the run was interrupted (SIGINT) or its sockets failed. */
  'interrupted',
] as const;

export type LoadFailure = (typeof LOAD_FAILURES)[number];

export interface ClassifiedFailure {
  readonly reason: LoadFailure;
  /** The notify the peer sent, when that was the reason (e.g. NO_PROPOSAL_CHOSEN). */
  readonly notify: string | undefined;
  /** The engine's own words, for the summary's example line. */
  readonly text: string;
}

/** Notify names as the engine writes them (RFC 2408 section 3.14.1): upper case with underscores. */
const NOTIFY_NAME = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/;

/**
 * An ISAKMP SA of a setup in progress went down. `lastWarning` is the engine's last warning or
 * error line about it; `ikeUp` whether phase 1 had completed.
 */
export function classifyIkeDown(
  sa: IkeSaInfo,
  reason: DeleteReason,
  ikeUp: boolean,
  lastWarning: string | undefined,
): ClassifiedFailure {
  const text = sa.failure ?? lastWarning ?? `ISAKMP SA down (${reason})`;
  if (reason === 'remote' || reason === 'replaced' || reason === 'dead-peer' || reason === 'expired')
    return { reason: 'deleted', notify: undefined, text };
  if (/decrypt/.test(text)) return { reason: 'psk-mismatch', notify: undefined, text };
  const notify = peerNotify(text);
  if (notify !== undefined) return { reason: ikeUp ? 'quick-mode-refused' : 'phase1-refused', notify, text };
  if (ikeUp) return { reason: 'quick-mode-timeout', notify: undefined, text };
  if (sa.failure === undefined && /^0+$/.test(sa.responderCookie))
    return { reason: 'no-response', notify: undefined, text };
  if (/no answer after/.test(text)) return { reason: 'phase1-timeout', notify: undefined, text };
  return { reason: 'phase1-failed', notify: undefined, text };
}

/** Our Quick Mode ended without SAs (`child-sa-failed`): the peer refused it. */
export function classifyChildFailed(reason: string): ClassifiedFailure {
  const notify = peerNotify(reason);
  return { reason: notify === undefined ? 'quick-mode-timeout' : 'quick-mode-refused', notify, text: reason };
}

/** The notify the peer sent, as the engine quotes it ("the peer refused: X", "the peer sent X, ..."). */
function peerNotify(text: string): string | undefined {
  if (!/the peer (refused|sent|notifies)/.test(text)) return undefined;
  return NOTIFY_NAME.exec(text)?.[1];
}
