// The certificate layer (docs/pki.md): X.509 parsing, path validation, CRLs, identity matching and
// the credential set. Below the engine; only load.ts reads files.

export {
  type Certificate,
  describeKey,
  type KeyType,
  type KeyUsageType,
  parseCertificate,
  parseCertificates,
  serialHex,
} from './certificate.js';
export {
  type ChainFailure,
  type ChainInput,
  type ChainResult,
  checkRevocation,
  type RevocationPolicy,
  verifyChain,
} from './chain.js';
export { credentialWarnings, pkeKeyProblem } from './config-checks.js';
export {
  type CredentialFolder,
  CredentialSet,
  type Loaded,
  type PrivateKeyEntry,
  privateKeyEntry,
} from './credentials.js';
export { type Crl, crlCurrent, crlSignedBy, parseCrl } from './crl.js';
export { PkiError, type PkiErrorCode } from './errors.js';
export { certificateIdentities, certificateMatchesIdentity } from './identity-match.js';
export {
  type CertificateSummary,
  type CredentialListing,
  type CrlSummary,
  formatCredentialListing,
  summarizeCredentials,
} from './listing.js';
export { loadCredentials } from './load.js';
export { isPem, type PemBlock, pemBlocks } from './pem.js';
export { type PublicKeyEntry, parsePublicKey, publicKeyIds } from './public-key.js';
