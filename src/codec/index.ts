/**
 * The wire codec: bytes <-> typed ISAKMP messages (RFC 2408, 2407, 2409 Appendix A, 3947, 3706,
 * draft-dukes-ike-mode-cfg). No crypto, no I/O.
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
  tryDecodeMessage,
} from './message.js';
export * from './numbers.js';
export { payloadTypeOf } from './payloads.js';
export { formatMessage, formatPayloads } from './text.js';
export type * from './types.js';
export { KNOWN_VENDOR_IDS, type KnownVendorId, recognizeVendorId, vendorIdBytes } from './vendor.js';
