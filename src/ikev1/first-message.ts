/**
 * A responder's first messages: anyone can send them, from any address, so what they cost is
 * bounded. Main Mode message 1 is answered without an ISAKMP SA (RFC 2408 section 2.5.3: the
 * responder cookie is a keyed MAC of the peer's address), leaving a compact record for message 3
 * (main-mode-offers.ts); the SA is created when message 3 comes back with our cookie, proving the
 * peer's address. Aggressive Mode message 1 carries KE and needs an answer with our KE and HASH_R
 * (RFC 2409 section 5.4), so it creates its SA at once, in a bound of its own.
 */
import {
  ExchangeType,
  encodeMessage,
  IkeAttributeClass,
  IkeAuthMethod,
  type Message,
  NotifyType,
  type Payload,
} from '../codec/index.js';
import type { IncomingDatagram } from '../sa/types.js';
import type { EndpointCore } from './endpoint.js';
import type { IncomingResult } from './incoming.js';
import { checkPayloads } from './payload-rules.js';
import { connectionSuites } from './phase1/auth/methods.js';
import { connectionsFor } from './phase1/connection-select.js';
import { mainModeMessage2 } from './phase1/main-mode.js';
import { MainModeOffers } from './phase1/main-mode-offers.js';
import { type AcceptedMainMode1, mainMode1Key } from './phase1/main-mode1-cache.js';
import { findPayload, payloadBody, peerVendorIds } from './phase1/phase1-common.js';
import { invalidIsakmpSpi, type Phase1Suite, selectPhase1 } from './phase1/phase1-proposal.js';
import { IkeSa } from './sa/ike-sa.js';

const dropped = (reason: string): IncomingResult => ({ kind: 'dropped', reason });
const ZERO_COOKIE = new Uint8Array(8);

/** Handles a message on the SA it created (incoming.ts's phase 1 path). */
type Phase1Handler = (sa: IkeSa, settled?: (result: IncomingResult) => void) => IncomingResult;

export function firstMessage(
  ep: EndpointCore,
  dg: IncomingDatagram,
  message: Message,
  data: Uint8Array,
  phase1: Phase1Handler,
): IncomingResult {
  const { exchangeType, messageId } = message.header;
  const exchange =
    exchangeType === ExchangeType.IDENTITY_PROTECTION
      ? 'main'
      : exchangeType === ExchangeType.AGGRESSIVE
        ? 'aggressive'
        : undefined;
  if (exchange === undefined || messageId !== 0 || message.body.encrypted)
    return dropped('not the first message of a phase 1');
  const payloads = message.body.payloads;
  // The payload rules before anything else is spent on it (payload-rules.ts): refused with the
  // rule's notify, unprotected and rate-limited like every refusal of a first message.
  const violation = checkPayloads(exchange === 'main' ? 'mm-1' : 'am-1', payloads, offeredAuth(payloads));
  if (violation !== undefined) {
    ep.log(
      'info',
      `refused ${exchange} mode from ${dg.remote.address}:${dg.remote.port}: ${violation.reason}`,
    );
    refuse(ep, dg, message, NotifyType[violation.notify]);
    return dropped(violation.reason);
  }
  const offer = findPayload(payloads, 'sa');
  const badSpi = offer === undefined ? undefined : invalidIsakmpSpi(offer);
  if (badSpi !== undefined) {
    ep.log('info', `refused ${exchange} mode from ${dg.remote.address}:${dg.remote.port}: ${badSpi}`);
    refuse(ep, dg, message, NotifyType.INVALID_SPI);
    return dropped('invalid SPI');
  }
  const matching = connectionsFor(ep.config, dg.local, dg.remote, exchange);
  // Aggressive Mode with signatures is safe to answer; with a PSK only on the operator's word.
  const candidates =
    exchange === 'aggressive' && !ep.settings.aggressivePskResponder
      ? matching.filter((c) => c.local.auth !== 'psk')
      : matching;
  if (candidates.length === 0 && matching.length > 0) {
    // As strongSwan ("Aggressive Mode PSK disabled for security reasons"): AUTHENTICATION_FAILED,
    // for every identity alike, and no state.
    ep.logLimited(
      'aggressive mode refused',
      'info',
      `refused Aggressive Mode from ${dg.remote.address}:${dg.remote.port}: answering Aggressive Mode with pre-shared keys is off (ikets start --aggressive-psk)`,
    );
    refuse(ep, dg, message, NotifyType.AUTHENTICATION_FAILED);
    return dropped('aggressive mode psk off');
  }
  // Main Mode: each connection's verdict is remembered for the next message 1 with these bytes.
  const key = exchange === 'main' && offer !== undefined ? mainMode1Key(data) : undefined;
  for (const connection of candidates) {
    // A connection whose credentials cannot authenticate (a string: why) offers nothing.
    const suites = connectionSuites(connection, ep.credentials);
    if (typeof suites === 'string' || (offer !== undefined && selectPhase1(offer, suites) === undefined)) {
      if (key !== undefined) ep.mainMode1Cache.set(key, connection, null);
      continue;
    }
    if (offer === undefined) {
      ep.log('info', `${exchange} mode from ${dg.remote.address}:${dg.remote.port} offers no SA payload`);
      refuse(ep, dg, message, NotifyType.PAYLOAD_MALFORMED);
      return dropped('message 1 has no SA payload');
    }
    if (exchange === 'main') return answerMainMode1(ep, dg, message, payloads, connection, suites, key);
    return aggressiveMode1(ep, dg, message, connection, suites, phase1);
  }
  ep.log(
    'info',
    `no connection accepts ${exchange} mode from ${dg.remote.address}:${dg.remote.port}${offer === undefined ? '' : ' with the proposals offered'}`,
  );
  refuse(ep, dg, message, NotifyType.NO_PROPOSAL_CHOSEN);
  return dropped('no matching connection');
}

