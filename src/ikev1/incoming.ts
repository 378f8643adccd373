/**
 * A received datagram, from bytes to the exchange it belongs to: NAT-T framing (RFC 3948 section 2),
 * decoding, the ISAKMP SA by cookies (a new responder SA for a first message), the peer's
 * retransmissions, decryption, and the exchange handlers. A message that fails to decode, decrypt or
 * authenticate changes no state.
 */
import {
  ExchangeType,
  type Message,
  NotifyType,
  nameOrNumber,
  type Payload,
  tryDecodeMessage,
} from '../codec/index.js';
import type { IncomingDatagram } from '../sa/types.js';
import type { EndpointCore } from './endpoint.js';
import { cachedMainMode1, firstMessage, mainModeMessage3, plainNotify } from './first-message.js';
import { fragmentOf, receiveFragment } from './fragmentation/receive.js';
import { handleInformational, isakmpNotify, phase1Refusal, sendInformational } from './informational.js';
import { classifyNattDatagram } from './nat-traversal.js';
import { handleNewGroupMode } from './new-group-mode.js';
import { refuseInformationalPayloads, refuseQuickModePayloads } from './payload-refusal.js';
import { checkPayloads, phase1RuledMessage, quickModeRuledMessage } from './payload-rules.js';
import { handleAggressiveMode } from './phase1/aggressive-mode.js';
import { authenticatorOf } from './phase1/auth/authenticator.js';
import { skemeDiagnosis } from './phase1/auth/pke.js';
import { handleMainMode } from './phase1/main-mode.js';
import { MainModeOffers } from './phase1/main-mode-offers.js';
import { type Phase1Result, refusedPayloads } from './phase1/phase1-outcome.js';
import type { QuickModeRefusal } from './quick-mode/quick-mode-common.js';
import { handleQuickMode2 } from './quick-mode/quick-mode-initiator.js';
import { handleQuickMode1, handleQuickMode3 } from './quick-mode/quick-mode-responder.js';
import type { IkeSa, Outstanding } from './sa/ike-sa.js';
import { messageDigest } from './sa/own-bytes.js';
import { awaitsPhase1, isConnecting } from './states.js';

export interface IncomingResult {
  readonly kind: 'ike' | 'esp' | 'keepalive' | 'dropped';
  readonly reason?: string;
  /** The ISAKMP SA the datagram was handed to: its timers may have changed. */
  readonly sa?: IkeSa;
}

// Built field by field: an object spread here took 1.4% of a DPD-bound responder's time (issue 12).
export const withSa = (sa: IkeSa, result: IncomingResult): IncomingResult =>
  result.reason === undefined ? { kind: result.kind, sa } : { kind: result.kind, reason: result.reason, sa };

const ZERO_COOKIE = Buffer.alloc(8);
export const dropped = (reason: string): IncomingResult => ({ kind: 'dropped', reason });

const framing = (dg: IncomingDatagram) => classifyNattDatagram(dg.data);

export function receiveDatagram(ep: EndpointCore, dg: IncomingDatagram): IncomingResult {
  const kind = framing(dg);
  if (kind === 'keepalive') return { kind: 'keepalive' };
  // On the NAT-T port anything without the marker is ESP (RFC 3948 section 2.2); elsewhere it is IKE.
  if (kind === 'esp' && dg.local.port === ep.nattPortNumber) return { kind: 'esp' };
  const data = kind === 'ike' ? dg.data.subarray(4) : dg.data;
  // The flood's path first: a Main Mode message 1 seen before is answered without decoding it.
  const cached = cachedMainMode1(ep, dg, data);
  if (cached !== undefined) return cached;
  return receiveMessage(ep, dg, data, false);
}

/**
 * An ISAKMP message (framing removed): one datagram's, or one reassembled from fragments
 * (`reassembled`: fragments do not nest).
 */
