/**
 * The symmetric half of the revised mode of public-key encryption (RFC 2409 section 5.3): the
 * payloads after the RSA-encrypted nonce (KE, ID, the optional Cert-I) are encrypted with the
 * negotiated cipher under Ke_i / Ke_r, keys derived from the nonce:
 *
 *   Ne_i = prf(Ni_b, CKY-I)        Ne_r = prf(Nr_b, CKY-R)
 *   Ke_i, Ke_r: Ne_i, Ne_r expanded as Appendix B expands SKEYID_e (K1 = prf(Ne, 0), Kn = prf(Ne, Kn-1))
 *
 * In CBC the first payload after the nonce starts from an IV of zero, each next one from the last
 * ciphertext block of the one before; each body is padded to the block size with zeros and a last
 * octet that counts the padding octets before it, so there is always padding.
 */
import {
  type CbcCipher,
  cbcDecrypt,
  cbcEncrypt,
  deriveKa,
  type HashName,
  phase1Cipher,
  prf,
} from '../../../crypto/index.js';
import type { IkeSa } from '../../sa/ike-sa.js';

/** Ke_i (from Ni_b and CKY-I) or Ke_r (from Nr_b and CKY-R), section 5.3 and Appendix B. */
export function skemeKey(
  prfName: HashName,
  nonce: Uint8Array,
  cookie: Uint8Array,
  keyLength: number,
): Buffer {
  const ne = prf(prfName, nonce, cookie);
  return deriveKa(prfName, ne, keyLength);
}

/** Section 5.3's padding: zeros, then one octet counting them; from 1 to a whole block. */
export function skemePad(body: Uint8Array, blockSize: number): Buffer {
  const n = blockSize - (body.length % blockSize);
  const pad = Buffer.alloc(n);
  pad[n - 1] = n - 1;
  return Buffer.concat([body, pad]);
}

/**
 * The chain of Ke-encrypted payload bodies of one message, in order. `open` never fails on the
 * contents: a last octet that counts more padding than there is (the sign of a wrong nonce or a
 * tampered body) leaves the body whole and says so, and the exchange fails at HASH later. The
 * zeros before it are not checked (nothing depends on them).
 */
export class KeChain {
  #iv: Buffer;

  constructor(
    private readonly cipher: CbcCipher,
    private readonly key: Uint8Array,
  ) {
    this.#iv = Buffer.alloc(cipher.blockSize);
  }

  seal(body: Uint8Array): Buffer {
    const ct = cbcEncrypt(this.cipher, this.key, this.#iv, skemePad(body, this.cipher.blockSize));
    this.#iv = ct.subarray(ct.length - this.cipher.blockSize);
    return ct;
  }

  /** The body, or undefined for a ciphertext not a whole number of blocks (a public fact). */
  open(ciphertext: Uint8Array): { body: Buffer; padded: boolean } | undefined {
    const bs = this.cipher.blockSize;
    if (ciphertext.length === 0 || ciphertext.length % bs !== 0) return undefined;
    const pt = cbcDecrypt(this.cipher, this.key, this.#iv, ciphertext);
    this.#iv = Buffer.from(ciphertext.subarray(ciphertext.length - bs));
    const n = (pt[pt.length - 1] ?? 0) + 1;
    if (n > bs) return { body: pt, padded: false };
    return { body: pt.subarray(0, pt.length - n), padded: true };
  }
}

/**
 * The chain for our payloads (`ours`) or the peer's: Ke_i from the initiator's nonce and cookie,
 * Ke_r from the responder's, with the cipher and PRF of the negotiated suite (in Aggressive Mode
 * message 1, of the one suite offered: section 5.3 leaves no room to negotiate them there).
 */
export function keChain(sa: IkeSa, ofInitiator: boolean, nonce: Uint8Array): KeChain {
  const suite = sa.suite ?? sa.offeredSuites[0];
  if (suite === undefined) throw new Error('revised PKE without a suite');
  const cipher = phase1Cipher(suite.encryption);
  const cookie = ofInitiator ? sa.initiatorCookie : sa.responderCookie;
  const key = skemeKey(suite.hash.hash, nonce, cookie, cipher.keyLength);
  return new KeChain(cipher, key);
}
