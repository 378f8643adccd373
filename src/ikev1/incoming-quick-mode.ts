/**
 * A Quick Mode message at its exchange (RFC 2409 section 5.5): decryption, payload rules, the
 * handler, the answer kept; and, with PFS, the g^xy that left the engine (compute-queue.ts) while
 * the Quick Mode waits in its computing state (states.ts).
 */
import { type Message, NotifyType } from '../codec/index.js';
import type { IncomingDatagram } from '../sa/types.js';
import type { EndpointCore } from './endpoint.js';
import { accepted, dropped, followPeer, type IncomingResult } from './incoming-exchanges.js';
import { isakmpNotify, sendInformational } from './informational.js';
import { refuseQuickModePayloads } from './payload-refusal.js';
import { checkPayloads, quickModeRuledMessage } from './payload-rules.js';
import type { QuickModeComputing, QuickModeRefusal } from './quick-mode/quick-mode-common.js';
import { handleQuickMode2 } from './quick-mode/quick-mode-initiator.js';
import { handleQuickMode1, handleQuickMode3 } from './quick-mode/quick-mode-responder.js';
import type { IkeSa, Outstanding } from './sa/ike-sa.js';
import { messageDigest } from './sa/own-bytes.js';

export function quickModeMessage(
  ep: EndpointCore,
  sa: IkeSa,
  dg: IncomingDatagram,
  message: Message,
  data: Uint8Array,
): IncomingResult {
  const messageId = message.header.messageId;
  if (sa.state !== 'established' || !message.body.encrypted || messageId === 0)
    return dropped('Quick Mode outside an established ISAKMP SA');
  const computing = ep.computeQueue.of(sa, messageId);
  if (computing !== undefined)
    // Its PFS g^xy is computed off the engine (compute-queue.ts): the answer is not ready yet.
    return dropped(
      computing.digest === messageDigest(data)
        ? 'repeated while computing'
        : 'Quick Mode message while computing',
    );
  if (!sa.quickModes.has(messageId) && sa.quickModes.size >= ep.settings.maxQuickModes) {
    // Bounded state per ISAKMP SA: the peer retransmits message 1 once an exchange is over.
    ep.log('debug', `${sa.quickModes.size} Quick Modes in progress: a new one waits`, sa);
    return dropped('too many Quick Modes in progress');
  }
  const before = sa.outstanding.get(messageId);
  const decrypted = sa.decrypt(message);
  if (!('payloads' in decrypted)) {
    ep.log('info', 'a Quick Mode message could not be decrypted: dropped', sa);
    return dropped('undecryptable');
  }
  const qm = sa.quickModes.get(messageId);
  if (qm === undefined && sa.finishedMessageIds.has(messageId)) return dropped('Quick Mode already complete');
  // Message 3 sent with the commit bit: only N(CONNECTED), an Informational, moves it on.
  if (qm?.state === 'qm-i-wait-connected') return dropped('Quick Mode waits for CONNECTED');
  const ruled = quickModeRuledMessage(qm?.state);
  const violation = ruled === undefined ? undefined : checkPayloads(ruled, decrypted.payloads);
  if (violation !== undefined)
    return refuseQuickModePayloads(ep, sa, qm, message, decrypted.payloads, decrypted.hashed, violation);
  let failure: QuickModeRefusal | undefined;
  if (qm === undefined) {
    const refusal = handleQuickMode1(sa, message, decrypted.payloads, decrypted.hashed, ep);
    if (refusal !== undefined && 'work' in refusal)
      return fileQuickMode(ep, sa, dg, messageId, data, before, refusal);
    if (refusal !== undefined) {
      ep.log('warn', `Quick Mode refused: ${refusal.reason} (${refusal.notify})`, sa);
      if (refusal.notify !== 'INVALID_HASH_INFORMATION') {
        sendInformational(sa, [isakmpNotify(sa, NotifyType[refusal.notify])], ep);
        sa.finishedMessageIds.add(messageId);
        sa.endExchange(messageId);
      }
      return dropped(refusal.reason);
    }
  } else if (qm.state === 'qm-i-wait-2') {
    const step = handleQuickMode2(sa, qm, message, decrypted.payloads, decrypted.hashed, ep);
    if (step !== undefined && 'work' in step) return fileQuickMode(ep, sa, dg, messageId, data, before, step);
    failure = step;
  } else if (qm.state === 'qm-r-wait-3') {
    failure = handleQuickMode3(sa, qm, message, decrypted.payloads, ep);
  }
  if (failure !== undefined) {
    ep.log(
      'warn',
      `Quick Mode ${messageId.toString(16).padStart(8, '0')}: ${failure.reason} (${failure.notify})`,
      sa,
    );
    // A message that did not authenticate changes nothing; any other refusal ends the exchange.
    if (failure.notify !== 'INVALID_HASH_INFORMATION') abandonQuickMode(ep, sa, messageId);
    return dropped(failure.reason);
  }
  followPeer(ep, sa, dg);
  return accepted(ep, sa, messageId, data, before);
}

/**
 * A Quick Mode message whose PFS g^xy left the engine (compute-queue.ts): the Quick Mode waits in
 * its computing state; with the result, what the synchronous code does after it happens now.
 */
function fileQuickMode(
  ep: EndpointCore,
  sa: IkeSa,
  dg: IncomingDatagram,
  messageId: number,
  data: Uint8Array,
  before: Outstanding | undefined,
  step: QuickModeComputing,
): IncomingResult {
  ep.computeQueue.file(
    sa,
    messageDigest(data),
    step.work,
    (computed) => {
      // Its end or the SA's removal cancels the request; this only guards against a stale one.
      const qm = sa.quickModes.get(messageId);
      if (
        sa.state !== 'established' ||
        (qm?.state !== 'qm-r-1-computing' && qm?.state !== 'qm-i-2-computing')
      )
        return;
      const failure = step.resume(computed);
      if (failure === undefined) {
        followPeer(ep, sa, dg);
        accepted(ep, sa, messageId, data, before);
        return;
      }
      if (qm.role === 'responder') {
        ep.log('warn', `Quick Mode refused: ${failure.reason} (${failure.notify})`, sa);
        sendInformational(sa, [isakmpNotify(sa, NotifyType[failure.notify])], ep);
      } else {
        ep.log(
          'warn',
          `Quick Mode ${messageId.toString(16).padStart(8, '0')}: ${failure.reason} (${failure.notify})`,
          sa,
        );
      }
      abandonQuickMode(ep, sa, messageId);
    },
    messageId,
  );
  return { kind: 'ike' };
}

function abandonQuickMode(ep: EndpointCore, sa: IkeSa, messageId: number): void {
  ep.computeQueue.cancel(sa, messageId);
  const qm = sa.quickModes.get(messageId);
  if (qm !== undefined) for (const spi of qm.localSpis.values()) ep.children.releaseSpi(spi);
  sa.endExchange(messageId);
  sa.outstanding.delete(messageId);
  sa.finishedMessageIds.add(messageId);
}
