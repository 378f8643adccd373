/**
 * A received datagram, from bytes to the exchange it belongs to: NAT-T framing (RFC 3948 section 2),
 * decoding, the ISAKMP SA by cookies (a new responder SA for a first message), the peer's
 * retransmissions; then the exchange it belongs to (incoming-exchanges.ts: decryption, payload
 * rules, handlers). A message that fails to decode, decrypt or authenticate changes no state.
 */
import { ExchangeType, tryDecodeMessage } from '../codec/index.js';
import type { IncomingDatagram } from '../sa/types.js';
import type { EndpointCore } from './endpoint.js';
import { cachedMainMode1, firstMessage, mainModeMessage3 } from './first-message.js';
import { fragmentOf, receiveFragment } from './fragmentation/receive.js';
import {
  dropped,
  type IncomingResult,
  informationalMessage,
  newGroupMessage,
  phase1Message,
} from './incoming-exchanges.js';
import { quickModeMessage } from './incoming-quick-mode.js';
import { classifyNattDatagram } from './nat-traversal.js';
import { MainModeOffers } from './phase1/main-mode-offers.js';
import type { IkeSa } from './sa/ike-sa.js';
import { keptView, messageDigest } from './sa/own-bytes.js';
import { isConnecting } from './states.js';

export type { IncomingResult } from './incoming-exchanges.js';

// Built field by field: an object spread here took 1.4% of a DPD-bound responder's time (issue 12).
export const withSa = (sa: IkeSa, result: IncomingResult): IncomingResult =>
  result.reason === undefined ? { kind: result.kind, sa } : { kind: result.kind, reason: result.reason, sa };

const ZERO_COOKIE = Buffer.alloc(8);

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
    const offer = mainModeMessage3(ep, dg, message, (created, settled) =>
      phase1Message(ep, created, dg, message, data, settled),
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
  if (answer !== undefined) ep.transmit(sa, keptView(answer), true);
  // The peer is still there, waiting for us: a half-open exchange stays alive. An established SA
  // learns nothing from a copy anyone could replay, so its DPD clock does not move.
  if (isConnecting(sa.state)) sa.lastActivity = ep.now;
  return true;
}
