/**
 * The wire codec: bytes <-> typed ISAKMP messages (RFC 2408, 2407, 2409 Appendix A, 3947, 3706,
 * draft-dukes-ike-mode-cfg). No crypto, no I/O.
 *
 * Entry points: `decodeMessage` (throws only `DecodeError`) / `tryDecodeMessage` (returns a result union),
 * `encodeMessage` (throws `EncodeError` for values that cannot be put on the wire), `decodePayloadChain` /
 * `encodePayloadChain` for the body of an encrypted message, `messageToJson` / `messageFromJson`
 * (docs/json-format.md), `formatMessage` (text tree).
 *
 * Decisions on strictness (each answered with the notify type a receiver would send):
 * - RESERVED fields and padding must be zero (RFC 2408 sections 3.2-3.6 "set to 0", RFC 2407 section 4.6.1
 *   "MUST be padded with zero"): non-zero is PAYLOAD-MALFORMED. Accepting them would need the codec to carry
 *   them to re-encode exactly; no deployed peer sets them.
 * - The header Length must equal the datagram size and the payloads of a plain message must fill it exactly
 *   (RFC 2408 section 5.1, UNEQUAL-PAYLOAD-LENGTHS), but for up to 15 zero bytes of padding, which deployed
 *   peers add and `PlainBody.padding` keeps (a leniency, docs/ikev1-engine.md "Leniencies"); an encrypted
 *   body may end with padding, which `decodePayloadChain` returns as is.
 * - Only ISAKMP 1.0, the exchange types of numbers.ts and the E/C/A flags are accepted (RFC 2408 section 5.2).
 * - Payload types 14-127 that are not named in numbers.ts, and Proposal/Transform outside an SA, are
 *   INVALID-PAYLOAD-TYPE; unnamed private-use types 128-255 are kept raw (`{ type: 'unknown' }`).
 * - SA payloads must use the IPsec DOI (DOI-NOT-SUPPORTED); proposal/transform nesting must be exact
 *   (BAD-PROPOSAL-SYNTAX); a Basic attribute class sent in TLV form is ATTRIBUTES-NOT-SUPPORTED; fixed-size ID
 *   data of the wrong size is INVALID-ID-INFORMATION; SPIs that do not fit are INVALID-SPI.
 * - Not judged here (they need exchange state): cookies (INVALID-COOKIE), message IDs (INVALID-MESSAGE-ID),
 *   nonce sizes, which payloads an exchange may carry.
 * Everything the decoder accepts re-encodes to the same bytes: TLV attribute values keep their exact bytes
 * (non-minimal lengths included), SPI sizes, payload numbers (RFC vs draft NAT-D/NAT-OA) and flags are kept.
 */
export * from './address.js';
export {
  attributeInteger,
  attributeNumber,
  integerAttribute,
  isBasicClass,
  isVariableClass,
  tlvIntegerAttribute,
  tvAttribute,
} from './attributes.js';
export { DecodeError, type DecodeErrorCode, EncodeError } from './errors.js';
export { idTypeOf, subnetId, subnetPrefixLength } from './identification.js';
export { JsonError, messageFromJson, messageToJson } from './json.js';
export {
  type DecodeResult,
  decodeMessage,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
  HEADER_LENGTH,
  MAX_PLAIN_PADDING,
  prependPayload,
  tryDecodeMessage,
} from './message.js';
export * from './numbers.js';
export { payloadTypeOf } from './payloads.js';
export { formatMessage, formatPayloads } from './text.js';
export type * from './types.js';
export {
  announcesFragmentation,
  fragmentationVendorId,
  KNOWN_VENDOR_IDS,
  type KnownVendorId,
  recognizeVendorId,
  vendorIdBytes,
} from './vendor.js';
