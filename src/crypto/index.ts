// The crypto suite and key schedule of ikets (docs/crypto.md). Pure functions over node:crypto.

export { decryptBody, encryptBody, IsakmpCipher, padBody } from './body.js';
export {
  type CbcCipher,
  type CbcCipherName,
  type CipherPolicy,
  cbcCipher,
  cbcDecrypt,
  cbcEncrypt,
  desAvailable,
} from './cbc.js';
export {
  DH_GROUPS,
  type DhGroup,
  type DhGroupKind,
  type DhKeyPair,
  type DhKeySource,
  dhGroup,
  inlineDhKeys,
  type PrecomputedKeyPair,
} from './dh/index.js';
export * from './errors.js';
export { ESP_CIPHERS, type EspCipher, espCipher } from './esp-cipher.js';
export {
  hashI,
  hashR,
  informationalHash,
  type Phase1HashInput,
  quickModeHash1,
  quickModeHash2,
  quickModeHash3,
} from './exchange-hash.js';
export { INTEGRITY_ALGORITHMS, type IntegrityAlgorithm, integrityAlgorithm } from './integrity.js';
export { IvState } from './iv.js';
export {
  deriveKeymat,
  deriveSaKeys,
  type KeymatInput,
  type SaKeyInput,
  type SaKeys,
  splitKeymat,
} from './keymat.js';
export { rsaDecrypt, rsaDecryptAvailable, rsaDecryptDetailed, rsaEncrypt } from './pke.js';
export { equalMacs, HASH_NAMES, type HashName, hash, hashLength, isHashName, prf } from './prf.js';
export {
  formatProposal,
  formatProposals,
  type Ikev1Suite,
  ikev1Suites,
  type Proposal,
  type ProposalProtocol,
  parseProposal,
  parseProposals,
} from './proposal.js';
export { cryptoRandom, type RandomSource } from './random.js';
export * from './registry.js';
export { implicitRejectionPrf, type Pkcs1Decryption } from './rsa-implicit-rejection.js';
export {
  dssSignHash,
  dssVerifyHash,
  ecdsaMethodOf,
  ecdsaSignHash,
  ecdsaVerifyHash,
  rsaSignHash,
  rsaVerifyHash,
  type SignatureMethod,
  signatureHashPrf,
} from './signature.js';
export {
  deriveKa,
  deriveSkeyid,
  phase1Iv,
  phase2Iv,
  type Skeyid,
  type SkeyidAuth,
  type SkeyidInput,
} from './skeyid.js';
export { checkDesKey, checkTripleDesKey, isWeakDesKey } from './weak-keys.js';
export { aesXcbcMac, aesXcbcMac96, aesXcbcPrf128 } from './xcbc.js';
