/**
 * What Main Mode and Aggressive Mode share (RFC 2409 section 5): Vendor IDs, the key schedule once
 * the Diffie-Hellman values and nonces are known, HASH_I / HASH_R, and the identities.
 */
import {
  announcesFragmentation,
  encodePayloadChain,
  fragmentationVendorId,
  type IdentificationPayload,
  NotifyType,
  type Payload,
  vendorIdBytes,
} from '../../codec/index.js';
import { formatIdentity, type IdentityConfig } from '../../config/identity.js';
import type { FragmentationPolicy } from '../../config/swanctl.js';
import {
  deriveKa,
  deriveSkeyid,
  equalMacs,
  type HashName,
  hashI,
  hashR,
  IsakmpCipher,
  IvState,
  phase1Cipher,
  phase1Iv,
} from '../../crypto/index.js';
import { type ComputeResult, computeNow, type DhSharedWork } from '../compute-queue.js';
import type { ExchangeContext } from '../context.js';
import { announcesFragmentation as weAnnounceFragmentation } from '../fragmentation/split.js';
import {
  detectNat,
  type NatTraversalVariant,
  natDPayloads,
  natTraversalVendorIds,
  peerNatTraversal,
} from '../nat-traversal.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { computingState, enterIsakmpSa } from '../states.js';
import { authenticatorOf, type SkeyidSecret } from './auth/authenticator.js';
import { addressIdentity, findPsk, identificationPayload, identityOf, sameIdentity } from './identity.js';
import { fail, type Phase1Result } from './phase1-outcome.js';
import type { Phase1Suite } from './phase1-proposal.js';

/**
 * Our Vendor IDs: NAT-T (RFC 3947 section 3.1), DPD (RFC 3706 section 5.1) and FRAGMENTATION
 * (fragmentation/), in the first message of each side only, as strongSwan sends them.
 */
export function ourVendorIds(fragmentation: FragmentationPolicy, answering?: readonly Payload[]): Payload[] {
  const dpd: Payload = { type: 'vendor_id', data: vendorIdBytes('DPD') as Uint8Array };
  // A responder announces NAT-T only if the initiator did (RFC 3947 section 3.1).
  const natt =
    answering === undefined || peerNatTraversal(answering) !== undefined ? natTraversalVendorIds() : [];
  // ...and fragmentation only to an initiator that announced it (strongSwan's isakmp_vendor.c).
  const peerFragments = answering === undefined ? undefined : peerVendorIds(answering).peerFragmentation;
  const fragments: Payload[] = weAnnounceFragmentation(fragmentation, peerFragments)
    ? [{ type: 'vendor_id', data: fragmentationVendorId() }]
    : [];
  return [...natt, dpd, ...fragments];
}

/** What the peer's Vendor IDs announce: NAT-T (and which variant) and DPD. */
export function peerVendorIds(payloads: readonly Payload[]): {
  natVariant: NatTraversalVariant | undefined;
  peerDpd: boolean;
  peerFragmentation: boolean;
} {
  return {
    peerFragmentation: payloads.some((p) => p.type === 'vendor_id' && announcesFragmentation(p.data)),
    natVariant: peerNatTraversal(payloads),
    peerDpd: payloads.some(
      (p) => p.type === 'vendor_id' && Buffer.from(p.data).equals(vendorIdBytes('DPD') as Uint8Array),
    ),
  };
}

/** Notes what the peer's Vendor IDs announce. */
export function notePeerVendorIds(sa: IkeSa, payloads: readonly Payload[]): void {
  const { natVariant, peerDpd, peerFragmentation } = peerVendorIds(payloads);
  sa.natVariant = natVariant;
  sa.peerDpd = peerDpd;
  sa.peerFragmentation = peerFragmentation;
}

/** The body of a payload without its generic header (SAi_b, IDii_b: RFC 2409 section 5). */
export function payloadBody(p: Payload): Uint8Array {
  return encodePayloadChain([p]).bytes.subarray(4);
}

export function localIdentity(sa: IkeSa): IdentityConfig {
  return sa.connection.local.id ?? addressIdentity(sa.local.address);
}

/** The identity the PSK is looked up with before the peer's ID is known: the configured one or its address. */
export function expectedRemoteIdentity(sa: IkeSa): IdentityConfig {
  return sa.connection.remote.id ?? addressIdentity(sa.remote.address);
}

export function ourIdPayload(sa: IkeSa): IdentificationPayload {
  const payload = identificationPayload(localIdentity(sa));
  sa.localIdBody = payloadBody(payload);
  sa.localIdText = formatIdentity(localIdentity(sa));
  return payload;
}

