// ikets: the library's public entry. Each layer adds its public API below, in its own section.

// --- wire codec (src/codec) ---
export {
  attributeInteger,
  attributeNumber,
  DecodeError,
  type DecodeErrorCode,
  type DecodeResult,
  decodeMessage,
  decodePayloadChain,
  EncodeError,
  encodeMessage,
  encodePayloadChain,
  formatMessage,
  formatPayloads,
  HEADER_LENGTH,
  integerAttribute,
  JsonError,
  KNOWN_VENDOR_IDS,
  type KnownVendorId,
  messageFromJson,
  messageToJson,
  payloadTypeOf,
  recognizeVendorId,
  subnetId,
  subnetPrefixLength,
  tlvIntegerAttribute,
  tryDecodeMessage,
  tvAttribute,
  vendorIdBytes,
} from './codec/index.js';
export * from './codec/numbers.js';
export type * from './codec/types.js';

// --- crypto suite and key schedule (src/crypto) ---
export { deriveKeymat, type KeymatInput } from './crypto/keymat.js';
export { deriveSkeyid, type Skeyid, type SkeyidAuth, type SkeyidInput } from './crypto/skeyid.js';
