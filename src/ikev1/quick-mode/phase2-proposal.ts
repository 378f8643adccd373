/**
 * Quick Mode SA negotiation (RFC 2409 section 5.5, RFC 2407 sections 4.4-4.5): the initiator offers
 * numbered proposals, each one or more protocol payloads (ESP, AH; a bundle shares the number,
 * RFC 2408 section 4.2), each with transforms; the responder picks one proposal number and one
 * transform per protocol, and puts its own SPIs in.
 */
import {
  attributeNumber,
  type DataAttribute,
  Doi,
  IpsecAttributeClass,
  IpsecLifeType,
  IpsecSituation,
  integerAttribute,
  type Proposal as ProposalPayload,
  ProtocolId,
  type SaPayload,
  type Transform,
  tvAttribute,
} from '../../codec/index.js';
import {
  ahTransformById,
  authAlgorithmById,
  type DhTransform,
  dhTransformById,
  type EncryptionTransform,
  espTransformById,
  type IntegrityTransform,
  ikev1Suites,
  parseProposals,
} from '../../crypto/index.js';
import type { IpsecProtocol } from '../../sa/types.js';
import { decodeEncapsulationMode } from '../nat-traversal.js';

/** One transform of one protocol: the algorithms an IPsec SA uses. */
export interface Phase2Transform {
  readonly protocol: IpsecProtocol;
  readonly encryption: EncryptionTransform | undefined;
  readonly integrity: IntegrityTransform | undefined;
  readonly group: DhTransform | undefined;
  readonly esn: boolean;
}

/** A numbered proposal: the alternatives for each protocol of the bundle. */
export interface Phase2Offer {
  readonly protocols: ReadonlyArray<{
    readonly protocol: IpsecProtocol;
    readonly transforms: readonly Phase2Transform[];
  }>;
}

export interface Phase2Terms {
  readonly mode: 'tunnel' | 'transport';
  /** The Encapsulation Mode attribute value (RFC 2407 section 4.5, RFC 3947 section 5.1). */
  readonly encapsulationMode: number;
  readonly lifeSeconds: number;
  readonly lifeKilobytes: number;
  /**
   * Groups agreed in New Group Mode on this ISAKMP SA (RFC 2409 section 5.6), by their private
   * Group Description: a PFS group among them is named by that number (RFC 2409 Appendix A).
   */
  readonly privateGroups?: ReadonlyMap<number, DhTransform>;
}

/** The Group Description that names `group` on an ISAKMP SA: its private number, if one was agreed. */
export function groupDescription(
  group: DhTransform,
  privateGroups?: ReadonlyMap<number, DhTransform>,
): number {
  let id = group.id;
  for (const [number, g] of privateGroups ?? []) if (g === group && number >= 32768) id = number;
  return id;
}

/** strongSwan's default ESP proposals for IKEv1 children. */
const DEFAULT_ESP = 'aes128-aes256-sha256-sha384-sha512-sha1';
const DEFAULT_AH = 'sha256-sha384-sha512-sha1';

/**
 * The parsed proposals of each configured list, per protocol: parsed once per configuration (a
 * reload brings new lists), not for every Quick Mode (issue 12). Shared, so never changed.
 */
const parsedOf: Record<IpsecProtocol, WeakMap<readonly string[], readonly (readonly Phase2Transform[])[]>> = {
  esp: new WeakMap(),
  ah: new WeakMap(),
};

function transformsOf(
  texts: readonly string[],
  protocol: IpsecProtocol,
): readonly (readonly Phase2Transform[])[] {
  const cache = parsedOf[protocol];
  let parsed = cache.get(texts);
  if (parsed === undefined) {
    parsed = parseTransforms(texts, protocol);
    cache.set(texts, parsed);
  }
  return parsed;
}

function parseTransforms(texts: readonly string[], protocol: IpsecProtocol): Phase2Transform[][] {
  return texts.map((text) =>
    parseProposals(
      text === 'default' ? (protocol === 'esp' ? DEFAULT_ESP : DEFAULT_AH) : text,
      protocol,
    ).flatMap((p) =>
      ikev1Suites(p, 'expand').map((s) => ({
        protocol,
        encryption: s.encryption,
        integrity: s.integrity,
        group: s.dh,
        esn: s.esn?.keyword === 'esn',
      })),
    ),
  );
}

