/**
 * Phase 1 SA negotiation (RFC 2409 section 5 and Appendix A, RFC 2408 section 4.2): the initiator
 * offers one ISAKMP proposal whose transforms are the suites of its configured proposals; the
 * responder picks exactly one transform and returns it unchanged.
 */
import {
  attributeNumber,
  type DataAttribute,
  Doi,
  IkeAttributeClass,
  IkeAuthMethod,
  IkeLifeType,
  IpsecSituation,
  IsakmpTransformId,
  integerAttribute,
  ProtocolId,
  type SaPayload,
  type Transform,
  tvAttribute,
} from '../../codec/index.js';
import {
  type DhTransform,
  dhTransformById,
  type EncryptionTransform,
  type HashName,
  type IntegrityTransform,
  ikeEncryptionById,
  ikeHashById,
  ikev1Suites,
  parseProposals,
} from '../../crypto/index.js';

/** One phase 1 transform, typed: what both sides agree on. */
export interface Phase1Suite {
  readonly encryption: EncryptionTransform;
  readonly hash: IntegrityTransform & { readonly hash: HashName };
  readonly group: DhTransform;
  readonly authMethod: number;
  /** Life Duration in seconds (0: none given). */
  readonly lifeSeconds: number;
}

/** strongSwan's `default` IKE proposal for IKEv1, restricted to what IKEv1 phase 1 can carry. */
const DEFAULT_IKE_PROPOSALS =
  'aes128-aes192-aes256-sha256-sha384-sha512-sha1-ecp256-ecp384-modp3072-modp2048';

/**
 * The suites of proposal strings (`default` expands to strongSwan-like defaults), in preference
 * order, each with every authentication method given (RFC 2409 Appendix A: the method is a
 * transform attribute).
 */
export function phase1Suites(
  proposals: readonly string[],
  lifeSeconds: number,
  authMethods: readonly number[] = [IkeAuthMethod.PRE_SHARED_KEY],
): Phase1Suite[] {
  const suites: Phase1Suite[] = [];
  for (const text of proposals) {
    const parsed = parseProposals(text === 'default' ? DEFAULT_IKE_PROPOSALS : text, 'ike');
    for (const p of parsed) {
      // Several algorithms of a kind: offer every combination (one IKEv1 transform each).
      for (const s of ikev1Suites(p, 'expand')) {
        if (s.encryption === undefined || s.integrity?.hash === undefined || s.dh === undefined) {
          throw new RangeError(`IKE proposal '${text}' needs an encryption, a hash and a DH group`);
        }
        for (const authMethod of authMethods)
          suites.push({
            encryption: s.encryption,
            hash: s.integrity as IntegrityTransform & { hash: HashName },
            group: s.dh,
            authMethod,
            lifeSeconds,
          });
      }
    }
  }
  return suites;
}

/** The proposal string of one suite, as strongSwan prints it (`aes128-sha256-modp2048`). */
export function suiteName(s: Phase1Suite): string {
  return `${s.encryption.keyword}-${s.hash.keyword}-${s.group.keyword}`;
}

/** The transform attributes of a suite, in the order strongSwan sends them. */
function transformAttributes(s: Phase1Suite): DataAttribute[] {
  const attrs: DataAttribute[] = [
    tvAttribute(IkeAttributeClass.ENCRYPTION_ALGORITHM, s.encryption.ikeId as number),
  ];
  if (s.encryption.keyLengthBits !== undefined)
    attrs.push(tvAttribute(IkeAttributeClass.KEY_LENGTH, s.encryption.keyLengthBits));
  attrs.push(
    tvAttribute(IkeAttributeClass.HASH_ALGORITHM, s.hash.ikeHashId as number),
    tvAttribute(IkeAttributeClass.GROUP_DESCRIPTION, s.group.id),
    tvAttribute(IkeAttributeClass.AUTHENTICATION_METHOD, s.authMethod),
  );
  if (s.lifeSeconds > 0) {
    attrs.push(
      tvAttribute(IkeAttributeClass.LIFE_TYPE, IkeLifeType.SECONDS),
      integerAttribute(IkeAttributeClass.LIFE_DURATION, s.lifeSeconds),
    );
  }
  return attrs;
}

/**
 * An SA payload of one ISAKMP proposal with a KEY_IKE transform per attribute list (phase 1's
 * offer, RFC 2409 section 5; New Group Mode's, section 5.6).
 */
export function isakmpSaPayload(transforms: readonly (readonly DataAttribute[])[]): SaPayload {
  return {
    type: 'sa',
    doi: Doi.IPSEC,
    situation: IpsecSituation.SIT_IDENTITY_ONLY,
    proposals: [
      {
        number: 1,
        protocolId: ProtocolId.PROTO_ISAKMP,
        spi: new Uint8Array(0),
        transforms: transforms.map((attributes, i) => ({
          number: i + 1,
          transformId: IsakmpTransformId.KEY_IKE,
          attributes: [...attributes],
        })),
      },
    ],
  };
}

/** The initiator's SA payload: one ISAKMP proposal, one KEY_IKE transform per suite. */
export function phase1SaPayload(suites: readonly Phase1Suite[]): SaPayload {
  return isakmpSaPayload(suites.map(transformAttributes));
}

