// ikets: the library's public entry. Each layer adds its public API below, in its own section.

// --- wire codec (src/codec) ---

// --- crypto suite and key schedule (src/crypto) ---
export { deriveKeymat, type KeymatInput } from './crypto/keymat.js';
export { deriveSkeyid, type Skeyid, type SkeyidAuth, type SkeyidInput } from './crypto/skeyid.js';