/** The offers of a child: ESP proposals, AH proposals, or ESP+AH bundles when both are configured. */
export function phase2Offers(espProposals: readonly string[], ahProposals: readonly string[]): Phase2Offer[] {
  const esp = transformsOf(espProposals, 'esp');
  const ah = transformsOf(ahProposals, 'ah');
  if (ah.length === 0) return esp.map((transforms) => ({ protocols: [{ protocol: 'esp', transforms }] }));
  if (esp.length === 0) return ah.map((transforms) => ({ protocols: [{ protocol: 'ah', transforms }] }));
  return esp.flatMap((e) =>
    ah.map((a) => ({
      protocols: [
        { protocol: 'esp' as const, transforms: e },
        { protocol: 'ah' as const, transforms: a },
      ],
    })),
  );
}

/** The PFS group of the offers (RFC 2409 section 5.5: one KE payload, so one group). */
export function pfsGroupOf(offers: readonly Phase2Offer[]): DhTransform | undefined {
  return offers[0]?.protocols[0]?.transforms[0]?.group;
}

const PROTOCOL_ID = { esp: ProtocolId.PROTO_IPSEC_ESP, ah: ProtocolId.PROTO_IPSEC_AH } as const;

export function protocolId(protocol: IpsecProtocol): number {
  return PROTOCOL_ID[protocol];
}

function attributes(t: Phase2Transform, terms: Phase2Terms): DataAttribute[] {
  const attrs: DataAttribute[] = [];
  if (t.protocol === 'esp' && t.encryption?.keyLengthBits !== undefined)
    attrs.push(tvAttribute(IpsecAttributeClass.KEY_LENGTH, t.encryption.keyLengthBits));
  if (t.integrity !== undefined)
    attrs.push(tvAttribute(IpsecAttributeClass.AUTHENTICATION_ALGORITHM, t.integrity.authId));
  if (t.group !== undefined)
    attrs.push(
      tvAttribute(IpsecAttributeClass.GROUP_DESCRIPTION, groupDescription(t.group, terms.privateGroups)),
    );
  attrs.push(tvAttribute(IpsecAttributeClass.ENCAPSULATION_MODE, terms.encapsulationMode));
  attrs.push(
    tvAttribute(IpsecAttributeClass.SA_LIFE_TYPE, IpsecLifeType.SECONDS),
    integerAttribute(IpsecAttributeClass.SA_LIFE_DURATION, terms.lifeSeconds),
  );
  if (terms.lifeKilobytes > 0) {
    attrs.push(
      tvAttribute(IpsecAttributeClass.SA_LIFE_TYPE, IpsecLifeType.KILOBYTES),
      integerAttribute(IpsecAttributeClass.SA_LIFE_DURATION, terms.lifeKilobytes),
    );
  }
  if (t.esn) attrs.push(tvAttribute(IpsecAttributeClass.EXTENDED_SEQUENCE_NUMBER, 1));
  return attrs;
}

function transformId(t: Phase2Transform): number {
  if (t.protocol === 'ah') return t.integrity?.ahId ?? 0;
  return t.encryption?.espId ?? 0;
}

/** The initiator's SA payload; `spis` holds our inbound SPI per protocol. */
export function phase2SaPayload(
  offers: readonly Phase2Offer[],
  spis: ReadonlyMap<IpsecProtocol, Uint8Array>,
  terms: Phase2Terms,
): SaPayload {
  const proposals: ProposalPayload[] = offers.flatMap((offer, i) =>
    offer.protocols.map((p) => ({
      number: i + 1,
      protocolId: protocolId(p.protocol),
      spi: spis.get(p.protocol) ?? new Uint8Array(4),
      transforms: p.transforms.map((t, j) => ({
        number: j + 1,
        transformId: transformId(t),
        attributes: attributes(t, terms),
      })),
    })),
  );
  return { type: 'sa', doi: Doi.IPSEC, situation: IpsecSituation.SIT_IDENTITY_ONLY, proposals };
}

