// Errors of the crypto suite. Each is a class with a stable `code` (as Node's own errors),
// so exchanges can map them to ISAKMP notify types without matching on messages.
// Messages never contain key material.

export class CryptoError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A peer's Diffie-Hellman public value failed the RFC 6989 checks (or has the wrong length). */
export class InvalidPublicValueError extends CryptoError {
  readonly group: number;
  constructor(group: number, reason: string) {
    super('ERR_IKE_DH_INVALID_PUBLIC_VALUE', `invalid DH public value for group ${group}: ${reason}`);
    this.group = group;
  }
}

/** A keyword of a proposal string is not known (strongSwan proposal syntax). */
export class UnknownProposalKeywordError extends CryptoError {
  readonly keyword: string;
  constructor(keyword: string, proposal: string) {
    super('ERR_IKE_PROPOSAL_KEYWORD', `unknown algorithm keyword '${keyword}' in proposal '${proposal}'`);
    this.keyword = keyword;
  }
}

/** A proposal string is syntactically fine but incomplete or inconsistent. */
export class InvalidProposalError extends CryptoError {
  constructor(proposal: string, reason: string) {
    super('ERR_IKE_PROPOSAL_INVALID', `invalid proposal '${proposal}': ${reason}`);
  }
}

/** A transform, group or algorithm is not supported here (or not by this OpenSSL build). */
export class UnsupportedAlgorithmError extends CryptoError {
  constructor(what: string) {
    super('ERR_IKE_UNSUPPORTED_ALGORITHM', `unsupported algorithm: ${what}`);
  }
}

/** A derived DES/3DES key is weak or semi-weak (RFC 2409 section 5.3 / Appendix B). */
export class WeakKeyError extends CryptoError {
  constructor(what: string) {
    super('ERR_IKE_WEAK_KEY', `weak key: ${what}`);
  }
}

/** A key, IV, nonce or ciphertext has the wrong length for its algorithm. */
export class InvalidLengthError extends CryptoError {
  constructor(what: string, got: number, expected: string) {
    super('ERR_IKE_INVALID_LENGTH', `${what}: got ${got} bytes, expected ${expected}`);
  }
}

/** An ICV, AEAD tag or hash did not verify. */
export class IntegrityError extends CryptoError {
  constructor(what: string) {
    super('ERR_IKE_INTEGRITY', `integrity check failed: ${what}`);
  }
}

/** A signature did not verify or could not be made. */
export class SignatureError extends CryptoError {
  constructor(what: string) {
    super('ERR_IKE_SIGNATURE', what);
  }
}

/** RSA decryption refused for a public reason (ciphertext length, not below the modulus, not an RSA key). */
export class DecryptError extends CryptoError {
  constructor(what: string) {
    super('ERR_IKE_DECRYPT', `decryption failed: ${what}`);
  }
}
