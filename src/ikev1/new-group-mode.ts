/**
 * New Group Mode (RFC 2409 section 5.6), after phase 1, on the ISAKMP SA:
 *
 *   HDR*, HASH(1), SA        -->
 *                            <--     HDR*, HASH(2), SA
 *
 *   HASH(1) = prf(SKEYID_a, M-ID | SA)      HASH(2) = prf(SKEYID_a, M-ID | SA)
 *
 * The SA describes one group: a private Group Description (32768-65535, RFC 2409 Appendix A) with
 * Group Type MODP, Group Prime and Group Generator One; or, as responder, also a Group Description
 * naming a group ikets knows by its number. The agreed private number then names that group in the
 * Group Description of Quick Mode proposals on this ISAKMP SA (private groups expire with it, as
 * section 5.6 allows). Readings of the RFC taken here are in docs/ikev1-engine.md.
 */
import {
  attributeInteger,
  ExchangeType,
  IkeAttributeClass,
  IkeGroupType,
  type Message,
  NotifyType,
  type Payload,
  ProtocolId,
  type SaPayload,
  tlvIntegerAttribute,
  tvAttribute,
} from '../codec/index.js';
import type { ConnectionConfig } from '../config/swanctl.js';
import { MODP_PRIMES } from '../crypto/dh/modp-primes.js';
import { type DhTransform, dhTransformById, equalMacs, informationalHash } from '../crypto/index.js';
import type { ExchangeContext } from './context.js';
import { isakmpNotify, sendInformational } from './informational.js';
import { isakmpSaPayload } from './phase1/phase1-proposal.js';
import { afterHash, newMessageId } from './quick-mode/quick-mode-common.js';
import type { IkeSa } from './sa/ike-sa.js';

export const NEW_GROUP_MODE = ExchangeType.NEW_GROUP_MODE;
/** RFC 2409 section 5.6 / Appendix A: private group descriptions are 2^15 and above. */
export const FIRST_PRIVATE_GROUP = 32768;
/** Private groups one ISAKMP SA keeps at most: a peer repeating New Group Mode cannot grow it. */
export const MAX_PRIVATE_GROUPS = 8;

/** Our New Group Mode as initiator, waiting for HASH(2), SA. */
export interface NewGroupExchange {
  readonly messageId: number;
  readonly privateId: number;
  readonly group: DhTransform;
  /** The SA payload we sent (the responder must echo it). */
  readonly sa: SaPayload;
}

/** The result of looking at a New Group Mode message. */
export type NewGroupOutcome =
  | { readonly kind: 'accepted'; readonly privateId: number; readonly group: DhTransform }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unauthenticated'; readonly reason: string };

function primeOf(group: DhTransform): Buffer | undefined {
  const hex = group.group.kind === 'modp' ? MODP_PRIMES[group.id] : undefined;
  return hex === undefined ? undefined : Buffer.from(hex, 'hex');
}

/** The SA payload offering `group` as private group `privateId` (MODP type, prime, generator 2). */
export function newGroupSaPayload(group: DhTransform, privateId: number): SaPayload {
  const prime = primeOf(group);
  if (prime === undefined) throw new Error(`New Group Mode offers MODP groups only, not ${group.keyword}`);
  return isakmpSaPayload([
    [
      tvAttribute(IkeAttributeClass.GROUP_DESCRIPTION, privateId),
      tvAttribute(IkeAttributeClass.GROUP_TYPE, IkeGroupType.MODP),
      { form: 'tlv', type: IkeAttributeClass.GROUP_PRIME, value: prime },
      tlvIntegerAttribute(IkeAttributeClass.GROUP_GENERATOR_ONE, 2, 1),
    ],
  ]);
}

/** A private number not used yet on this SA. */
function freePrivateId(sa: IkeSa, ctx: ExchangeContext): number {
  for (;;) {
    const id = FIRST_PRIVATE_GROUP + (ctx.random.bytes(2).readUInt16BE(0) & 0x7fff);
    if (!sa.privateGroups.has(id)) return id;
  }
}

/** Starts New Group Mode for the connection's `new_group` on an established ISAKMP SA. */
export function startNewGroupMode(sa: IkeSa, group: DhTransform, ctx: ExchangeContext): NewGroupExchange {
  const messageId = newMessageId(sa, ctx);
  const privateId = freePrivateId(sa, ctx);
  const offer = newGroupSaPayload(group, privateId);
  const hash = informationalHash(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    messageId,
    afterHash([offer]),
  );
  const exchange: NewGroupExchange = { messageId, privateId, group, sa: offer };
  sa.newGroupMode = exchange;
  ctx.send(
    sa,
    messageId,
    sa.encryptedMessage(NEW_GROUP_MODE, messageId, [{ type: 'hash', data: hash }, offer]),
    true,
  );
  ctx.log('info', `New Group Mode: offering ${group.keyword} as private group ${privateId}`, sa);
  return exchange;
}