function receiveMessage(
  ep: EndpointCore,
  dg: IncomingDatagram,
  data: Uint8Array,
  reassembled: boolean,
): IncomingResult {
  const decoded = tryDecodeMessage(data);
  if (!decoded.ok && decoded.error.code === 'ERR_ISAKMP_INVALID_MAJOR_VERSION')
    return laterVersion(ep, dg, data);
  if (!decoded.ok) {
    ep.log(
      'info',
      `dropped a malformed message from ${dg.remote.address}:${dg.remote.port}: ${decoded.error.message}`,
    );
    // One kind for the log limiter whatever the decoder says: its messages carry values an attacker
    // picks (flags 0xab, a payload type), which would otherwise make up to 64 kinds of 10 lines each.
    return dropped(`malformed message: ${decoded.error.message}`);
  }
  const message = decoded.message;
  // IKEv1 fragments (payload 132) are reassembled before anything else looks at the message.
  const fragment = fragmentOf(message);
  if (fragment !== undefined && reassembled) return dropped('a fragment inside a fragmented message');
  if (fragment !== undefined)
    return receiveFragment(ep, dg, message, fragment, (whole) => receiveMessage(ep, dg, whole, true));
  const { initiatorCookie, responderCookie, messageId, exchangeType } = message.header;
  let sa = ep.ikeSas.find(initiatorCookie, responderCookie);
  if (sa === undefined && Buffer.from(responderCookie).equals(ZERO_COOKIE)) {
    // A responder's refusal of our first message carries no responder cookie (RFC 2408 section 5.4).
    const pending =
      exchangeType === ExchangeType.INFORMATIONAL
        ? ep.ikeSas.findPendingInitiator(initiatorCookie)
        : undefined;
    if (pending !== undefined) return withSa(pending, informationalMessage(ep, pending, message));
    const existing = ep.ikeSas.find(
      initiatorCookie,
      ep.ikeSas.responderCookie(initiatorCookie, dg.remote, dg.local),
    );
    if (existing !== undefined && exchangeType !== ExchangeType.INFORMATIONAL && messageId === 0) {
      // The peer repeats message 1 of an SA that exists already (it missed our answer).
      repeated(ep, existing, 0, data);
      return dropped('retransmitted first message');
    }
    return firstMessage(ep, dg, message, data, (sa) => phase1Message(ep, sa, dg, message, data));
  }
  if (sa === undefined && exchangeType === ExchangeType.INFORMATIONAL && !message.body.encrypted) {
    // strongSwan refuses our first message with its own responder cookie and a random message ID.
    const pending = ep.ikeSas.findPendingInitiator(initiatorCookie);
    if (pending !== undefined) return informationalMessage(ep, pending, message);
  }
  if (sa === undefined && messageId === 0) {
    const pending = ep.ikeSas.findPendingInitiator(initiatorCookie);
    if (pending !== undefined && !message.body.encrypted) {
      // Filed under the answer's cookies; undone if the answer is not accepted (phase1Message).
      ep.ikeSas.learnResponderCookie(pending, responderCookie);
      sa = pending;
    }
  }
  if (sa === undefined && messageId === 0 && exchangeType === ExchangeType.IDENTITY_PROTECTION) {
    // Main Mode message 3 to an offer answered without state (main-mode-offers.ts).
    const offer = mainModeMessage3(ep, dg, message, (created) =>
      phase1Message(ep, created, dg, message, data),
    );
    if (offer !== undefined) return offer;
  }
  if (sa === undefined) return dropped('no ISAKMP SA for these cookies');
  if (repeated(ep, sa, messageId, data)) return dropped('retransmission answered');
  switch (exchangeType) {
    case ExchangeType.IDENTITY_PROTECTION:
    case ExchangeType.AGGRESSIVE:
      return withSa(sa, phase1Message(ep, sa, dg, message, data));
    case ExchangeType.QUICK_MODE:
      return withSa(sa, quickModeMessage(ep, sa, dg, message, data));
    case ExchangeType.INFORMATIONAL:
      return withSa(sa, informationalMessage(ep, sa, message));
    case ExchangeType.NEW_GROUP_MODE:
      return withSa(sa, newGroupMessage(ep, sa, message, data));
    default:
      ep.log('info', `exchange type ${exchangeType} is not supported: dropped`, sa);
      return dropped('unsupported exchange type');
  }
}

/**
 * Whether a datagram belongs to an exchange we know, judged from its cookies alone (RFC 2408
 * section 2.5.3): they name an ISAKMP SA or a Main Mode offer we answered, or it answers a phase 1
 * we started. Only a peer that received our cookie at its address can send such a datagram; a first
 * message, or a datagram with made-up cookies, is not expected. The daemon handles expected ones
 * first when it falls behind (src/daemon/receive-queue.ts). ESP and keepalives are not expected.
 */
export function expectedDatagram(ep: EndpointCore, dg: IncomingDatagram): boolean {
  const kind = framing(dg);
  if (kind === 'keepalive' || (kind === 'esp' && dg.local.port === ep.nattPortNumber)) return false;
  const data = kind === 'ike' ? dg.data.subarray(4) : dg.data;
  if (data.length < 28) return false;
  const initiatorCookie = data.subarray(0, 8);
  const responderCookie = data.subarray(8, 16);
  if (Buffer.from(responderCookie.buffer, responderCookie.byteOffset, 8).equals(ZERO_COOKIE)) return false;
  return (
    ep.mainModeOffers.has(MainModeOffers.keyOfHeader(data)) ||
    ep.ikeSas.find(initiatorCookie, responderCookie) !== undefined ||
    ep.ikeSas.findPendingInitiator(initiatorCookie) !== undefined
  );
}

