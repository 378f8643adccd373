/** How processing a phase 1 message ended, and the NAT-T port float (RFC 3947 section 4). */
import type { NotifyType } from '../../codec/index.js';
import type { ComputeResult, DhSharedWork } from '../compute-queue.js';
import type { ExchangeContext } from '../context.js';
import type { PayloadRuleCode, PayloadRuleViolation } from '../payload-rules.js';
import type { IkeSa } from '../sa/ike-sa.js';

export type Phase1Result =
  | { readonly kind: 'progress' }
  | { readonly kind: 'established'; readonly initialContact: boolean }
  | { readonly kind: 'ignored'; readonly reason: string }
  /** g^xy left the engine (compute-queue.ts): `resume` goes on with its result. */
  | {
      readonly kind: 'computing';
      readonly work: DhSharedWork;
      readonly resume: (result: ComputeResult) => Phase1Result;
    }
  | {
      readonly kind: 'failed';
      /** The notify to send the peer (RFC 2408 section 3.14.1). */
      readonly notify: keyof typeof NotifyType;
      readonly reason: string;
      /** The keys exist: the notify goes in an encrypted Informational exchange. */
      readonly afterKeys: boolean;
      /**
       * The message that failed was authenticated (its HASH verified), so the peer really refused or
       * sent something unacceptable. Otherwise it may be forged: the failure is only remembered.
       */
      readonly authenticated: boolean;
      /** The typed code of a message the payload rules refused (payload-rules.ts). */
      readonly code?: PayloadRuleCode;
    };

/**
 * A message that does not fit the step (a late duplicate, a reordered or forged one): dropped without
 * touching the SA, which an unauthenticated packet must not be able to kill.
 */
export function ignore(reason: string): Phase1Result {
  return { kind: 'ignored', reason };
}

/**
 * The message cannot be accepted. Unless the SA was created by it (a responder's first message), it
 * was not authenticated, so it changes nothing: the exchange keeps waiting for the real peer.
 */
export function fail(notify: keyof typeof NotifyType, reason: string, afterKeys = false): Phase1Result {
  return { kind: 'failed', notify, reason, afterKeys, authenticated: false };
}

/**
 * A phase 1 message the payload rules refuse. None of them can be authenticated (HASH_I and HASH_R
 * cover the ID payload only, RFC 2409 section 5), so it changes nothing unless it created its SA (a
 * responder's first message), which then goes with an unprotected notify.
 */
export function refusedPayloads(v: PayloadRuleViolation): Phase1Result {
  return {
    kind: 'failed',
    notify: v.notify,
    reason: v.reason,
    afterKeys: false,
    authenticated: false,
    code: v.code,
  };
}

/** The peer authenticated itself (its HASH verified) and then failed: phase 1 ends. */
export function failAuthenticated(notify: keyof typeof NotifyType, reason: string): Phase1Result {
  return { kind: 'failed', notify, reason, afterKeys: true, authenticated: true };
}

/**
 * RFC 3947 section 4: once a NAT is detected, the initiator moves to port 4500 (both its source and
 * the peer's destination port) and prefixes IKE messages with the non-ESP marker; the responder
 * follows when a message arrives there.
 */
export function floatToNatT(sa: IkeSa, ctx: ExchangeContext): void {
  if (sa.floated) return;
  sa.floated = true;
  sa.local = { address: sa.local.address, port: ctx.nattPort(sa) };
  sa.remote = { address: sa.remote.address, port: sa.connection.remotePort === 500 ? 4500 : sa.remote.port };
  ctx.log('debug', `floating to UDP ${sa.local.port} -> ${sa.remote.port} (NAT-T)`, sa);
}
