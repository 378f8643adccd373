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
export { formatIdentity, type IdentityConfig, identityMatches, parseIdentity } from './config/identity.js';
// --- configuration (src/config) ---
export { ConfigError, type IketsConfig, parseSwanctlConfig } from './config/swanctl.js';
// --- crypto suite and key schedule (src/crypto) ---
export { deriveKeymat, type KeymatInput } from './crypto/keymat.js';
export { deriveSkeyid, type Skeyid, type SkeyidAuth, type SkeyidInput } from './crypto/skeyid.js';
export { Daemon, type DaemonOptions, DaemonTimeoutError } from './daemon/daemon.js';
// --- the IKEv1 engine (src/ikev1): sans-I/O, see docs/ikev1-engine.md ---
export {
  type ComputePolicy,
  type ComputeRequest,
  type ComputeResult,
  computeNow,
  deferAllCompute,
  inlineCompute,
} from './ikev1/compute-queue.js';
export type { EngineSettings } from './ikev1/context.js';
export { type DatagramOutcome, type EndpointOptions, Ikev1Endpoint } from './ikev1/ikev1-endpoint.js';
export type {
  CertificateFailure,
  LocalCredential,
  PeerVerification,
  Phase1Credentials,
} from './ikev1/phase1/auth/credentials.js';
export { pkiCredentials } from './ikev1/phase1/auth/pki-credentials.js';
// --- certificates (src/pki): X.509, paths to a trusted CA, CRLs, identities; see docs/pki.md ---
export {
  type Certificate,
  type ChainFailure,
  type ChainInput,
  type ChainResult,
  CredentialSet,
  type Crl,
  certificateMatchesIdentity,
  loadCredentials,
  PkiError,
  type PkiErrorCode,
  parseCertificate,
  parseCrl,
  type RevocationPolicy,
  verifyChain,
} from './pki/index.js';
export type * from './sa/types.js';
// --- SA database and daemon (src/sad, src/daemon) ---
export { SecurityAssociationDatabase } from './sad/index.js';
