/**
 * Quick Mode and Informational messages the payload rules refuse (payload-rules.ts). Their HASH
 * comes first and covers everything after it (RFC 2409 sections 5.5, 5.7; HASH(3) covers the nonces),
 * so whether the refusal is the peer's doing can be known: a message whose HASH does not verify, or
 * that does not start with one, may be anyone's and changes nothing (no state, no IV, no reply). One
 * whose HASH verifies is refused with the rule's notify in a protected Informational, and the Quick
 * Mode it belongs to ends, as any other authenticated refusal does.
 */
import { type Message, NotifyType, type Payload } from '../codec/index.js';
import {
  equalMacs,
  informationalHash,
  quickModeHash1,
  quickModeHash2,
  quickModeHash3,
} from '../crypto/index.js';
import type { ExchangeContext } from './context.js';
import type { IncomingResult } from './incoming.js';
import { isakmpNotify, sendInformational } from './informational.js';
import type { PayloadRuleViolation } from './payload-rules.js';
import type { QuickModeExchange } from './quick-mode/quick-mode-common.js';
import { quickModeRefused } from './quick-mode/quick-mode-initiator.js';
import type { IkeSa } from './sa/ike-sa.js';

const dropped = (reason: string): IncomingResult => ({ kind: 'dropped', reason });

/**
 * Whether the message's leading HASH verifies: Quick Mode HASH(1), (2) or (3) for the exchange
 * `qm` (undefined: message 1), or the Informational HASH(1) when `qm` is 'informational'.
 */
function hashVerifies(
  sa: IkeSa,
  messageId: number,
  payloads: readonly Payload[],
  hashed: Uint8Array,
  qm: QuickModeExchange | undefined | 'informational',
): boolean {
  const hash = payloads[0];
  if (hash?.type !== 'hash' || sa.keys === undefined || sa.suite === undefined) return false;
  const prf = sa.suite.hash.hash;
  const skeyidA = sa.keys.skeyid.skeyidA;
  const expected =
    qm === 'informational'
      ? informationalHash(prf, skeyidA, messageId, hashed)
      : qm === undefined
        ? quickModeHash1(prf, skeyidA, messageId, hashed)
        : qm.state === 'qm-i-wait-2'
          ? quickModeHash2(prf, skeyidA, messageId, qm.nonceI, hashed)
          : quickModeHash3(prf, skeyidA, messageId, qm.nonceI, qm.nonceR);
  return equalMacs(expected, hash.data);
}

function unauthenticated(ctx: ExchangeContext, sa: IkeSa, v: PayloadRuleViolation): IncomingResult {
  ctx.logLimited(
    `payload rules: ${v.code}`,
    'info',
    `dropped, and its HASH does not verify: ${v.reason}`,
    sa,
  );
  return dropped(v.reason);
}

/** A Quick Mode message (`qm` undefined: message 1) that breaks the payload rules. */
export function refuseQuickModePayloads(
  ctx: ExchangeContext,
  sa: IkeSa,
  qm: QuickModeExchange | undefined,
  message: Message,
  payloads: readonly Payload[],
  hashed: Uint8Array,
  v: PayloadRuleViolation,
): IncomingResult {
  const messageId = message.header.messageId;
  if (!hashVerifies(sa, messageId, payloads, hashed, qm)) return unauthenticated(ctx, sa, v);
  sa.commitReceived(message);
  ctx.log(
    'warn',
    `Quick Mode ${messageId.toString(16).padStart(8, '0')} refused: ${v.reason} (${v.notify})`,
    sa,
  );
  sendInformational(sa, [isakmpNotify(sa, NotifyType[v.notify])], ctx);
  if (qm === undefined) {
    sa.finishedMessageIds.add(messageId);
    sa.endExchange(messageId);
  } else if (qm.role === 'initiator') {
    // Our Quick Mode ends at once, and `ikets up` hears why (a `child-sa-failed` event).
    quickModeRefused(sa, qm, `the responder's message 2 is malformed: ${v.reason}`, ctx);
  } else {
    for (const spi of qm.localSpis.values()) ctx.children.releaseSpi(spi);
    sa.endExchange(messageId);
    sa.outstanding.delete(messageId);
    sa.finishedMessageIds.add(messageId);
    ctx.quickModeAbandoned(sa, qm);
  }
  return dropped(v.reason);
}

/**
 * A protected Informational that breaks the payload rules: none of it is acted on (a Delete next to
 * an unexpected payload deletes nothing). Unprotected ones are never acted on anyway: dropped.
 */
export function refuseInformationalPayloads(
  ctx: ExchangeContext,
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  hashed: Uint8Array,
  v: PayloadRuleViolation,
): IncomingResult {
  const messageId = message.header.messageId;
  if (!message.body.encrypted || !hashVerifies(sa, messageId, payloads, hashed, 'informational'))
    return unauthenticated(ctx, sa, v);
  sa.commitReceived(message);
  if (messageId !== 0) sa.requireKeys().cipher.ivs.forget(messageId);
  sa.finishedMessageIds.add(messageId);
  ctx.log('warn', `Informational refused, nothing of it acted on: ${v.reason} (${v.notify})`, sa);
  sendInformational(sa, [isakmpNotify(sa, NotifyType[v.notify])], ctx);
  // Authenticated: the peer lives (RFC 3706 section 6), even if it sent something we refuse.
  sa.lastActivity = ctx.now;
  return dropped(v.reason);
}