/**
 * Main Mode message 1: message 2 goes out under our derived cookie, and a compact record of the
 * offer waits for message 3. No SA, no timer, no log line: the cost of a spoofed message 1 is a
 * MAC, a proposal selection, an encoding and one bounded record; `key` remembers the answer for
 * the next message 1 with the same bytes (main-mode1-cache.ts).
 */
function answerMainMode1(
  ep: EndpointCore,
  dg: IncomingDatagram,
  message: Message,
  payloads: readonly Payload[],
  connection: IkeSa['connection'],
  suites: readonly Phase1Suite[],
  key: string | undefined,
): IncomingResult {
  const offer = findPayload(payloads, 'sa');
  const chosen = offer === undefined ? undefined : selectPhase1(offer, suites);
  if (offer === undefined || chosen === undefined) return dropped('no acceptable proposal');
  const accepted: AcceptedMainMode1 = {
    suite: chosen.suite,
    saiBody: Uint8Array.from(payloadBody(offer)),
    ...peerVendorIds(payloads),
    reply: mainModeMessage2(message, payloads, ZERO_COOKIE, offer, chosen.transform, connection).fill(
      0,
      0,
      16,
    ),
  };
  if (key !== undefined) ep.mainMode1Cache.set(key, connection, accepted);
  const { initiatorCookie } = message.header;
  const responderCookie = ep.ikeSas.responderCookie(initiatorCookie, dg.remote, dg.local);
  return answerAccepted(ep, dg, initiatorCookie, responderCookie, connection, accepted);
}

/** Sends message 2 made from `accepted` and files the offer record. */
function answerAccepted(
  ep: EndpointCore,
  dg: IncomingDatagram,
  initiatorCookie: Uint8Array,
  responderCookie: Uint8Array,
  connection: IkeSa['connection'],
  accepted: AcceptedMainMode1,
): IncomingResult {
  const answer = Buffer.allocUnsafe(accepted.reply.length);
  answer.set(accepted.reply);
  answer.set(initiatorCookie, 0);
  answer.set(responderCookie, 8);
  ep.mainModeOffers.put(MainModeOffers.keyOfHeader(answer), {
    connection,
    suite: accepted.suite,
    saiBody: accepted.saiBody,
    natVariant: accepted.natVariant,
    peerDpd: accepted.peerDpd,
    peerFragmentation: accepted.peerFragmentation,
    local: dg.local,
    remote: dg.remote,
    at: ep.now,
  });
  ep.sendStateless(dg.local, dg.remote, ep.frame(dg, answer));
  return { kind: 'ike' };
}

/**
 * A plain Main Mode message 1 answered from the cache (main-mode1-cache.ts) without decoding it,
 * or undefined when the full path must take it: a message not seen before, a connection with no
 * verdict on it yet, one no connection accepts (the full path refuses it), or the repeat of a
 * message 1 whose ISAKMP SA exists (the full path answers it from the SA).
 */
