/**
 * Main Mode (Identity Protection), RFC 2409 sections 5.1 and 5.4, both roles; the authenticator of
 * the negotiated method (auth/authenticator.ts) shapes messages 3 to 6:
 *
 *   Initiator                          Responder
 *   HDR, SA, VID                -->                                  (1)
 *                               <--    HDR, SA, VID                  (2)
 *   HDR, KE, Ni, [CR,] NAT-D    -->                                  (3)
 *                               <--    HDR, KE, Nr, [CR,] NAT-D      (4)
 *   HDR*, IDii, HASH_I [, N]    -->                                  (5)  PSK; on 4500 if a NAT was found
 *   HDR*, IDii, [CERT,] SIG_I   -->                                  (5)  signatures
 *                               <--    HDR*, IDir, HASH_R            (6)  PSK
 *                               <--    HDR*, IDir, [CERT,] SIG_R     (6)  signatures
 *
 * SKEME public-key encryption (sections 5.2/5.3, auth/pke.ts) moves the encrypted IDs to messages
 * 3 and 4 (with HASH(1) in 3), and messages 5 and 6 carry HASH_I / HASH_R alone.
 */
import {
  ExchangeType,
  encodeMessage,
  type Message,
  type Payload,
  type SaPayload,
  type Transform,
} from '../../codec/index.js';
import type { ConnectionConfig } from '../../config/swanctl.js';
import type { ExchangeContext } from '../context.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { enterIsakmpSa } from '../states.js';
import { authenticatorOf } from './auth/authenticator.js';
import {
  derivePhase1Keys,
  findPayload,
  initialContact,
  natDetected,
  noteNatD,
  notePeerVendorIds,
  ourNatD,
  ourVendorIds,
  payloadBody,
} from './phase1-common.js';
import { fail, failAuthenticated, floatToNatT, ignore, type Phase1Result } from './phase1-outcome.js';
import { acceptedSaPayload, acceptedSuite, phase1SaPayload } from './phase1-proposal.js';

const MM = ExchangeType.IDENTITY_PROTECTION;

/** Message 1: our offer. */
export function startMainMode(sa: IkeSa, ctx: ExchangeContext): void {
  const sai = phase1SaPayload(sa.offeredSuites);
  sa.saiBody = payloadBody(sai);
  ctx.send(sa, 0, sa.plainMessage(MM, 0, [sai, ...ourVendorIds(sa.connection.fragmentation)]), true);
  enterIsakmpSa(sa, 'mm-wait-2');
}

