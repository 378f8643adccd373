/**
 * Aggressive Mode with pre-shared keys, RFC 2409 section 5.4, both roles:
 *
 *   Initiator                                    Responder
 *   HDR, SA, KE, Ni, IDii, VID             -->
 *                                          <--   HDR, SA, KE, Nr, IDir, HASH_R, VID, NAT-D, NAT-D
 *   HDR*, HASH_I, NAT-D, NAT-D             -->   (on 4500 if a NAT was found; encrypted, as strongSwan sends it)
 *
 * The identities travel in the clear and the responder's HASH_R can be attacked offline with the
 * PSK as the only secret: as strongSwan, ikets refuses it as responder unless told otherwise
 * (EngineSettings.aggressivePskResponder, `ikets start --aggressive-psk`; incoming.ts), and answers an
 * identity it does not know exactly as one it knows.
 */
import { ExchangeType, type IdentificationPayload, type Message, type Payload } from '../../codec/index.js';
import type { ExchangeContext } from '../context.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { enterIsakmpSa } from '../states.js';
import { identityOf } from './identity.js';
import {
  acceptPeerId,
  derivePhase1Keys,
  findPayload,
  lookupPsk,
  natDetected,
  noteNatD,
  notePeerVendorIds,
  ourHash,
  ourIdPayload,
  ourNatD,
  ourVendorIds,
  payloadBody,
  verifyPeerHash,
} from './phase1-common.js';
import { fail, floatToNatT, ignore, type Phase1Result } from './phase1-outcome.js';
import { acceptedSaPayload, acceptedSuite, phase1SaPayload, selectPhase1 } from './phase1-proposal.js';

const AM = ExchangeType.AGGRESSIVE;

/** Message 1. All transforms must use one group, since KE goes with the offer (RFC 2409 section 5.4). */
export function startAggressiveMode(sa: IkeSa, ctx: ExchangeContext): void {
  const group = sa.offeredSuites[0]!.group;
  sa.offeredSuites = sa.offeredSuites.filter((s) => s.group === group);
  const sai = phase1SaPayload(sa.offeredSuites);
  sa.saiBody = payloadBody(sai);
  sa.dh = ctx.dhKeys.keyPair(group.group, ctx.random);
  sa.gxi = sa.dh.publicValue;
  sa.nonceI = ctx.random.bytes(ctx.settings.nonceLength);
  const out: Payload[] = [
    sai,
    { type: 'key_exchange', data: sa.gxi },
    { type: 'nonce', data: sa.nonceI },
    ourIdPayload(sa),
    ...ourVendorIds(sa.connection.fragmentation),
  ];
  ctx.send(sa, 0, sa.plainMessage(AM, 0, out), true);
  enterIsakmpSa(sa, 'am-wait-2');
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
  const nonce = findPayload(payloads, 'nonce');
  const id = findPayload(payloads, 'identification');
  if (offer === undefined || ke === undefined || nonce === undefined || id === undefined) {
    return fail('PAYLOAD_MALFORMED', 'message 1 needs SA, KE, Nonce and ID payloads');
  }
  const chosen = selectPhase1(offer, sa.offeredSuites);
  if (chosen === undefined) return fail('NO_PROPOSAL_CHOSEN', 'no acceptable proposal');
  sa.suite = chosen.suite;
  if (ke.data.length !== chosen.suite.group.group.publicLength)
    return fail('INVALID_KEY_INFORMATION', 'KE payload does not match the chosen group');
  // The peer's identity is known here, so the PSK is found by it (RFC 2409 section 5.4).
  const refused = acceptPeerId(sa, id) ?? noPskFor(sa, ctx, id);
  sa.saiBody = payloadBody(offer);
  sa.gxi = ke.data;
  sa.nonceI = nonce.data;
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
  const failed = derivePhase1Keys(sa, ctx, ke.data, identityOf(id), decoy);
  if (failed !== undefined) return failed;
  const idPayload = ourIdPayload(sa);
  const out: Payload[] = [
    acceptedSaPayload(offer, chosen.transform),
    { type: 'key_exchange', data: sa.gxr },
    { type: 'nonce', data: sa.nonceR },
    idPayload,
    ourHash(sa),
    ...ourVendorIds(sa.connection.fragmentation, payloads),
    ...ourNatD(sa, ctx),
  ];
  // Message 3 acknowledges nothing else: the responder repeats message 2 until it arrives.
  ctx.send(sa, 0, sa.plainMessage(AM, 0, out), true);
  enterIsakmpSa(sa, decoy === undefined ? 'am-wait-3' : 'am-wait-3-decoy');
  return { kind: 'progress' };
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
  const nonce = findPayload(payloads, 'nonce');
  const id = findPayload(payloads, 'identification');
  const hash = findPayload(payloads, 'hash');
  if (
    answer === undefined ||
    ke === undefined ||
    nonce === undefined ||
    id === undefined ||
    hash === undefined
  ) {
    return ignore('message 2 needs SA, KE, Nonce, ID and HASH payloads');
  }
  const suite = acceptedSuite(answer, sa.offeredSuites);
  if (typeof suite === 'string') return fail('NO_PROPOSAL_CHOSEN', suite);
  sa.suite = suite;
  notePeerVendorIds(sa, payloads);
  sa.gxr = ke.data;
  sa.nonceR = nonce.data;
  const refused = acceptPeerId(sa, id);
  if (refused !== undefined) return fail('INVALID_ID_INFORMATION', refused);
  const failed = derivePhase1Keys(sa, ctx, ke.data, identityOf(id));
  if (failed !== undefined) return failed;
  if (!verifyPeerHash(sa, id, hash.data))
    return fail('AUTHENTICATION_FAILED', 'HASH_R does not verify: the pre-shared keys differ');
  noteNatD(sa, payloads, ctx);
  if (natDetected(sa)) floatToNatT(sa, ctx);
  const out: Payload[] = [ourHash(sa), ...ourNatD(sa, ctx)];
  ctx.send(sa, 0, sa.encryptedMessage(AM, 0, out), false);
  ctx.exchangeDone(sa, 0);
  return { kind: 'established', initialContact: false };
}

function responderMessage3(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): Phase1Result {
  const hash = findPayload(payloads, 'hash');
  if (hash === undefined) return ignore('message 3 has no HASH: the pre-shared keys probably differ');
  const id = sa.peerIdPayload;
  if (sa.state === 'am-wait-3-decoy' || id === undefined || !verifyPeerHash(sa, id, hash.data)) {
    return fail('AUTHENTICATION_FAILED', 'HASH_I does not verify: the pre-shared keys differ', true);
  }
  sa.commitReceived(message);
  noteNatD(sa, payloads, ctx);
  ctx.exchangeDone(sa, 0);
  return { kind: 'established', initialContact: false };
}
