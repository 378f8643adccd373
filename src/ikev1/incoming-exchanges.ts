/**
 * A message matched to its ISAKMP SA, handed to its exchange (incoming.ts finds the SA): phase 1
 * (Main and Aggressive Mode), Quick Mode, Informational, New Group Mode. Decryption, the payload
 * rules, the handler, and what an accepted message leaves behind (the answer to repeat, the peer's
 * float, RFC 3947 section 4). A message that fails to decrypt or authenticate changes no state.
 */
import { type Message, NotifyType, nameOrNumber, type Payload } from '../codec/index.js';
import type { IncomingDatagram } from '../sa/types.js';
import type { EndpointCore } from './endpoint.js';
import { plainNotify } from './first-message.js';
import { handleInformational, isakmpNotify, phase1Refusal, sendInformational } from './informational.js';
import { classifyNattDatagram } from './nat-traversal.js';
import { handleNewGroupMode } from './new-group-mode.js';
import { refuseInformationalPayloads } from './payload-refusal.js';
import { checkPayloads, phase1RuledMessage } from './payload-rules.js';
import { handleAggressiveMode } from './phase1/aggressive-mode.js';
import { authenticatorOf } from './phase1/auth/authenticator.js';
import { skemeDiagnosis } from './phase1/auth/pke.js';
import { handleMainMode } from './phase1/main-mode.js';
import { type Phase1Result, refusedPayloads } from './phase1/phase1-outcome.js';
import type { IkeSa, Outstanding } from './sa/ike-sa.js';
import { messageDigest } from './sa/own-bytes.js';
import { awaitsPhase1, isConnecting } from './states.js';

export interface IncomingResult {
  readonly kind: 'ike' | 'esp' | 'keepalive' | 'dropped';
  readonly reason?: string;
  /** The ISAKMP SA the datagram was handed to: its timers may have changed. */
  readonly sa?: IkeSa;
}

export const dropped = (reason: string): IncomingResult => ({ kind: 'dropped', reason });

const NO_BYTES = new Uint8Array(0);

/**
 * Accepts an authenticated message: remembers it, and what we sent in answer to it (`before` is the
 * message of ours the exchange held before this one was handled: unchanged means no answer).
 */
export function accepted(
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
export function followPeer(ep: EndpointCore, sa: IkeSa, dg: IncomingDatagram): void {
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
      (classifyNattDatagram(dg.data) === 'ike' && (sa.localBehindNat || sa.remoteBehindNat))
    )
      sa.floated = true;
    sa.local = dg.local;
    sa.remote = dg.remote;
  }
}

/**
 * What settling a phase 1 message's result needs of the message, kept while its g^xy is computed
 * off the engine (compute-queue.ts).
 */
interface Phase1Step {
  readonly message: Message;
  readonly data: Uint8Array;
  readonly before: Outstanding | undefined;
  readonly undo: () => void;
  readonly createdByThis: boolean;
  /** Told how a step that waited for a computation ended (first-message.ts's Main Mode message 3). */
  readonly settled: ((result: IncomingResult) => void) | undefined;
}

export function phase1Message(
  ep: EndpointCore,
  sa: IkeSa,
  dg: IncomingDatagram,
  message: Message,
  data: Uint8Array,
  settled?: (result: IncomingResult) => void,
): IncomingResult {
  if (message.header.messageId !== 0) return dropped('phase 1 message with a message ID');
  const computing = ep.computeQueue.of(sa);
  if (computing !== undefined)
    // The answer is not ready: the peer retransmits (a repeat), and nothing else fits the step.
    return dropped(
      computing.digest === messageDigest(data)
        ? 'repeated while computing'
        : 'phase 1 message while computing',
    );
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
  const step: Phase1Step = { message, data, before, undo, createdByThis, settled };
  if (result.kind !== 'computing') return settlePhase1(ep, sa, result, step);
  ep.computeQueue.file(sa, messageDigest(data), result.work, (computed) => {
    const outcome = settlePhase1(ep, sa, result.resume(computed), step);
    step.settled?.(outcome);
  });
  return { kind: 'ike' };
}

/** What a phase 1 message's result leaves behind: the SA moved on, undone, or removed. */
function settlePhase1(ep: EndpointCore, sa: IkeSa, result: Phase1Result, step: Phase1Step): IncomingResult {
  const { message, data, before, undo, createdByThis } = step;
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
    case 'computing':
      // A step computes once: its continuation never asks again.
      throw new Error('a resumed phase 1 step asked for another computation');
  }
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

export function informationalMessage(ep: EndpointCore, sa: IkeSa, message: Message): IncomingResult {
  let payloads: readonly Payload[];
  // What its HASH(1) covers, as received (an unencrypted one is not acted on: handleInformational).
  let hashed: Uint8Array = NO_BYTES;
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
    hashed = decrypted.hashed;
  } else {
    payloads = message.body.payloads;
  }
  if (sa.finishedMessageIds.has(message.header.messageId) && message.header.messageId !== 0)
    return dropped('Informational already seen');
  const violation = checkPayloads(message.body.encrypted ? 'informational' : 'informational-plain', payloads);
  if (violation !== undefined)
    return refuseInformationalPayloads(ep, sa, message, payloads, hashed, violation);
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
  if (!handleInformational(sa, message, payloads, hashed, ep))
    return dropped('unauthenticated Informational');
  sa.lastActivity = ep.now;
  sa.pruneExchanges();
  return { kind: 'ike' };
}

/** New Group Mode (RFC 2409 section 5.6): only on an established ISAKMP SA, always encrypted. */
export function newGroupMessage(
  ep: EndpointCore,
  sa: IkeSa,
  message: Message,
  data: Uint8Array,
): IncomingResult {
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