/** Checks the peer's ID payload against the connection; returns why it is refused, if it is. */
export function acceptPeerId(sa: IkeSa, payload: IdentificationPayload): string | undefined {
  const id = identityOf(payload);
  if (id === undefined) return `identity type ${payload.id.kind} is not used with pre-shared keys`;
  const expected = sa.connection.remote.id;
  if (expected !== undefined && !sameIdentity(expected, id)) {
    return `peer identity '${formatIdentity(id)}' is not the configured '${formatIdentity(expected)}'`;
  }
  sa.remoteIdText = formatIdentity(id);
  sa.peerIdPayload = payload;
  return undefined;
}

/**
 * The PSK of this SA. RFC 2409 section 5.4: in Main Mode the key must be found before the peer's
 * identity is known, so it is looked up with the configured remote identity, or the peer's address
 * when none is configured (docs/configuration.md).
 */
export function lookupPsk(
  sa: IkeSa,
  ctx: ExchangeContext,
  remote: IdentityConfig = expectedRemoteIdentity(sa),
): Buffer | undefined {
  return findPsk(ctx.secrets, localIdentity(sa), remote);
}

/**
 * SKEYID and its family, Ka and the phase 1 IV (RFC 2409 section 5 and Appendix B), once both
 * Diffie-Hellman values and nonces are known, then `then` (the rest of the step). The authenticator
 * of the method gives its part of SKEYID (auth/authenticator.ts): the PSK found by `remoteId` when
 * the peer's identity is known (Aggressive Mode), else as `lookupPsk` explains; `decoyPsk` (random)
 * stands in for it when an Aggressive Mode responder must not reveal that it has none. g^xy may
 * leave the engine (`ctx.compute`, compute-queue.ts): the step then returns `computing` and goes on
 * when the result comes back. Returns the failure (no key, a bad public value per RFC 6989, a weak
 * key) instead of throwing.
 */
export function derivePhase1Keys(
  sa: IkeSa,
  ctx: ExchangeContext,
  peerPublic: Uint8Array,
  then: () => Phase1Result,
  remoteId?: IdentityConfig,
  decoyPsk?: Buffer,
): Phase1Result {
  const secret = authenticatorOf(sa).skeyidSecret(sa, ctx, remoteId, decoyPsk);
  if ('kind' in secret) return secret;
  const suite = sa.suite;
  const keyPair = sa.dh;
  if (suite === undefined || keyPair === undefined)
    return fail('INVALID_KEY_INFORMATION', 'no suite or Diffie-Hellman key pair');
  const work: DhSharedWork = { kind: 'dh-shared', keyPair, peerPublic };
  const resume = (result: ComputeResult): Phase1Result =>
    phase1Keys(sa, ctx, suite, secret, result) ?? then();
  if (!ctx.compute.defers(work)) return resume(computeNow(work));
  enterIsakmpSa(sa, computingState(sa.state));
  return { kind: 'computing', work, resume };
}

/** The rest of `derivePhase1Keys` once g^xy is computed (or found invalid). */
function phase1Keys(
  sa: IkeSa,
  ctx: ExchangeContext,
  suite: Phase1Suite,
  secret: SkeyidSecret,
  result: ComputeResult,
): Phase1Result | undefined {
  let gxy: Buffer;
  if ('secret' in result) {
    gxy = result.secret;
  } else {
    const skeme = sa.skeme;
    if (skeme === undefined || !skeme.revised)
      return fail('INVALID_KEY_INFORMATION', `the peer's Diffie-Hellman value is invalid: ${result.error}`);
    // RFC 2409 section 5.3: the KE was decrypted under Ke_i / Ke_r, so an unusable one means a wrong
    // nonce or a changed payload. Refusing here would tell the sender whether the nonce decrypted
    // (a padding oracle): a random g^xy stands in, and the exchange fails at HASH like a wrong key.
    gxy = Buffer.from(ctx.random.bytes(suite.group.group.secretLength));
    sa.skeme = {
      ...skeme,
      notes: [
        ...skeme.notes,
        {
          code: 'ke-unusable',
          text: `the peer's KE did not decrypt to a public value: ${result.error}`,
        },
      ],
    };
  }
  const prf = suite.hash.hash;
  const skeyid = deriveSkeyid({
    prf,
    ...secret,
    nonceI: sa.nonceI,
    nonceR: sa.nonceR,
    gxy,
    ...sa.cookies,
  });
  const cbc = phase1Cipher(suite.encryption);
  const ka = deriveKa(prf, skeyid.skeyidE, cbc.keyLength);
  try {
    // No LRU cap: a context lives exactly as long as its exchange (IkeSa.endExchange), and the
    // exchanges in progress are bounded (EngineSettings.maxQuickModes), so no live one is evicted.
    const iv = new IvState(
      prf,
      cbc.blockSize,
      phase1Iv(prf, sa.gxi, sa.gxr, cbc.blockSize),
      Number.POSITIVE_INFINITY,
    );
    sa.keys = { skeyid, ka, cipher: new IsakmpCipher(cbc, ka, iv) };
  } catch (error) {
    return fail('INVALID_KEY_INFORMATION', `key derivation failed: ${(error as Error).message}`);
  }
  return undefined;
}