/** A received transform, typed, with the terms it carries; or why it is not acceptable. */
export interface ParsedPhase2Transform {
  readonly transform: Phase2Transform;
  readonly mode: 'tunnel' | 'transport';
  readonly udpEncapsulation: boolean;
  readonly lifeSeconds: number;
  readonly lifeKilobytes: number;
}

export function parsePhase2Transform(
  protocol: IpsecProtocol,
  t: Transform,
  privateGroups?: ReadonlyMap<number, DhTransform>,
): ParsedPhase2Transform | string {
  const values = new Map<number, number>();
  let lifeType = IpsecLifeType.SECONDS as number;
  let lifeSeconds = 0;
  let lifeKilobytes = 0;
  for (const a of t.attributes) {
    const v = attributeNumber(a);
    if (v === undefined) return `attribute ${a.type} too large`;
    if (a.type === IpsecAttributeClass.SA_LIFE_TYPE) lifeType = v;
    else if (a.type === IpsecAttributeClass.SA_LIFE_DURATION) {
      if (lifeType === IpsecLifeType.SECONDS) lifeSeconds = v;
      else lifeKilobytes = v;
    } else values.set(a.type, v);
  }
  for (const type of values.keys()) {
    if (![3, 4, 5, 6, 11].includes(type)) return `attribute class ${type} not supported`;
  }
  const encap = decodeEncapsulationMode(values.get(IpsecAttributeClass.ENCAPSULATION_MODE) ?? 1);
  if (encap === undefined) return 'unknown encapsulation mode';
  const authId = values.get(IpsecAttributeClass.AUTHENTICATION_ALGORITHM);
  const integrity = authId === undefined ? undefined : authAlgorithmById(authId);
  if (authId !== undefined && integrity === undefined)
    return `authentication algorithm ${authId} not supported`;
  const groupId = values.get(IpsecAttributeClass.GROUP_DESCRIPTION);
  const group = groupId === undefined ? undefined : (privateGroups?.get(groupId) ?? dhTransformById(groupId));
  if (groupId !== undefined && group === undefined) return `group ${groupId} not supported`;
  let encryption: EncryptionTransform | undefined;
  if (protocol === 'esp') {
    encryption = espTransformById(t.transformId, values.get(IpsecAttributeClass.KEY_LENGTH));
    if (encryption?.esp === undefined) return `ESP transform ${t.transformId} not supported`;
    if (!encryption.aead && integrity === undefined && encryption.keyword !== 'null')
      return 'ESP without integrity';
  } else {
    const ah = ahTransformById(t.transformId);
    if (ah === undefined || integrity === undefined || ah !== integrity)
      return 'AH transform and authentication algorithm disagree';
  }
  return {
    transform: {
      protocol,
      encryption,
      integrity,
      group,
      esn: values.get(IpsecAttributeClass.EXTENDED_SEQUENCE_NUMBER) === 1,
    },
    mode: encap.mode,
    udpEncapsulation: encap.udp,
    lifeSeconds,
    lifeKilobytes,
  };
}

export function sameTransform(a: Phase2Transform, b: Phase2Transform): boolean {
  return (
    a.protocol === b.protocol &&
    a.encryption === b.encryption &&
    a.integrity === b.integrity &&
    a.group === b.group &&
    a.esn === b.esn
  );
}

/** The proposal payloads of an SA payload grouped by proposal number (a bundle shares its number). */
export function proposalsByNumber(sa: SaPayload): ProposalPayload[][] {
  const groups = new Map<number, ProposalPayload[]>();
  for (const p of sa.proposals) groups.set(p.number, [...(groups.get(p.number) ?? []), p]);
  return [...groups.values()];
}

export function protocolOf(id: number): IpsecProtocol | undefined {
  return id === ProtocolId.PROTO_IPSEC_ESP ? 'esp' : id === ProtocolId.PROTO_IPSEC_AH ? 'ah' : undefined;
}

/** The proposal string of a transform, strongSwan style (`aes128-sha256-modp2048`). */
export function transformName(t: Phase2Transform): string {
  return [t.encryption?.keyword, t.integrity?.keyword, t.group?.keyword, t.esn ? 'esn' : undefined]
    .filter(Boolean)
    .join('-');
}
