/**
 * fast-check arbitraries of typed ISAKMP messages covering every payload type, shared by the property tests
 * and the fuzzer. They only generate values the decoder accepts (canonical address strings, TV form for basic
 * attribute classes, labelled domain present iff its situation bits are set, ...), so that
 * decode(encode(v)) deep-equals v.
 */
import fc from 'fast-check';
import { formatIpv4, formatIpv6 } from '../../src/codec/address.js';
import { type AttributeContext, isBasicClass } from '../../src/codec/attributes.js';
import { ExchangeType, IdType, PayloadType } from '../../src/codec/numbers.js';
import type {
  DataAttribute,
  Header,
  IdentificationData,
  LabeledDomain,
  LabelLevel,
  Message,
  Payload,
  Proposal,
  SaPayload,
} from '../../src/codec/types.js';

export const bytes = (max = 24, min = 0): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: min, maxLength: max });
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ipv4 = bytes(4, 4).map(formatIpv4);
const ipv6 = fc
  .oneof(
    bytes(16, 16),
    fc.constantFrom(new Uint8Array(16), Uint8Array.from([0x20, 1, 0xd, 0xb8, ...new Array(11).fill(0), 1])),
  )
  .map(formatIpv6);
const latin1 = bytes(30).map((b) => Buffer.from(b).toString('latin1'));

export function attribute(context: AttributeContext): fc.Arbitrary<DataAttribute> {
  const type = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 0x7fff }));
  return fc.oneof(
    fc.record({ form: fc.constant('tv' as const), type, value: u16 }),
    fc
      .record({ form: fc.constant('tlv' as const), type, value: bytes(12) })
      .filter((a) => !isBasicClass(context, a.type)),
  );
}

const attributes = (context: AttributeContext) => fc.array(attribute(context), { maxLength: 5 });

