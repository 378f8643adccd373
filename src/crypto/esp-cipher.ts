import { type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import { CBC_CIPHERS, type CbcCipher, cbcDecrypt, cbcEncrypt } from './cbc.js';
import { IntegrityError, InvalidLengthError } from './errors.js';

// ESP encryption transforms as functions for the data plane (RFC 4303 section 2.3-2.4). The
// caller builds the ESP trailer (padding, pad length, next header) and the AAD; these functions
// only encrypt. AEAD ciphertexts carry the ICV at their end.

export interface EspCipher {
  /** strongSwan keyword of the transform, e.g. `aes128`, `aes256gcm16`, `chacha20poly1305`. */
  readonly name: string;
  /** Bytes of KEYMAT the transform takes: the key, plus the 4-byte salt for GCM / ChaCha20. */
  readonly keymatLength: number;
  /** Bytes the plaintext must be aligned to (before ESP's 4-byte alignment). */
  readonly blockSize: number;
  /** Length of the explicit IV in each packet. */
  readonly ivLength: number;
  /** Length of the ICV an AEAD appends; 0 for the others (they need an integrity transform). */
  readonly icvLength: number;
  /** True for combined-mode ciphers (no separate integrity transform). */
  readonly aead: boolean;
  encrypt(keymat: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer;
  /** Throws IntegrityError when an AEAD tag does not verify. */
  decrypt(keymat: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Buffer;
}

function checkLength(what: string, value: Uint8Array, expected: number): void {
  if (value.length !== expected) throw new InvalidLengthError(what, value.length, `${expected}`);
}

/** ESP_3DES (RFC 2451), ESP_AES (RFC 3602): CBC with an explicit IV of one block. */
function cbcTransform(name: string, c: CbcCipher): EspCipher {
  return {
    name,
    keymatLength: c.keyLength,
    blockSize: c.blockSize,
    ivLength: c.blockSize,
    icvLength: 0,
    aead: false,
    encrypt: (key, iv, plaintext) => {
      c.checkKey(key);
      return cbcEncrypt(c, key, iv, plaintext);
    },
    decrypt: (key, iv, ciphertext) => cbcDecrypt(c, key, iv, ciphertext),
  };
}

// Node's typings list chacha20-poly1305 apart; at run time both take the same AEAD calls.
type AeadName = CipherGCMTypes | 'chacha20-poly1305';

/**
 * ESP AES-GCM (RFC 4106) and ChaCha20-Poly1305 (RFC 7634): KEYMAT is key | 4-byte salt; the
 * 12-byte nonce is salt | 8-byte explicit IV (RFC 4106 section 4, RFC 7634 section 2); the ICV
 * is 8, 12 or 16 bytes for GCM (RFC 4106 section 6), 16 for ChaCha20-Poly1305.
 */
function aeadTransform(name: string, openssl: AeadName, keyLength: number, icvLength: number): EspCipher {
  const keymatLength = keyLength + 4;
  const nonce = (keymat: Uint8Array, iv: Uint8Array): Buffer => {
    checkLength(`${name} KEYMAT`, keymat, keymatLength);
    checkLength(`${name} IV`, iv, 8);
    return Buffer.concat([keymat.subarray(keyLength), iv]);
  };
  return {
    name,
    keymatLength,
    blockSize: openssl === 'chacha20-poly1305' ? 1 : 4,
    ivLength: 8,
    icvLength,
    aead: true,
    encrypt: (keymat, iv, plaintext, aad) => {
      const cipher = createCipheriv(
        openssl as CipherGCMTypes,
        keymat.subarray(0, keyLength),
        nonce(keymat, iv),
        {
          authTagLength: icvLength,
        },
      );
      if (aad !== undefined) cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([ct, cipher.getAuthTag()]);
    },
    decrypt: (keymat, iv, ciphertext, aad) => {
      if (ciphertext.length < icvLength) throw new IntegrityError(`${name}: shorter than the ICV`);
      const body = ciphertext.subarray(0, ciphertext.length - icvLength);
      const decipher = createDecipheriv(
        openssl as CipherGCMTypes,
        keymat.subarray(0, keyLength),
        nonce(keymat, iv),
        {
          authTagLength: icvLength,
        },
      );
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - icvLength));
      if (aad !== undefined) decipher.setAAD(aad, { plaintextLength: body.length });
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        throw new IntegrityError(`${name}: ICV mismatch`);
      }
    },
  };
}

/**
 * ESP AES-CTR (RFC 3686): KEYMAT is key | 4-byte nonce (section 5.1); each packet carries an
 * 8-byte IV; the counter block is nonce | IV | 32-bit block counter starting at 1 (section 4).
 * A stream cipher: block size 1 (ESP still aligns to 4 bytes, section 3.2).
 */
function ctrTransform(bits: 128 | 192 | 256): EspCipher {
  const name = `aes${bits}ctr`;
  const keyLength = bits / 8;
  const keymatLength = keyLength + 4;
  const openssl = `aes-${bits}-ctr`;
  const run = (keymat: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer => {
    checkLength(`${name} KEYMAT`, keymat, keymatLength);
    checkLength(`${name} IV`, iv, 8);
    const block = Buffer.alloc(16);
    block.set(keymat.subarray(keyLength), 0);
    block.set(iv, 4);
    block.writeUInt32BE(1, 12);
    const cipher = createCipheriv(openssl, keymat.subarray(0, keyLength), block);
    return Buffer.concat([cipher.update(data), cipher.final()]);
  };
  return {
    name,
    keymatLength,
    blockSize: 1,
    ivLength: 8,
    icvLength: 0,
    aead: false,
    encrypt: run,
    decrypt: run,
  };
}

/** ESP_NULL (RFC 2410): no key, no IV, identity; block size 1. */
const NULL_CIPHER: EspCipher = {
  name: 'null',
  keymatLength: 0,
  blockSize: 1,
  ivLength: 0,
  icvLength: 0,
  aead: false,
  encrypt: (_key, _iv, plaintext) => Buffer.from(plaintext),
  decrypt: (_key, _iv, ciphertext) => Buffer.from(ciphertext),
};

export const ESP_CIPHERS: readonly EspCipher[] = [
  cbcTransform('3des', CBC_CIPHERS['3des']),
  cbcTransform('aes128', CBC_CIPHERS.aes128),
  cbcTransform('aes192', CBC_CIPHERS.aes192),
  cbcTransform('aes256', CBC_CIPHERS.aes256),
  ...([128, 192, 256] as const).flatMap((bits) =>
    ([8, 12, 16] as const).map((icv) =>
      aeadTransform(`aes${bits}gcm${icv}`, `aes-${bits}-gcm`, bits / 8, icv),
    ),
  ),
  ...([128, 192, 256] as const).map(ctrTransform),
  aeadTransform('chacha20poly1305', 'chacha20-poly1305', 32, 16),
  NULL_CIPHER,
];

const BY_NAME = new Map(ESP_CIPHERS.map((c) => [c.name, c]));

/** The ESP cipher with strongSwan keyword `name`, or undefined. */
export function espCipher(name: string): EspCipher | undefined {
  return BY_NAME.get(name);
}