export function cachedMainMode1(
  ep: EndpointCore,
  dg: IncomingDatagram,
  data: Uint8Array,
): IncomingResult | undefined {
  // RFC 2408 section 3.1: responder cookie zero, Identity Protection, flags clear (no encryption,
  // commit or authentication-only), message ID zero.
  if (data.length < 28 || data[18] !== ExchangeType.IDENTITY_PROTECTION || data[19] !== 0) return undefined;
  for (let i = 8; i < 16; i++) if (data[i] !== 0) return undefined;
  for (let i = 20; i < 24; i++) if (data[i] !== 0) return undefined;
  const key = mainMode1Key(data);
  const verdicts = key === undefined ? undefined : ep.mainMode1Cache.verdicts(key);
  if (verdicts === undefined) return undefined;
  for (const connection of connectionsFor(ep.config, dg.local, dg.remote, 'main')) {
    const verdict = verdicts.get(connection);
    if (verdict === undefined) return undefined;
    if (verdict === null) continue;
    const initiatorCookie = data.subarray(0, 8);
    const responderCookie = ep.ikeSas.responderCookie(initiatorCookie, dg.remote, dg.local);
    if (ep.ikeSas.find(initiatorCookie, responderCookie) !== undefined) return undefined;
    return answerAccepted(ep, dg, initiatorCookie, responderCookie, connection, verdict);
  }
  return undefined;
}

/**
 * Main Mode message 3 carrying the responder cookie of an offer we answered: the peer receives at
 * the address it sent message 1 from, so the ISAKMP SA is created now, counted in the half-open
 * bounds, and handed the message. A message 3 that does not move the exchange on (forged, or
 * unacceptable) leaves no SA and keeps the record for the real one. Undefined: no such offer.
 */
export function mainModeMessage3(
  ep: EndpointCore,
  dg: IncomingDatagram,
  message: Message,
  phase1: Phase1Handler,
): IncomingResult | undefined {
  const { initiatorCookie, responderCookie } = message.header;
  if (message.body.encrypted) return undefined;
  const key = MainModeOffers.key(initiatorCookie, responderCookie);
  const offer = ep.mainModeOffers.get(key, ep.now);
  if (offer === undefined) return undefined;
  // The record is filed under the MAC of the address message 1 came from; message 3 must come
  // from there too, or it proves nothing.
  if (
    offer.remote.address !== dg.remote.address ||
    offer.remote.port !== dg.remote.port ||
    offer.local.address !== dg.local.address ||
    offer.local.port !== dg.local.port
  )
    return dropped('Main Mode message 3 from another address than message 1');
  if (
    ep.ikeSas.halfOpen() >= ep.settings.maxHalfOpen ||
    ep.ikeSas.halfOpen(dg.remote.address) >= ep.settings.maxHalfOpenPerPeer
  ) {
    // Only peers that proved their address are here: refuse the newcomer, evict no one.
    ep.logLimited('half-open limit', 'warn', `too many half-open ISAKMP SAs: ignoring ${dg.remote.address}`);
    return dropped('half-open limit');
  }
  const sa = new IkeSa(
    ep.ikeSas.nextId(),
    offer.connection,
    'responder',
    'main',
    Buffer.from(initiatorCookie),
    Buffer.from(responderCookie),
    offer.local,
    offer.remote,
    ep.now,
  );
  sa.offeredSuites = [offer.suite];
  sa.suite = offer.suite;
  sa.saiBody = offer.saiBody;
  sa.natVariant = offer.natVariant;
  sa.peerDpd = offer.peerDpd;
  sa.peerFragmentation = offer.peerFragmentation;
  // A peer that knows of the NAT already starts on 4500 (strongSwan reauthenticating): floated.
  if (dg.local.port === ep.nattPortNumber) sa.floated = true;
  ep.ikeSas.add(sa);
  // While its g^xy is computed (compute-queue.ts) the offer stays: should the message fail then,
  // the SA goes as it does here at once, and the peer's next message 3 finds the offer again.
  const result = phase1(sa, (late) => {
    if (late.kind === 'dropped') ep.lifecycle.removeIkeSa(sa, 'failed', false);
    else ep.mainModeOffers.delete(key);
  });
  if (result.kind === 'dropped') {
    ep.lifecycle.removeIkeSa(sa, 'failed', false);
    return result;
  }
  if (ep.computeQueue.of(sa) === undefined) ep.mainModeOffers.delete(key);
  ep.logLimited(
    'phase 1 initiated by a peer',
    'info',
    `${dg.remote.address}:${dg.remote.port} is initiating Main Mode`,
    sa,
  );
  return { ...result, sa };
}

