import { type CbcCipher, cbcDecrypt, cbcEncrypt } from './cbc.js';
import { InvalidLengthError } from './errors.js';
import type { IvState } from './iv.js';

// Encryption of ISAKMP message bodies (everything after the ISAKMP header; RFC 2408 section 3.1
// Encryption bit, RFC 2409 section 5.3 and Appendix B).

/**
 * Pads `plaintext` with 0x00 bytes to a multiple of the block size (RFC 2409 Appendix B: "padded up
 * to the nearest block size using bytes containing 0x00"; the header length then includes the pad).
 */
export function padBody(plaintext: Uint8Array, blockSize: number): Buffer {
  const rem = plaintext.length % blockSize;
  if (rem === 0 && plaintext.length > 0) return Buffer.from(plaintext);
  const out = Buffer.alloc(plaintext.length + (blockSize - rem));
  out.set(plaintext);
  return out;
}

/** Encrypts a body with an explicit IV; returns the ciphertext (its last block is the next IV). */
export function encryptBody(
  cipher: CbcCipher,
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  return cbcEncrypt(cipher, key, iv, padBody(plaintext, cipher.blockSize));
}

/**
 * Decrypts a body with an explicit IV. The padding stays: the codec reads the payload chain and
 * ignores trailing bytes (RFC 2409 section 5.3).
 */
export function decryptBody(
  cipher: CbcCipher,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Buffer {
  if (ciphertext.length === 0 || ciphertext.length % cipher.blockSize !== 0) {
    throw new InvalidLengthError(
      'encrypted ISAKMP body',
      ciphertext.length,
      `a multiple of ${cipher.blockSize}`,
    );
  }
  return cbcDecrypt(cipher, key, iv, ciphertext);
}

/**
 * The ISAKMP SA's encryption context: Ka, its cipher and the IV state. `encrypt` advances the IV
 * of the exchange at once; for received messages call `decrypt`, verify the HASH, and only then
 * `commit` (so a forged message cannot desynchronise the IVs).
 */
export class IsakmpCipher {
  readonly cipher: CbcCipher;
  readonly ivs: IvState;
  #key: Buffer;

  constructor(cipher: CbcCipher, ka: Uint8Array, ivs: IvState) {
    if (ka.length !== cipher.keyLength) throw new InvalidLengthError('Ka', ka.length, `${cipher.keyLength}`);
    cipher.checkKey(ka);
    this.cipher = cipher;
    this.#key = Buffer.from(ka);
    this.ivs = ivs;
  }

  /**
   * Keeps Ka in `into` (16-32 bytes of a buffer its owner never changes) instead of a copy of its
   * own: a long-lived SA holds its keys in one buffer, and a small copy is a slice of Node's shared
   * 8 kB pool, which it keeps alive whole (issue 12: memory per SA).
   */
  keepKeyIn(into: Buffer): void {
    if (into.length !== this.#key.length)
      throw new InvalidLengthError('Ka', into.length, `${this.#key.length}`);
    into.set(this.#key);
    this.#key = into;
  }

  encrypt(messageId: number, plaintext: Uint8Array): Buffer {
    const ct = encryptBody(this.cipher, this.#key, this.ivs.current(messageId), plaintext);
    this.ivs.advance(messageId, ct);
    return ct;
  }

  /**
   * Encrypts the only message of an exchange (an Informational, RFC 2409 section 5.7): its IV comes
   * from the last phase 1 block and the message ID (Appendix B), and no context is kept for it.
   */
  encryptOnce(messageId: number, plaintext: Uint8Array): Buffer {
    return encryptBody(this.cipher, this.#key, this.ivs.peek(messageId), plaintext);
  }

  /** Decrypts without touching the IV state (`IvState.peek`); `commit` once it authenticated. */
  decrypt(messageId: number, ciphertext: Uint8Array): Buffer {
    return decryptBody(this.cipher, this.#key, this.ivs.peek(messageId), ciphertext);
  }

  /** Makes a received, verified message's last ciphertext block the exchange's next IV. */
  commit(messageId: number, ciphertext: Uint8Array): void {
    this.ivs.advance(messageId, ciphertext);
  }
}
