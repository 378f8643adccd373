import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { InvalidLengthError, UnsupportedAlgorithmError } from './errors.js';
import { checkDesKey, checkTripleDesKey } from './weak-keys.js';

// CBC block ciphers used by IKEv1 phase 1 (RFC 2409 Appendix A "Encryption Algorithm": DES-CBC 1,
// 3DES-CBC 5, AES-CBC 7 from RFC 3602) and by ESP (RFC 2451, RFC 3602). Raw CBC without padding:
// callers pad (RFC 2409 Appendix B for ISAKMP, RFC 4303 section 2.4 for ESP).

export type CbcCipherName = 'des' | '3des' | 'aes128' | 'aes192' | 'aes256';

export interface CbcCipher {
  readonly name: CbcCipherName;
  /** OpenSSL cipher name. */
  readonly openssl: string;
  readonly keyLength: number;
  readonly blockSize: number;
  /** Weak-key check run on every derived key (RFC 2409 Appendix B, RFC 2451 section 2.3). */
  readonly checkKey: (key: Uint8Array) => void;
}

const noCheck = (): void => {};

export const CBC_CIPHERS: Readonly<Record<CbcCipherName, CbcCipher>> = {
  des: { name: 'des', openssl: 'des-cbc', keyLength: 8, blockSize: 8, checkKey: checkDesKey },
  '3des': { name: '3des', openssl: 'des-ede3-cbc', keyLength: 24, blockSize: 8, checkKey: checkTripleDesKey },
  aes128: { name: 'aes128', openssl: 'aes-128-cbc', keyLength: 16, blockSize: 16, checkKey: noCheck },
  aes192: { name: 'aes192', openssl: 'aes-192-cbc', keyLength: 24, blockSize: 16, checkKey: noCheck },
  aes256: { name: 'aes256', openssl: 'aes-256-cbc', keyLength: 32, blockSize: 16, checkKey: noCheck },
};

/**
 * Whether single DES is usable: OpenSSL 3 moved DES-CBC to the legacy provider, which Node does
 * not load by default, so `des-cbc` is usually missing from `getCiphers()` and fails at use.
 */
export function desAvailable(): boolean {
  if (!getCiphers().includes('des-cbc')) return false;
  try {
    createCipheriv('des-cbc', Buffer.alloc(8, 0x13), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

export interface CipherPolicy {
  /** Single DES is refused unless this is set (and OpenSSL offers it). */
  readonly allowDes?: boolean;
}

/** The CBC cipher `name`, refusing single DES unless allowed and available. */
export function cbcCipher(name: CbcCipherName, policy: CipherPolicy = {}): CbcCipher {
  const c = CBC_CIPHERS[name];
  if (name === 'des') {
    if (policy.allowDes !== true) throw new UnsupportedAlgorithmError('DES-CBC is refused (not allowed)');
    if (!desAvailable()) throw new UnsupportedAlgorithmError('DES-CBC (not offered by this OpenSSL)');
  }
  return c;
}

function checkArgs(c: CbcCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): void {
  if (key.length !== c.keyLength) throw new InvalidLengthError(`${c.name} key`, key.length, `${c.keyLength}`);
  if (iv.length !== c.blockSize) throw new InvalidLengthError(`${c.name} IV`, iv.length, `${c.blockSize}`);
  if (data.length % c.blockSize !== 0) {
    throw new InvalidLengthError(`${c.name} data`, data.length, `a multiple of ${c.blockSize}`);
  }
}

// Without padding and with whole blocks, `update` returns every block and `final` nothing: it is
// called only should OpenSSL ever hold a block back (a third of the cost of a small message's
// cipher object went to `final`; issue 12, CPU per setup).

/** CBC-encrypts block-aligned `plaintext` (no padding added). */
export function cbcEncrypt(c: CbcCipher, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer {
  checkArgs(c, key, iv, plaintext);
  const cipher = createCipheriv(c.openssl, key, iv);
  cipher.setAutoPadding(false);
  const out = cipher.update(plaintext);
  return out.length === plaintext.length ? out : Buffer.concat([out, cipher.final()]);
}

/** CBC-decrypts block-aligned `ciphertext` (no padding removed). */
export function cbcDecrypt(c: CbcCipher, key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  checkArgs(c, key, iv, ciphertext);
  const decipher = createDecipheriv(c.openssl, key, iv);
  decipher.setAutoPadding(false);
  const out = decipher.update(ciphertext);
  return out.length === ciphertext.length ? out : Buffer.concat([out, decipher.final()]);
}