/** Processes a Main Mode message for the state the SA is in. `payloads` are decrypted already. */
export function handleMainMode(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result {
  switch (sa.state) {
    case 'mm-wait-2':
      return initiatorMessage2(sa, payloads, ctx);
    case 'mm-wait-3':
      return responderMessage3(sa, payloads, ctx);
    case 'mm-wait-4':
      return initiatorMessage4(sa, payloads, ctx);
    case 'mm-wait-5':
      return responderMessage5(sa, message, payloads, ctx);
    case 'mm-wait-6':
      return initiatorMessage6(sa, message, payloads, ctx);
    default:
      return { kind: 'ignored', reason: `Main Mode message in state ${sa.state}` };
  }
}

/**
 * Message 2, built without an SA (main-mode-offers.ts): our choice of the offer and our Vendor IDs,
 * under the initiator's cookie and our derived one. The same message 1 always gives the same bytes,
 * so a repeat is answered again by building it again (RFC 2408 section 5).
 */
export function mainModeMessage2(
  request: Message,
  received: readonly Payload[],
  responderCookie: Uint8Array,
  offer: SaPayload,
  transform: Transform,
  connection: ConnectionConfig,
): Uint8Array {
  const payloads = [acceptedSaPayload(offer, transform), ...ourVendorIds(connection.fragmentation, received)];
  return encodeMessage({
    header: {
      initiatorCookie: request.header.initiatorCookie,
      responderCookie,
      majorVersion: 1,
      minorVersion: 0,
      exchangeType: MM,
      commit: false,
      authenticationOnly: false,
      messageId: 0,
    },
    body: { encrypted: false, payloads },
  });
}

function initiatorMessage2(sa: IkeSa, payloads: readonly Payload[], ctx: ExchangeContext): Phase1Result {
  const answer = findPayload(payloads, 'sa');
  if (answer === undefined) return ignore('message 2 has no SA payload');
  const suite = acceptedSuite(answer, sa.offeredSuites);
  if (typeof suite === 'string') return fail('NO_PROPOSAL_CHOSEN', suite);
  sa.suite = suite;
  notePeerVendorIds(sa, payloads);
  sa.dh = ctx.dhKeys.keyPair(suite.group.group, ctx.random);
  sa.gxi = sa.dh.publicValue;
  sa.nonceI = ctx.random.bytes(ctx.settings.nonceLength);
  const sent = sendKeyExchange(sa, ctx);
  if (sent !== undefined) return sent;
  enterIsakmpSa(sa, 'mm-wait-4');
  return { kind: 'progress' };
}

/**
 * Message 3 or 4: our KE, the authenticator's nonce payloads (and CERT-REQ), and NAT-D. The
 * initiator waits for an answer and retransmits; the responder answers the initiator's repeats.
 */
function sendKeyExchange(sa: IkeSa, ctx: ExchangeContext): Phase1Result | undefined {
  const offer = authenticatorOf(sa).offerPayloads(sa, ctx, {
    ke: sa.isInitiator ? sa.gxi : sa.gxr,
    nonce: sa.isInitiator ? sa.nonceI : sa.nonceR,
    withId: false,
  });
  if (typeof offer === 'string') return fail('AUTHENTICATION_FAILED', offer);
  const out: Payload[] = [...offer, ...ourNatD(sa, ctx)];
  ctx.send(sa, 0, sa.plainMessage(MM, 0, out), sa.isInitiator);
  return undefined;
}

/** KE and nonce of the peer's message 3 or 4. */
function peerKeyExchange(
  sa: IkeSa,
  ctx: ExchangeContext,
  payloads: readonly Payload[],
): { ke: Uint8Array; nonce: Uint8Array } | undefined {
  const offer = authenticatorOf(sa).peerOffer(sa, ctx, payloads);
  return typeof offer === 'string' || offer.ke === undefined
    ? undefined
    : { ke: offer.ke, nonce: offer.nonce };
}

function responderMessage3(sa: IkeSa, payloads: readonly Payload[], ctx: ExchangeContext): Phase1Result {
  const peer = peerKeyExchange(sa, ctx, payloads);
  if (peer === undefined) return ignore('message 3 needs KE and Nonce payloads');
  const suite = sa.suite!;
  // Section 5.3's KE is decrypted: a wrong one fails at HASH_I (derivePhase1Keys), not here.
  if (authenticatorOf(sa).family !== 'pke' && peer.ke.length !== suite.group.group.publicLength)
    return fail('INVALID_KEY_INFORMATION', 'KE payload of the wrong length for the group');
  sa.gxi = peer.ke;
  sa.nonceI = peer.nonce;
  sa.dh = ctx.dhKeys.keyPair(suite.group.group, ctx.random);
  sa.gxr = sa.dh.publicValue;
  sa.nonceR = ctx.random.bytes(ctx.settings.nonceLength);
  return derivePhase1Keys(sa, ctx, peer.ke, () => {
    noteNatD(sa, payloads, ctx);
    const sent = sendKeyExchange(sa, ctx);
    if (sent !== undefined) return sent;
    enterIsakmpSa(sa, 'mm-wait-5');
    return { kind: 'progress' };
  });
}

function initiatorMessage4(sa: IkeSa, payloads: readonly Payload[], ctx: ExchangeContext): Phase1Result {
  const peer = peerKeyExchange(sa, ctx, payloads);
  if (peer === undefined) return ignore('message 4 needs KE and Nonce payloads');
  sa.gxr = peer.ke;
  sa.nonceR = peer.nonce;
  return derivePhase1Keys(sa, ctx, peer.ke, () => {
    noteNatD(sa, payloads, ctx);
    const proof = authenticatorOf(sa).proofPayloads(sa, ctx, true);
    if (!Array.isArray(proof)) return proof;
    if (natDetected(sa)) floatToNatT(sa, ctx);
    const out: Payload[] = [...proof];
    if (ctx.isFirstContact(sa)) out.push(initialContact(sa));
    ctx.send(sa, 0, sa.encryptedMessage(MM, 0, out), true);
    enterIsakmpSa(sa, 'mm-wait-6');
    return { kind: 'progress' };
  });
}

function responderMessage5(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result {
  const result = authenticatePeer(sa, message, payloads, ctx);
  if (result !== undefined) return result;
  const proof = authenticatorOf(sa).proofPayloads(sa, ctx, true);
  if (!Array.isArray(proof))
    return proof.kind === 'failed' ? failAuthenticated(proof.notify, proof.reason) : proof;
  ctx.send(sa, 0, sa.encryptedMessage(MM, 0, proof), false);
  return { kind: 'established', initialContact: hasInitialContact(payloads) };
}

function initiatorMessage6(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result {
  const result = authenticatePeer(sa, message, payloads, ctx);
  if (result !== undefined) return result;
  ctx.exchangeDone(sa, 0);
  return { kind: 'established', initialContact: hasInitialContact(payloads) };
}

/**
 * Checks IDi/IDr and the peer's proof (HASH or SIG) of message 5 or 6; undefined when the peer is
 * authenticated. A responder may settle on another connection here (auth/connection-settle.ts).
 */
function authenticatePeer(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result | undefined {
  if (!message.body.encrypted) return ignore('message 5/6 must be encrypted (RFC 2409 section 5)');
  const auth = authenticatorOf(sa);
  // SKEME's IDs came with the nonces, in messages 3 and 4 (RFC 2409 sections 5.2/5.3).
  const id = auth.family === 'pke' ? sa.peerOfferedId : findPayload(payloads, 'identification');
  const proof = id === undefined ? undefined : auth.verifyPeer(sa, ctx, payloads, id);
  if (id === undefined || proof?.kind === 'missing') {
    const what = auth.family === 'signature' ? 'ID and SIG payloads missing' : 'ID and HASH payloads missing';
    const why = proof?.kind === 'missing' ? proof.reason : 'the pre-shared keys probably differ';
    return fail('PAYLOAD_MALFORMED', `${what}: ${why}`, true);
  }
  // The message authenticated (or is our Diffie-Hellman partner's own refused proof): its last
  // ciphertext block is the phase 1 IV from here on, also for an Informational refusing the
  // identity. The peer made it its IV when it sent the message, and decrypts our notify with
  // hash(that block | M-ID) (RFC 2409 Appendix B; charon: "decryption failed?" when we used the IV
  // from before the message).
  if (proof?.kind === 'refused') {
    sa.failureCode = proof.code;
    if (!proof.definitive) return fail(proof.notify, proof.reason, true);
    sa.commitReceived(message);
    return failAuthenticated(proof.notify, proof.reason);
  }
  sa.commitReceived(message);
  const refused = auth.acceptIdentity(sa, id);
  if (refused !== undefined) return failAuthenticated('INVALID_ID_INFORMATION', refused);
  return undefined;
}

export function hasInitialContact(payloads: readonly Payload[]): boolean {
  return payloads.some((p) => p.type === 'notification' && p.notifyType === 24578);
}