/** An IKEv2 (or later) message: N(INVALID-MAJOR-VERSION), rate-limited (version-refusal.ts). */
function laterVersion(ep: EndpointCore, dg: IncomingDatagram, data: Uint8Array): IncomingResult {
  const answer = ep.versionRefusals.answer(ep.now, dg, data, (m) => ep.frame(dg, m));
  if (answer === undefined) return dropped('invalid major version');
  if (answer === 'unanswered') return dropped('invalid major version, not answered (rate limit)');
  ep.sendRaw(answer.transmit);
  ep.log('info', answer.log);
  return dropped('invalid major version, answered INVALID-MAJOR-VERSION');
}

/** The peer repeated the message we last answered: send our answer again (RFC 2408 section 5). */
function repeated(ep: EndpointCore, sa: IkeSa, messageId: number, data: Uint8Array): boolean {
  const last = sa.lastReceived.get(messageId);
  if (last === undefined || last !== messageDigest(data)) return false;
  // Only an answer to this very message goes again (RFC 2408 section 5): a message of ours that it
  // answered stays unsent, or two peers would repeat their last messages to each other for ever.
  const answer = sa.answers.get(messageId);
  if (answer !== undefined) ep.transmit(sa, answer);
  // The peer is still there, waiting for us: a half-open exchange stays alive. An established SA
  // learns nothing from a copy anyone could replay, so its DPD clock does not move.
  if (isConnecting(sa.state)) sa.lastActivity = ep.now;
  return true;
}

/**
 * Accepts an authenticated message: remembers it, and what we sent in answer to it (`before` is the
 * message of ours the exchange held before this one was handled: unchanged means no answer).
 */
function accepted(
  ep: EndpointCore,
  sa: IkeSa,
  messageId: number,
  data: Uint8Array,
  before: Outstanding | undefined,
): IncomingResult {
  sa.lastReceived.set(messageId, messageDigest(data));
  const reply = sa.outstanding.get(messageId);
  if (reply !== undefined && reply !== before) sa.answers.set(messageId, reply.data);
  else sa.answers.delete(messageId);
  // The record of a finished exchange's last message of ours serves no timer and no answer (that
  // is in `answers`): an idle SA does not keep it (issue 12: memory per SA).
  if (messageId !== 0 && reply !== undefined && !reply.timer && sa.finishedMessageIds.has(messageId))
    sa.outstanding.delete(messageId);
  sa.pruneExchanges();
  sa.lastActivity = ep.now;
  return { kind: 'ike' };
}

/** Moves the SA to the addresses and ports a protected message used (RFC 3947 section 4). */
function followPeer(ep: EndpointCore, sa: IkeSa, dg: IncomingDatagram): void {
  if (
    sa.keys !== undefined &&
    (dg.remote.port !== sa.remote.port ||
      dg.remote.address !== sa.remote.address ||
      dg.local.port !== sa.local.port)
  ) {
    // RFC 3947 section 4: the peer floated. On our NAT-T port, or (non-default IKE ports, which the
    // float keeps, as strongSwan's does) a message with the non-ESP marker after a NAT was detected:
    // from now on this SA is UDP-encapsulated on our side too.
    if (
      dg.local.port === ep.nattPortNumber ||
      (framing(dg) === 'ike' && (sa.localBehindNat || sa.remoteBehindNat))
    )
      sa.floated = true;
    sa.local = dg.local;
    sa.remote = dg.remote;
  }
}