/**
 * Aggressive Mode message 1 creates its SA (the answer needs our DH value and HASH_R). At most
 * `maxHalfOpenAggressive` wait for message 3; a new one evicts the oldest, so a flood of them
 * shortens the wait of each without locking the mode out, and never touches Main Mode.
 */
function aggressiveMode1(
  ep: EndpointCore,
  dg: IncomingDatagram,
  message: Message,
  connection: IkeSa['connection'],
  suites: readonly Phase1Suite[],
  phase1: Phase1Handler,
): IncomingResult {
  if (ep.ikeSas.halfOpen(dg.remote.address) >= ep.settings.maxHalfOpenPerPeer) {
    ep.logLimited('half-open limit', 'warn', `too many half-open ISAKMP SAs: ignoring ${dg.remote.address}`);
    return dropped('half-open limit');
  }
  if (ep.settings.maxHalfOpenAggressive <= 0) return dropped('half-open limit');
  for (
    let oldest = ep.ikeSas.oldestAggressive();
    ep.ikeSas.halfOpenAggressive >= ep.settings.maxHalfOpenAggressive && oldest !== undefined;
    oldest = ep.ikeSas.oldestAggressive()
  )
    ep.lifecycle.removeIkeSa(oldest, 'failed', false);
  const { initiatorCookie } = message.header;
  const sa = new IkeSa(
    ep.ikeSas.nextId(),
    connection,
    'responder',
    'aggressive',
    Buffer.from(initiatorCookie),
    ep.ikeSas.responderCookie(initiatorCookie, dg.remote, dg.local),
    dg.local,
    dg.remote,
    ep.now,
  );
  sa.offeredSuites = [...suites];
  if (dg.local.port === ep.nattPortNumber) sa.floated = true;
  ep.ikeSas.add(sa);
  // Anyone can send a message 1 (from any address): rate-limited like the drops.
  ep.logLimited(
    'phase 1 initiated by a peer',
    'info',
    `${dg.remote.address}:${dg.remote.port} is initiating Aggressive Mode`,
    sa,
  );
  return { ...phase1(sa), sa };
}

/** An unprotected refusal of a first message (RFC 2408 section 5.4), rate-limited (endpoint.ts). */
function refuse(ep: EndpointCore, dg: IncomingDatagram, message: Message, notifyType: number): void {
  ep.sendRaw({ local: dg.local, remote: dg.remote, data: ep.frame(dg, plainNotify(message, notifyType)) });
}

/** An unprotected Informational answering a first message we cannot accept (RFC 2408 section 5.4). */
export function plainNotify(request: Message, notifyType: number): Uint8Array {
  const header = { ...request.header, exchangeType: ExchangeType.INFORMATIONAL, messageId: 0 };
  const notify: Payload = {
    type: 'notification',
    doi: 1,
    protocolId: 1,
    spi: new Uint8Array(0),
    notifyType,
    data: new Uint8Array(0),
  };
  return encodeMessage({ header, body: { encrypted: false, payloads: [notify] } });
}

/**
 * The payload rules' family of an Aggressive Mode offer: SKEME's when a transform offers public-key
 * encryption (RFC 2409 sections 5.2/5.3: HASH(1), an encrypted ID, the optional Cert-I).
 */
function offeredAuth(payloads: readonly Payload[]): 'pke' | 'psk' {
  const offer = findPayload(payloads, 'sa');
  const pke = offer?.proposals.some((p) =>
    p.transforms.some((t) =>
      t.attributes.some(
        (a) =>
          a.form === 'tv' &&
          a.type === IkeAttributeClass.AUTHENTICATION_METHOD &&
          (a.value === IkeAuthMethod.RSA_ENCRYPTION || a.value === IkeAuthMethod.RSA_REVISED_ENCRYPTION),
      ),
    ),
  );
  return pke === true ? 'pke' : 'psk';
}
