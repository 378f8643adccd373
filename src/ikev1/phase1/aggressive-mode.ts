/**
 * Aggressive Mode, RFC 2409 sections 5.1 and 5.4, both roles; the authenticator of the method
 * (auth/authenticator.ts) adds its payloads:
 *
 *   Initiator                                    Responder
 *   HDR, SA, KE, Ni, IDii, [CR,] VID       -->
 *                                          <--   HDR, SA, KE, Nr, IDir, [CR,] HASH_R | [CERT,] SIG_R, VID, NAT-D
 *   HDR*, HASH_I | [CERT,] SIG_I, NAT-D    -->   (on 4500 if a NAT was found; encrypted, as strongSwan sends it)
 *
 * The identities travel in the clear and the responder's HASH_R can be attacked offline with the
 * PSK as the only secret: as strongSwan, ikets refuses it as responder unless told otherwise
 * (EngineSettings.aggressivePskResponder, `ikets start --aggressive-psk`; incoming.ts), and answers an
 * identity it does not know exactly as one it knows. SKEME public-key encryption (RFC 2409 sections
 * 5.2/5.3, auth/pke.ts) encrypts nonces and IDs (5.3: and KE), with HASH(1) in message 1; since
 * the offer is encrypted to one suite's keys, an initiator offers one hash (5.3: and one cipher).
 */
import { ExchangeType, type IdentificationPayload, type Message, type Payload } from '../../codec/index.js';
import type { ExchangeContext } from '../context.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { enterIsakmpSa } from '../states.js';
import { authenticatorOf } from './auth/authenticator.js';
import { identityOf } from './identity.js';
import {
  derivePhase1Keys,
  findPayload,
  lookupPsk,
  natDetected,
  noteNatD,
  notePeerVendorIds,
  ourNatD,
  ourVendorIds,
  payloadBody,
} from './phase1-common.js';
import { fail, failAuthenticated, floatToNatT, ignore, type Phase1Result } from './phase1-outcome.js';
import { acceptedSaPayload, acceptedSuite, phase1SaPayload, selectPhase1 } from './phase1-proposal.js';

const AM = ExchangeType.AGGRESSIVE;

/**
 * Message 1. All transforms must use one group, since KE goes with the offer (RFC 2409 section
 * 5.4). Returns why it cannot be sent (no key for signatures), or undefined.
 */
export function startAggressiveMode(sa: IkeSa, ctx: ExchangeContext): string | undefined {
  const first = sa.offeredSuites[0]!;
  const auth = authenticatorOf(sa);
  // Section 5: public-key encryption "cannot be negotiated", and with the revised mode "the cipher
  // and hash cannot be negotiated": HASH(1), Ke_i and the encrypted payloads use the first suite's.
  const revised = sa.connection.local.auth === 'pke-revised';
  sa.offeredSuites = sa.offeredSuites.filter(
    (s) =>
      s.group === first.group &&
      (auth.family !== 'pke' || s.hash === first.hash) &&
      (!revised || s.encryption === first.encryption),
  );
  const sai = phase1SaPayload(sa.offeredSuites);
  sa.saiBody = payloadBody(sai);
  sa.dh = ctx.dhKeys.keyPair(first.group.group, ctx.random);
  sa.gxi = sa.dh.publicValue;
  sa.nonceI = ctx.random.bytes(ctx.settings.nonceLength);
  const offer = auth.offerPayloads(sa, ctx, { ke: sa.gxi, nonce: sa.nonceI, withId: true });
  if (typeof offer === 'string') return offer;
  const out: Payload[] = [sai, ...offer, ...ourVendorIds(sa.connection.fragmentation)];
  ctx.send(sa, 0, sa.plainMessage(AM, 0, out), true);
  enterIsakmpSa(sa, 'am-wait-2');
  return undefined;
}