function phase1Message(
  ep: EndpointCore,
  sa: IkeSa,
  dg: IncomingDatagram,
  message: Message,
  data: Uint8Array,
): IncomingResult {
  if (message.header.messageId !== 0) return dropped('phase 1 message with a message ID');
  if (!awaitsPhase1(sa.state)) return dropped('phase 1 is complete');
  // Until the peer's HASH verifies, a message proves nothing: what it changed is undone unless it
  // moves the exchange on, so a forged one changes nothing (docs/ikev1-engine.md).
  const answering = sa.state === 'mm-wait-2' || sa.state === 'am-wait-2';
  // The SA this very message created (Aggressive Mode message 1; Main Mode message 3 to an offer
  // creates one too, but first-message.ts removes it itself when the message fails).
  const createdByThis = sa.state === 'am-wait-1';
  const before = sa.outstanding.get(0);
  const restore = sa.savePhase1();
  const undo = () => {
    restore();
    if (answering) ep.ikeSas.forgetResponderCookie(sa);
  };
  // With `local_addrs = %any` we sent from a wildcard; the answer tells which address the peer
  // reaches, and the NAT-D hashes of message 3 must name it (RFC 3947 section 3.2).
  if (answering && (sa.local.address === '0.0.0.0' || sa.local.address === '::')) {
    sa.local = { address: dg.local.address, port: sa.local.port };
  }
  let payloads: readonly Payload[];
  if (message.body.encrypted) {
    if (sa.keys === undefined) {
      undo();
      return dropped('encrypted before the keys exist');
    }
    const decrypted = sa.decrypt(message);
    if (!('payloads' in decrypted)) {
      undo();
      ep.log('warn', noteUndecryptable(sa, 'a message from the peer could not be decrypted'), sa);
      // As strongSwan does: tell the peer (under our keys), so that it logs a decryption failure too.
      if (ep.allowRefusal()) sendInformational(sa, [isakmpNotify(sa, NotifyType.PAYLOAD_MALFORMED)], ep);
      return dropped('undecryptable');
    }
    payloads = decrypted.payloads;
    // The initiator floated to 4500 with message 5 (3 in Aggressive Mode): answer there, not on 500.
    followPeer(ep, sa, dg);
  } else {
    payloads = message.body.payloads;
  }
  const handler = sa.exchange === 'main' ? handleMainMode : handleAggressiveMode;
  // The payload rules, once, before the handler (payload-rules.ts). Aggressive Mode message 1 was
  // checked before its SA was created (first-message.ts).
  const ruled = sa.state === 'am-wait-1' ? undefined : phase1RuledMessage(sa.state);
  const violation =
    ruled === undefined ? undefined : checkPayloads(ruled, payloads, authenticatorOf(sa).family);
  const result: Phase1Result =
    violation === undefined ? handler(sa, message, payloads, ep) : refusedPayloads(violation);
  switch (result.kind) {
    case 'ignored':
      undo();
      ep.log('info', `ignored: ${result.reason}`, sa);
      return dropped(result.reason);
    case 'failed':
      if (!result.authenticated && !createdByThis) {
        // Maybe forged: remembered as the likely reason should the exchange fail, nothing more.
        undo();
        sa.failure = result.reason;
        ep.log('warn', `unauthenticated phase 1 message refused, still waiting: ${result.reason}`, sa);
        return dropped(result.reason);
      }
      ep.log('error', `phase 1 failed: ${result.reason}`, sa);
      if (result.afterKeys && sa.keys !== undefined)
        phase1Refusal(sa, NotifyType[result.notify]).forEach((payloads, i) => {
          // The Delete must not overtake the notify (delayed-transmits.ts).
          sendInformational(sa, payloads, ep, i === 0 ? 0 : ep.settings.deleteDelayAfterRefusal);
        });
      else
        ep.sendRaw({
          local: sa.local,
          remote: sa.remote,
          data: ep.frame(sa, plainNotify(message, NotifyType[result.notify])),
        });
      ep.lifecycle.removeIkeSa(sa, 'failed', !createdByThis);
      return dropped(result.reason);
    case 'progress':
      return accepted(ep, sa, 0, data, before);
    case 'established': {
      const outcome = accepted(ep, sa, 0, data, before);
      ep.lifecycle.established(sa, result.initialContact);
      return outcome;
    }
  }
}