/** Why a transform cannot be accepted, or its typed suite. */
export function parsePhase1Transform(t: Transform): Phase1Suite | string {
  if (t.transformId !== IsakmpTransformId.KEY_IKE) return `transform id ${t.transformId} is not KEY_IKE`;
  const values = new Map<number, number>();
  for (const a of t.attributes) {
    const v = attributeNumber(a);
    if (v === undefined) return `attribute ${a.type} has a value too large`;
    if (
      values.has(a.type) &&
      a.type !== IkeAttributeClass.LIFE_TYPE &&
      a.type !== IkeAttributeClass.LIFE_DURATION
    ) {
      return `attribute ${a.type} appears twice`;
    }
    values.set(a.type, v);
  }
  const encryption = ikeEncryptionById(
    values.get(IkeAttributeClass.ENCRYPTION_ALGORITHM) ?? -1,
    values.get(IkeAttributeClass.KEY_LENGTH),
  );
  if (encryption === undefined || encryption.cbc === undefined)
    return 'encryption algorithm or key length not supported';
  const hash = ikeHashById(values.get(IkeAttributeClass.HASH_ALGORITHM) ?? -1);
  if (hash?.hash === undefined) return 'hash algorithm not supported';
  const group = dhTransformById(values.get(IkeAttributeClass.GROUP_DESCRIPTION) ?? -1);
  if (group === undefined) return 'Diffie-Hellman group not supported';
  if (values.has(IkeAttributeClass.GROUP_TYPE) || values.has(IkeAttributeClass.GROUP_PRIME))
    return 'private groups are not supported';
  if (values.has(IkeAttributeClass.PRF)) return 'no PRF attribute is defined for IKEv1 (RFC 2409 section 4)';
  return {
    encryption,
    hash: hash as IntegrityTransform & { hash: HashName },
    group,
    authMethod: values.get(IkeAttributeClass.AUTHENTICATION_METHOD) ?? -1,
    lifeSeconds: lifeSeconds(t.attributes),
  };
}

/**
 * RFC 2409 Appendix A: a Life Duration follows the Life Type it qualifies, and several pairs may be
 * given; the seconds one is taken (kilobyte lifetimes of the ISAKMP SA are accepted and not enforced).
 */
function lifeSeconds(attributes: readonly DataAttribute[]): number {
  let type: number | undefined;
  for (const a of attributes) {
    if (a.type === IkeAttributeClass.LIFE_TYPE) type = attributeNumber(a);
    else if (a.type === IkeAttributeClass.LIFE_DURATION && type === IkeLifeType.SECONDS)
      return attributeNumber(a) ?? 0;
  }
  return 0;
}

export const sameSuite = (a: Phase1Suite, b: Phase1Suite): boolean =>
  a.encryption === b.encryption && a.hash === b.hash && a.group === b.group && a.authMethod === b.authMethod;

/**
 * RFC 2408 section 3.5: in an ISAKMP proposal the cookies are the SPI, so the SPI Size "MAY be from
 * zero (0) to sixteen (16)" and its content is ignored; anything longer is an invalid SPI (section
 * 5.5, step 2: INVALID-SPI). Echoing it would make our answer larger than the request.
 */
export const MAX_ISAKMP_SPI_SIZE = 16;

/** Why an SA payload's ISAKMP proposals are malformed (an SPI too long), or undefined. */
export function invalidIsakmpSpi(sa: SaPayload): string | undefined {
  const p = sa.proposals.find(
    (x) => x.protocolId === ProtocolId.PROTO_ISAKMP && x.spi.length > MAX_ISAKMP_SPI_SIZE,
  );
  return p === undefined
    ? undefined
    : `an ISAKMP proposal with a ${p.spi.length}-byte SPI (RFC 2408 section 3.5 allows 0 to ${MAX_ISAKMP_SPI_SIZE})`;
}

/**
 * The responder's choice (RFC 2408 section 4.2): the first of our suites the peer offered (our order
 * of preference, as strongSwan's default), returned as the peer's transform, unchanged.
 */
export function selectPhase1(
  offer: SaPayload,
  ours: readonly Phase1Suite[],
): { transform: Transform; suite: Phase1Suite } | undefined {
  const proposal = offer.proposals.length === 1 ? offer.proposals[0] : undefined;
  if (proposal === undefined || proposal.protocolId !== ProtocolId.PROTO_ISAKMP) return undefined;
  const offered = proposal.transforms.map((t) => ({ transform: t, suite: parsePhase1Transform(t) }));
  for (const mine of ours) {
    for (const o of offered) {
      if (typeof o.suite !== 'string' && sameSuite(mine, o.suite))
        return { transform: o.transform, suite: o.suite };
    }
  }
  return undefined;
}

/** The responder's SA payload: the offer with only the chosen transform (RFC 2408 section 4.2). */
export function acceptedSaPayload(offer: SaPayload, transform: Transform): SaPayload {
  const proposal = offer.proposals[0]!;
  return { ...offer, proposals: [{ ...proposal, transforms: [transform] }] };
}

/** The initiator's check of the responder's answer: one of the suites it offered. */
export function acceptedSuite(answer: SaPayload, offered: readonly Phase1Suite[]): Phase1Suite | string {
  const proposal = answer.proposals[0];
  if (answer.proposals.length !== 1 || proposal === undefined || proposal.transforms.length !== 1) {
    return 'the responder must return exactly one proposal with one transform';
  }
  const badSpi = invalidIsakmpSpi(answer);
  if (badSpi !== undefined) return badSpi;
  const suite = parsePhase1Transform(proposal.transforms[0]!);
  if (typeof suite === 'string') return suite;
  const match = offered.find((o) => sameSuite(o, suite));
  if (match === undefined) return 'the responder chose a transform that was not offered';
  return { ...match, lifeSeconds: suite.lifeSeconds || match.lifeSeconds };
}