export function handleAggressiveMode(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result {
  switch (sa.state) {
    case 'am-wait-1':
      return responderMessage1(sa, payloads, ctx);
    case 'am-wait-2':
      return initiatorMessage2(sa, payloads, ctx);
    case 'am-wait-3':
    case 'am-wait-3-decoy':
      return responderMessage3(sa, message, payloads, ctx);
    default:
      return { kind: 'ignored', reason: `Aggressive Mode message in state ${sa.state}` };
  }
}

function responderMessage1(sa: IkeSa, payloads: readonly Payload[], ctx: ExchangeContext): Phase1Result {
  const offer = findPayload(payloads, 'sa');
  const ke = findPayload(payloads, 'key_exchange');
  const chosen = offer === undefined ? undefined : selectPhase1(offer, sa.offeredSuites);
  if (chosen !== undefined) sa.suite = chosen.suite;
  const auth = authenticatorOf(sa);
  if (chosen === undefined && offer !== undefined)
    return fail('NO_PROPOSAL_CHOSEN', 'no acceptable proposal');
  const peer = auth.peerOffer(sa, ctx, payloads);
  const id = typeof peer === 'string' ? undefined : peer.id;
  const peerKe = typeof peer === 'string' ? undefined : peer.ke;
  if (
    offer === undefined ||
    ke === undefined ||
    typeof peer === 'string' ||
    id === undefined ||
    peerKe === undefined
  ) {
    return fail('PAYLOAD_MALFORMED', 'message 1 needs SA, KE, Nonce and ID payloads');
  }
  if (chosen === undefined) return fail('NO_PROPOSAL_CHOSEN', 'no acceptable proposal');
  // Section 5.3's KE is decrypted: a wrong one fails at HASH_I (derivePhase1Keys), not here.
  if (auth.family !== 'pke' && peerKe.length !== chosen.suite.group.group.publicLength)
    return fail('INVALID_KEY_INFORMATION', 'KE payload does not match the chosen group');
  // The peer's identity is known here, so the PSK is found by it (RFC 2409 section 5.4).
  const refused = auth.acceptIdentity(sa, id) ?? (auth.family === 'psk' ? noPskFor(sa, ctx, id) : undefined);
  sa.peerOfferedId = id;
  sa.saiBody = payloadBody(offer);
  sa.gxi = peerKe;
  sa.nonceI = peer.nonce;
  notePeerVendorIds(sa, payloads);
  sa.dh = ctx.dhKeys.keyPair(chosen.suite.group.group, ctx.random);
  sa.gxr = sa.dh.publicValue;
  sa.nonceR = ctx.random.bytes(ctx.settings.nonceLength);
  // An identity we do not accept, or have no PSK for, gets the same message 2 as a known one, its
  // HASH_R made with a random key: a refusal would tell an attacker which identities exist, and
  // which to attack offline. Message 3 then cannot be decrypted or verified, as with a wrong PSK.
  const decoy = refused === undefined ? undefined : ctx.random.bytes(32);
  if (refused !== undefined) {
    sa.failure = refused;
    ctx.logLimited(
      'aggressive mode identity refused',
      'info',
      `Aggressive Mode from ${sa.remote.address}:${sa.remote.port}: ${refused}; answered like a known identity (decoy HASH_R)`,
      sa,
    );
  }
  return derivePhase1Keys(
    sa,
    ctx,
    peerKe,
    () => {
      const ours = auth.offerPayloads(sa, ctx, { ke: sa.gxr, nonce: sa.nonceR, withId: true });
      if (typeof ours === 'string') return fail('AUTHENTICATION_FAILED', ours);
      const proof = auth.proofPayloads(sa, ctx, false);
      if (!Array.isArray(proof)) return proof;
      const out: Payload[] = [
        acceptedSaPayload(offer, chosen.transform),
        ...ours,
        ...proof,
        ...ourVendorIds(sa.connection.fragmentation, payloads),
        ...ourNatD(sa, ctx),
      ];
      // Message 3 acknowledges nothing else: the responder repeats message 2 until it arrives.
      ctx.send(sa, 0, sa.plainMessage(AM, 0, out), true);
      enterIsakmpSa(sa, decoy === undefined ? 'am-wait-3' : 'am-wait-3-decoy');
      return { kind: 'progress' };
    },
    identityOf(id),
    decoy,
  );
}

/** Why no PSK serves the peer's identity, or undefined when one does (the ID was accepted). */
function noPskFor(sa: IkeSa, ctx: ExchangeContext, id: IdentificationPayload): string | undefined {
  const remote = identityOf(id);
  if (remote === undefined || lookupPsk(sa, ctx, remote) !== undefined) return undefined;
  return `no pre-shared key for '${sa.remoteIdText}'`;
}

function initiatorMessage2(sa: IkeSa, payloads: readonly Payload[], ctx: ExchangeContext): Phase1Result {
  const answer = findPayload(payloads, 'sa');
  const ke = findPayload(payloads, 'key_exchange');
  const auth = authenticatorOf(sa);
  const proofName = auth.family === 'signature' ? 'SIG' : 'HASH';
  const missing = () => ignore(`message 2 needs SA, KE, Nonce, ID and ${proofName} payloads`);
  if (answer === undefined || ke === undefined) return missing();
  if (auth.family !== 'signature' && findPayload(payloads, 'hash') === undefined) return missing();
  const suite = acceptedSuite(answer, sa.offeredSuites);
  if (typeof suite === 'string') return fail('NO_PROPOSAL_CHOSEN', suite);
  sa.suite = suite;
  // SKEME: Nr (and IDir, KE) decrypted under the answered cookie (Ke_r is keyed by CKY-R).
  const peer = auth.peerOffer(sa, ctx, payloads);
  const id = typeof peer === 'string' ? undefined : peer.id;
  if (typeof peer === 'string' || id === undefined || peer.ke === undefined) return missing();
  notePeerVendorIds(sa, payloads);
  sa.gxr = peer.ke;
  sa.nonceR = peer.nonce;
  const refused = auth.acceptIdentity(sa, id);
  if (refused !== undefined) return fail('INVALID_ID_INFORMATION', refused);
  return derivePhase1Keys(
    sa,
    ctx,
    peer.ke,
    () => {
      // In the clear, message 2 may be anyone's: a refused proof is remembered, nothing more.
      const verdict = auth.verifyPeer(sa, ctx, payloads, id);
      if (verdict.kind === 'missing') return missing();
      if (verdict.kind === 'refused') return fail(verdict.notify, verdict.reason);
      noteNatD(sa, payloads, ctx);
      const proof = auth.proofPayloads(sa, ctx, false);
      if (!Array.isArray(proof)) return proof;
      if (natDetected(sa)) floatToNatT(sa, ctx);
      const out: Payload[] = [...proof, ...ourNatD(sa, ctx)];
      ctx.send(sa, 0, sa.encryptedMessage(AM, 0, out), false);
      ctx.exchangeDone(sa, 0);
      return { kind: 'established', initialContact: false };
    },
    identityOf(id),
  );
}

function responderMessage3(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result {
  const auth = authenticatorOf(sa);
  const id = sa.peerIdPayload ?? sa.peerOfferedId;
  if (id === undefined) return fail('AUTHENTICATION_FAILED', 'no peer identity', true);
  const verdict = auth.verifyPeer(sa, ctx, payloads, id);
  if (verdict.kind === 'missing')
    return ignore(`message 3 has no ${auth.family === 'signature' ? 'SIG' : 'HASH'}: ${verdict.reason}`);
  if (verdict.kind === 'refused') {
    sa.failureCode = verdict.code;
    // RFC 2409 section 5: message 3 "need not be" encrypted; in the clear it may be anyone's.
    if (!verdict.definitive || !message.body.encrypted) return fail(verdict.notify, verdict.reason, true);
    sa.commitReceived(message);
    return failAuthenticated(verdict.notify, verdict.reason);
  }
  sa.commitReceived(message);
  noteNatD(sa, payloads, ctx);
  ctx.exchangeDone(sa, 0);
  return { kind: 'established', initialContact: false };
}