function quickModeMessage(
  ep: EndpointCore,
  sa: IkeSa,
  dg: IncomingDatagram,
  message: Message,
  data: Uint8Array,
): IncomingResult {
  const messageId = message.header.messageId;
  if (sa.state !== 'established' || !message.body.encrypted || messageId === 0)
    return dropped('Quick Mode outside an established ISAKMP SA');
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
    return refuseQuickModePayloads(ep, sa, qm, message, decrypted.payloads, violation);
  let failure: QuickModeRefusal | undefined;
  if (qm === undefined) {
    const refusal = handleQuickMode1(sa, message, decrypted.payloads, ep);
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
    failure = handleQuickMode2(sa, qm, message, decrypted.payloads, ep);
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

function abandonQuickMode(ep: EndpointCore, sa: IkeSa, messageId: number): void {
  const qm = sa.quickModes.get(messageId);
  if (qm !== undefined) for (const spi of qm.localSpis.values()) ep.children.releaseSpi(spi);
  sa.endExchange(messageId);
  sa.outstanding.delete(messageId);
  sa.finishedMessageIds.add(messageId);
}

/**
 * Why a message of the peer does not decrypt under our phase 1 keys, for the log: with SKEME
 * (RFC 2409 sections 5.2/5.3) the keys come from the nonces, so which one did not decrypt.
 */
function noteUndecryptable(sa: IkeSa, what: string): string {
  if (authenticatorOf(sa).family !== 'pke') {
    sa.failure = `${what}: the pre-shared keys probably differ`;
    return sa.failure;
  }
  const why = skemeDiagnosis(sa);
  sa.failure = `${what}: ${why.text}`;
  sa.failureCode = why.code;
  return sa.failure;
}

function informationalMessage(ep: EndpointCore, sa: IkeSa, message: Message): IncomingResult {
  let payloads: readonly Payload[];
  if (message.body.encrypted) {
    if (sa.keys === undefined) return dropped('encrypted Informational before the keys exist');
    const decrypted = sa.decrypt(message);
    if (!('payloads' in decrypted)) {
      if (isConnecting(sa.state)) {
        // strongSwan answers a message 5 it cannot decrypt with N(PAYLOAD-MALFORMED) under its own keys.
        ep.log('warn', noteUndecryptable(sa, 'the peer sent a notification that cannot be decrypted'), sa);
      }
      return dropped('undecryptable Informational');
    }
    payloads = decrypted.payloads;
  } else {
    payloads = message.body.payloads;
  }
  if (sa.finishedMessageIds.has(message.header.messageId) && message.header.messageId !== 0)
    return dropped('Informational already seen');
  const violation = checkPayloads(message.body.encrypted ? 'informational' : 'informational-plain', payloads);
  if (violation !== undefined) return refuseInformationalPayloads(ep, sa, message, payloads, violation);
  if (!message.body.encrypted) {
    const notes = payloads
      .filter((p) => p.type === 'notification')
      .map((p) => nameOrNumber(NotifyType, p.notifyType));
    if (isConnecting(sa.state) && notes.length > 0)
      sa.failure = `the peer sent ${notes.join(', ')}, unauthenticated`;
  }
  // Informational exchanges have no answer to repeat (RFC 2408 section 4.8): nothing is cached, and
  // message ID 0 stays phase 1's.
  // Only an authenticated message is proof of liveness (DPD, half-open timeout): anyone who saw the
  // cookies can send an unprotected one.
  if (!handleInformational(sa, message, payloads, ep)) return dropped('unauthenticated Informational');
  sa.lastActivity = ep.now;
  sa.pruneExchanges();
  return { kind: 'ike' };
}

/** New Group Mode (RFC 2409 section 5.6): only on an established ISAKMP SA, always encrypted. */
function newGroupMessage(ep: EndpointCore, sa: IkeSa, message: Message, data: Uint8Array): IncomingResult {
  const messageId = message.header.messageId;
  if (sa.state !== 'established' || !message.body.encrypted || messageId === 0)
    return dropped('New Group Mode outside an established ISAKMP SA');
  const ours = sa.newGroupMode?.messageId === messageId;
  if (!ours && sa.finishedMessageIds.has(messageId)) return dropped('New Group Mode already complete');
  const before = sa.outstanding.get(messageId);
  const decrypted = sa.decrypt(message);
  if (!('payloads' in decrypted)) {
    ep.log('info', 'a New Group Mode message could not be decrypted: dropped', sa);
    return dropped('undecryptable');
  }
  const violation = checkPayloads(ours ? 'ngm-2' : 'ngm-1', decrypted.payloads);
  if (violation !== undefined) {
    // Refused before its HASH is checked: it may be anyone's, so nothing changes and nothing is sent.
    ep.logLimited('new-group-rules', 'warn', `New Group Mode message dropped: ${violation.reason}`, sa);
    return dropped(violation.reason);
  }
  const outcome = handleNewGroupMode(sa, message, decrypted.payloads, ep);
  switch (outcome.kind) {
    case 'unauthenticated':
      ep.logLimited('new-group-hash', 'warn', `New Group Mode: ${outcome.reason}`, sa);
      return dropped(outcome.reason);
    case 'refused':
      ep.log('warn', `New Group Mode refused: ${outcome.reason}`, sa);
      if (ours) ep.lifecycle.newGroupModeDone(sa);
      return accepted(ep, sa, messageId, data, before);
    case 'accepted':
      ep.log('info', `New Group Mode: ${outcome.group.keyword} agreed as group ${outcome.privateId}`, sa);
      if (ours) ep.lifecycle.newGroupModeDone(sa);
      return accepted(ep, sa, messageId, data, before);
  }
}