const proposal: fc.Arbitrary<Proposal> = fc.integer({ min: 0, max: 6 }).chain((protocolId) =>
  fc.record({
    number: u8,
    protocolId: fc.constant(protocolId),
    spi: fc.oneof(bytes(0, 0), bytes(4, 4), bytes(16, 16), bytes(20)),
    transforms: fc.array(
      fc.record({
        number: u8,
        transformId: u8,
        attributes: attributes(protocolId === 1 ? 'ike' : 'ipsec'),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

const level: fc.Arbitrary<LabelLevel> = fc.integer({ min: 0, max: 40 }).chain((bits) =>
  fc.record({
    level: bytes(9),
    categoryBits: fc.constant(bits),
    categories: bytes(Math.ceil(bits / 8), Math.ceil(bits / 8)),
  }),
);

const sa: fc.Arbitrary<SaPayload> = fc
  .record({
    situation: fc.oneof(fc.constant(1), u32),
    proposals: fc.array(proposal, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ situation, proposals }) => {
    if ((situation & 6) === 0) return fc.constant<SaPayload>({ type: 'sa', doi: 1, situation, proposals });
    const ld: fc.Arbitrary<LabeledDomain> = fc
      .record({ identifier: u32, s: level, i: level })
      .map(({ identifier, s, i }) => ({
        identifier,
        ...((situation & 2) !== 0 && { secrecy: s }),
        ...((situation & 4) !== 0 && { integrity: i }),
      }));
    return ld.map(
      (labeledDomain): SaPayload => ({ type: 'sa', doi: 1, situation, labeledDomain, proposals }),
    );
  });

export const idData: fc.Arbitrary<IdentificationData> = fc.oneof(
  ipv4.map((address) => ({ kind: 'ID_IPV4_ADDR' as const, address })),
  ipv6.map((address) => ({ kind: 'ID_IPV6_ADDR' as const, address })),
  latin1.map((name) => ({ kind: 'ID_FQDN' as const, name })),
  latin1.map((name) => ({ kind: 'ID_USER_FQDN' as const, name })),
  fc
    .record({
      address: ipv4,
      mask: fc.oneof(
        ipv4,
        fc.integer({ min: 0, max: 32 }).map((n) => prefixMask(n, 4)),
      ),
    })
    .map((r) => ({ kind: 'ID_IPV4_ADDR_SUBNET' as const, ...r })),
  fc
    .record({
      address: ipv6,
      mask: fc.oneof(
        ipv6,
        fc.integer({ min: 0, max: 128 }).map((n) => prefixMask(n, 16)),
      ),
    })
    .map((r) => ({ kind: 'ID_IPV6_ADDR_SUBNET' as const, ...r })),
  fc.record({ start: ipv4, end: ipv4 }).map((r) => ({ kind: 'ID_IPV4_ADDR_RANGE' as const, ...r })),
  fc.record({ start: ipv6, end: ipv6 }).map((r) => ({ kind: 'ID_IPV6_ADDR_RANGE' as const, ...r })),
  bytes().map((data) => ({ kind: 'ID_DER_ASN1_DN' as const, data })),
  bytes().map((data) => ({ kind: 'ID_DER_ASN1_GN' as const, data })),
  bytes().map((data) => ({ kind: 'ID_KEY_ID' as const, data })),
  fc
    .record({ idType: fc.oneof(fc.constant(0), fc.integer({ min: 12, max: 255 })), data: bytes() })
    .map((r) => ({ kind: 'unknown' as const, ...r })),
);

function prefixMask(n: number, size: 4 | 16): string {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = (0xff00 >>> Math.max(0, Math.min(8, n - 8 * i))) & 0xff;
  return size === 4 ? formatIpv4(m) : formatIpv6(m);
}

const unknownType = fc.integer({ min: 128, max: 255 }).filter((t) => t < 130 || t > 132);

const anyPayload: fc.Arbitrary<Payload> = fc.oneof(
  sa,
  bytes(40).map((data) => ({ type: 'key_exchange' as const, data })),
  fc
    .record({ protocolId: u8, port: u16, id: idData })
    .map((r) => ({ type: 'identification' as const, ...r })),
  fc.record({ encoding: u8, data: bytes() }).map((r) => ({ type: 'certificate' as const, ...r })),
  fc
    .record({ encoding: u8, authority: bytes() })
    .map((r) => ({ type: 'certificate_request' as const, ...r })),
  bytes().map((data) => ({ type: 'hash' as const, data })),
  bytes().map((data) => ({ type: 'signature' as const, data })),
  bytes().map((data) => ({ type: 'nonce' as const, data })),
  fc
    .record({
      doi: fc.oneof(fc.constant(1), u32),
      protocolId: u8,
      spi: bytes(16),
      notifyType: u16,
      data: bytes(8),
    })
    .map((r) => ({ type: 'notification' as const, ...r })),
  fc
    .record({
      doi: fc.oneof(fc.constant(1), u32),
      protocolId: u8,
      spiSize: fc.integer({ min: 1, max: 16 }),
      n: fc.nat(3),
    })
    .chain((r) =>
      fc.array(bytes(r.spiSize, r.spiSize), { minLength: r.n, maxLength: r.n }).map((spis) => ({
        type: 'delete' as const,
        doi: r.doi,
        protocolId: r.protocolId,
        spiSize: r.spiSize,
        spis,
      })),
    ),
  fc
    .record({ doi: u32, protocolId: u8, spiSize: u8 })
    .map((r) => ({ type: 'delete' as const, ...r, spis: [] as Uint8Array[] })),
  bytes().map((data) => ({ type: 'vendor_id' as const, data })),
  fc
    .record({ cfgType: u8, identifier: u16, attributes: attributes('config') })
    .map((r) => ({ type: 'attributes' as const, ...r })),
  fc.record({ draft: fc.boolean(), hash: bytes() }).map((r) => ({ type: 'nat_d' as const, ...r })),
  fc
    .record({ draft: fc.boolean(), address: fc.oneof(ipv4, ipv6) })
    .map((r) => ({ type: 'nat_oa' as const, ...r })),
  fc
    .record({ fragmentId: u16, fragmentNumber: u8, flags: u8, data: bytes() })
    .map((r) => ({ type: 'fragment' as const, ...r })),
  fc.record({ payloadType: unknownType, data: bytes() }).map((r) => ({ type: 'unknown' as const, ...r })),
);

const exchangeType = fc.constantFrom(...Object.values(ExchangeType).filter((v) => v !== 0));

export const header: fc.Arbitrary<Header> = fc.record({
  initiatorCookie: bytes(8, 8),
  responderCookie: bytes(8, 8),
  majorVersion: fc.constant(1),
  minorVersion: fc.constant(0),
  exchangeType,
  commit: fc.boolean(),
  authenticationOnly: fc.boolean(),
  messageId: u32,
});

const decodableType = fc.constantFrom(
  ...Object.values(PayloadType).filter((t) => t !== 0 && t !== 2 && t !== 3),
  200,
);

const anyMessage: fc.Arbitrary<Message> = fc.record({
  header,
  body: fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(anyPayload, { maxLength: 6 })
        .map((payloads) => ({ encrypted: false as const, payloads })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ firstPayload: decodableType, ciphertext: bytes(48) })
        .map((r) => ({ encrypted: true as const, ...r })),
    },
  ),
});

/** Rebuilds a generated value with ordinary prototypes (fast-check records have none) for deepEqual. */
export function plain<T>(v: T): T {
  if (v instanceof Uint8Array) return Uint8Array.from(v) as T;
  if (Array.isArray(v)) return v.map(plain) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out as T;
  }
  return v;
}

export const payload: fc.Arbitrary<Payload> = anyPayload.map(plain);
export const message: fc.Arbitrary<Message> = anyMessage.map(plain);

/** Every kind of payload once (for checks that must see each type). */
export const PAYLOAD_KINDS: readonly Payload['type'][] = [
  'sa',
  'key_exchange',
  'identification',
  'certificate',
  'certificate_request',
  'hash',
  'signature',
  'nonce',
  'notification',
  'delete',
  'vendor_id',
  'attributes',
  'nat_d',
  'nat_oa',
  'fragment',
  'unknown',
];

export { IdType };