/** The group a New Group Mode SA payload describes, or why it cannot be taken. */
export function describedGroup(
  offer: SaPayload,
): { readonly privateId: number; readonly group: DhTransform } | string {
  const proposal = offer.proposals[0];
  const transform = proposal?.transforms[0];
  if (
    offer.proposals.length !== 1 ||
    proposal === undefined ||
    transform === undefined ||
    proposal.transforms.length !== 1 ||
    proposal.protocolId !== ProtocolId.PROTO_ISAKMP
  )
    return 'one ISAKMP proposal with one transform expected';
  const values = new Map<number, bigint>();
  let prime: Uint8Array | undefined;
  for (const a of transform.attributes) {
    if (a.type === IkeAttributeClass.GROUP_PRIME && a.form === 'tlv') prime = a.value;
    else values.set(a.type, attributeInteger(a));
  }
  const description = Number(values.get(IkeAttributeClass.GROUP_DESCRIPTION) ?? -1);
  if (description < 0) return 'no Group Description';
  for (const type of values.keys())
    if (
      ![
        IkeAttributeClass.GROUP_DESCRIPTION,
        IkeAttributeClass.GROUP_TYPE,
        IkeAttributeClass.GROUP_GENERATOR_ONE,
      ].includes(type as 4)
    )
      return `attribute class ${type} not supported in New Group Mode`;
  if (description < FIRST_PRIVATE_GROUP) {
    // A named group by its number: the description alone, nothing to contradict it.
    const named = dhTransformById(description);
    if (named === undefined || values.size > 1 || prime !== undefined)
      return `group ${description} not supported`;
    return { privateId: description, group: named };
  }
  const type = values.get(IkeAttributeClass.GROUP_TYPE);
  if (type !== BigInt(IkeGroupType.MODP))
    return `private group ${description}: only MODP groups are supported`;
  if (values.get(IkeAttributeClass.GROUP_GENERATOR_ONE) !== 2n || prime === undefined)
    return `private group ${description}: prime and generator 2 expected`;
  // Only the primes ikets knows (RFC 2409 section 6, RFC 3526): checking an arbitrary prime for
  // safety (DH_check) would cost seconds per offer and prove little (docs/ikev1-engine.md).
  const known = dhTransformById(
    Number(
      Object.entries(MODP_PRIMES).find(([, hex]) =>
        Buffer.from(hex, 'hex').equals(Buffer.from(prime)),
      )?.[0] ?? -1,
    ),
  );
  if (known === undefined) return `private group ${description}: not a prime of a group ikets knows`;
  return { privateId: description, group: known };
}

/** A group is acceptable when the connection's proposals (IKE or any child's) name it. */
export function groupAcceptable(connection: ConnectionConfig, group: DhTransform): boolean {
  const names = [group.keyword, ...group.aliases];
  const proposals = [
    ...connection.proposals,
    ...connection.children.flatMap((c) => [...c.espProposals, ...c.ahProposals]),
  ];
  return proposals.some((p) => p.split(/[-,]/).some((word) => names.includes(word.toLowerCase())));
}

/** Checks HASH(1)/HASH(2) = prf(SKEYID_a, M-ID | SA) and returns the SA payload. */
function authenticated(sa: IkeSa, message: Message, payloads: readonly Payload[]): SaPayload | undefined {
  const [hash, offer, ...more] = payloads;
  if (hash?.type !== 'hash' || offer?.type !== 'sa') return undefined;
  const expected = informationalHash(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    message.header.messageId,
    afterHash([offer, ...more]),
  );
  return equalMacs(expected, hash.data) ? offer : undefined;
}

/** A New Group Mode message: the responder's first, or the answer to ours. */
export function handleNewGroupMode(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): NewGroupOutcome {
  const offer = authenticated(sa, message, payloads);
  if (offer === undefined) return { kind: 'unauthenticated', reason: 'New Group Mode HASH does not verify' };
  sa.commitReceived(message);
  const messageId = message.header.messageId;
  const ours = sa.newGroupMode;
  if (ours !== undefined && ours.messageId === messageId) {
    // HASH(2), SA: the responder must accept our one offer as it stands.
    sa.newGroupMode = undefined;
    ctx.exchangeDone(sa, messageId);
    if (!Buffer.from(afterHash([offer])).equals(Buffer.from(afterHash([ours.sa]))))
      return { kind: 'refused', reason: 'the responder answered with another group than we offered' };
    sa.addPrivateGroup(ours.privateId, ours.group);
    return { kind: 'accepted', privateId: ours.privateId, group: ours.group };
  }
  const described = describedGroup(offer);
  const reason =
    typeof described === 'string'
      ? described
      : !groupAcceptable(sa.connection, described.group)
        ? `${described.group.keyword} is not in this connection's proposals`
        : sa.privateGroups.size >= MAX_PRIVATE_GROUPS && !sa.privateGroups.has(described.privateId)
          ? `already ${MAX_PRIVATE_GROUPS} private groups on this ISAKMP SA`
          : undefined;
  if (typeof described === 'string' || reason !== undefined) {
    // RFC 2409 section 5.6: an unacceptable group is answered with ATTRIBUTES-NOT-SUPPORTED.
    sendInformational(sa, [isakmpNotify(sa, NotifyType.ATTRIBUTES_NOT_SUPPORTED)], ctx);
    sa.finishedMessageIds.add(messageId);
    sa.endExchange(messageId);
    return { kind: 'refused', reason: reason ?? String(described) };
  }
  const hash = informationalHash(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    messageId,
    afterHash([offer]),
  );
  ctx.send(
    sa,
    messageId,
    sa.encryptedMessage(NEW_GROUP_MODE, messageId, [{ type: 'hash', data: hash }, offer]),
    false,
  );
  sa.addPrivateGroup(described.privateId, described.group);
  sa.finishedMessageIds.add(messageId);
  return { kind: 'accepted', privateId: described.privateId, group: described.group };
}