/** The inputs of HASH_I / HASH_R over an ID body; `prf` for a signature tied to a hash (RFC 2409 5.1). */
export function phase1HashInput(sa: IkeSa, idBody: Uint8Array, prf?: HashName) {
  const keys = sa.requireKeys();
  const suite = sa.suite!;
  return {
    prf: prf ?? suite.hash.hash,
    skeyid: keys.skeyid.skeyid,
    gxi: sa.gxi,
    gxr: sa.gxr,
    ...cookieFields(sa),
    saiBody: sa.saiBody,
    idBody,
  };
}

const cookieFields = (sa: IkeSa) => ({ cookieI: sa.initiatorCookie, cookieR: sa.responderCookie });

/** Our HASH_I or HASH_R, over our ID payload. */
export function ourHash(sa: IkeSa): Payload {
  const input = phase1HashInput(sa, sa.localIdBody);
  return { type: 'hash', data: sa.isInitiator ? hashI(input) : hashR(input) };
}

/** Verifies the peer's HASH_I or HASH_R over its ID payload (compared in constant time). */
export function verifyPeerHash(sa: IkeSa, peerId: IdentificationPayload, received: Uint8Array): boolean {
  const input = phase1HashInput(sa, payloadBody(peerId));
  return equalMacs(sa.isInitiator ? hashR(input) : hashI(input), received);
}

/** NAT-D payloads for the message we are about to send, if the peer speaks NAT-T. */
export function ourNatD(sa: IkeSa, ctx: ExchangeContext): Payload[] {
  if (sa.natVariant === undefined || sa.suite === undefined) return [];
  // strongSwan's `encap = yes`: a random source hash makes the peer see a NAT and encapsulate.
  const fake = sa.connection.encap ? ctx.random.bytes(sa.suite.hash.implementation.keyLength) : undefined;
  return natDPayloads(sa.natVariant, sa.suite.hash.hash, cookieFields(sa), sa.local, sa.remote, fake);
}

/** Records the NAT detection result of the peer's NAT-D payloads (RFC 3947 section 3.2). */
export function noteNatD(sa: IkeSa, payloads: readonly Payload[], ctx: ExchangeContext): void {
  if (sa.natVariant === undefined || sa.suite === undefined) return;
  const found = detectNat(payloads, sa.suite.hash.hash, cookieFields(sa), sa.local, sa.remote);
  if (found === undefined) {
    ctx.log('warn', 'peer announced NAT-T but sent no NAT-D payloads', sa);
    return;
  }
  sa.localBehindNat = found.localBehindNat || sa.connection.encap;
  sa.remoteBehindNat = found.remoteBehindNat;
  if (sa.localBehindNat || sa.remoteBehindNat) {
    const who =
      sa.localBehindNat && sa.remoteBehindNat
        ? 'both ends are'
        : sa.localBehindNat
          ? 'we are'
          : 'the peer is';
    const faked = sa.connection.encap && !found.localBehindNat ? ' (ours faked: encap = yes)' : '';
    ctx.log('info', `NAT detected: ${who} behind a NAT${faked}`, sa);
  }
}

/** Whether both sides should move to the NAT-T port (RFC 3947 section 4). */
export function natDetected(sa: IkeSa): boolean {
  return sa.natVariant !== undefined && (sa.localBehindNat || sa.remoteBehindNat);
}

export function initialContact(sa: IkeSa): Payload {
  return {
    type: 'notification',
    doi: 1,
    protocolId: 1,
    spi: Buffer.concat([sa.initiatorCookie, sa.responderCookie]),
    notifyType: NotifyType.INITIAL_CONTACT,
    data: new Uint8Array(0),
  };
}

export function findPayload<T extends Payload['type']>(
  payloads: readonly Payload[],
  type: T,
): Extract<Payload, { type: T }> | undefined {
  return payloads.find((p): p is Extract<Payload, { type: T }> => p.type === type);
}
