/**
 * The cryptographic half of one SA: the ESP cipher and integrity transform bound to their keys once,
 * at install, so a packet costs one cipher and one HMAC context and no key import (the keys are
 * node:crypto KeyObjects). Sizes come from the transform registry (src/crypto/esp-cipher.ts,
 * src/crypto/integrity.ts); the primitives are node:crypto's, never hand-rolled.
 */
import {
  type Cipher,
  type CipherGCM,
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type Decipher,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';
import { CBC_CIPHERS } from '../../crypto/cbc.js';
import { type EspCipher, espCipher } from '../../crypto/esp-cipher.js';
import { type IntegrityAlgorithm, integrityAlgorithm } from '../../crypto/integrity.js';
import { aesXcbcMac96 } from '../../crypto/xcbc.js';
import { DataplaneError } from '../backend.js';

type Mode = 'cbc' | 'ctr' | 'aead' | 'null';

interface CipherPlan {
  readonly mode: Mode;
  readonly openssl: string;
  readonly keyLength: number;
}

/** strongSwan keyword -> how node:crypto runs it. */
function cipherPlan(c: EspCipher): CipherPlan {
  const gcm = /^aes(128|192|256)gcm(8|12|16)$/.exec(c.name);
  if (gcm) return { mode: 'aead', openssl: `aes-${gcm[1]}-gcm`, keyLength: Number(gcm[1]) / 8 };
  const ctr = /^aes(128|192|256)ctr$/.exec(c.name);
  if (ctr) return { mode: 'ctr', openssl: `aes-${ctr[1]}-ctr`, keyLength: Number(ctr[1]) / 8 };
  if (c.name === 'chacha20poly1305') return { mode: 'aead', openssl: 'chacha20-poly1305', keyLength: 32 };
  if (c.name === 'null') return { mode: 'null', openssl: '', keyLength: 0 };
  const cbc = CBC_CIPHERS[c.name as keyof typeof CBC_CIPHERS];
  if (cbc !== undefined && cbc.name !== 'des')
    return { mode: 'cbc', openssl: cbc.openssl, keyLength: cbc.keyLength };
  throw new DataplaneError(
    'ERR_DATAPLANE_ALGORITHM',
    `ESP cipher ${c.name} is not supported by the userspace data plane`,
  );
}

const HMAC_HASH: Readonly<Record<string, string>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
};

export interface TransformKeys {
  /** strongSwan keyword and KEYMAT (salt / nonce included for GCM, ChaCha20-Poly1305, CTR). */
  readonly encryption: { readonly name: string; readonly key: Uint8Array } | undefined;
  readonly integrity: { readonly name: string; readonly key: Uint8Array } | undefined;
}

/** A cipher and an integrity transform with their keys, ready for packets. */
export class SaTransforms {
  readonly cipherName: string;
  readonly integrityName: string | undefined;
  readonly aead: boolean;
  readonly ivLength: number;
  /** ESP payload alignment: the cipher's block, at least 4 bytes (RFC 4303 section 2.4). */
  readonly alignment: number;
  /** Bytes of ICV: the AEAD tag or the truncated MAC (0: confidentiality only, RFC 4303 section 3.2). */
  readonly icvLength: number;
  /** Counter modes (CTR, GCM, ChaCha20-Poly1305) take a unique IV, not an unpredictable one: the sequence number. */
  readonly counterIv: boolean;
  readonly #plan: CipherPlan;
  readonly #cipherKey: KeyObject | undefined;
  /** Salt (GCM, ChaCha20-Poly1305) or nonce (CTR): the KEYMAT's last 4 bytes. */
  readonly #salt: Buffer;
  /** Scratch for the nonce or counter block: packets are processed one at a time. */
  readonly #nonce: Buffer;
  readonly #integrity: IntegrityAlgorithm | undefined;
  readonly #hmacHash: string | undefined;
  readonly #integrityKey: KeyObject | undefined;
  readonly #xcbcKey: Buffer | undefined;

  constructor(keys: TransformKeys) {
    const cipher = espCipher(keys.encryption?.name ?? 'null');
    if (cipher === undefined) {
      throw new DataplaneError('ERR_DATAPLANE_ALGORITHM', `unknown ESP cipher ${keys.encryption?.name}`);
    }
    const plan = cipherPlan(cipher);
    const keymat = keys.encryption?.key ?? new Uint8Array(0);
    if (keymat.length !== cipher.keymatLength) {
      throw new DataplaneError(
        'ERR_DATAPLANE_ALGORITHM',
        `${cipher.name} takes ${cipher.keymatLength} bytes of KEYMAT, got ${keymat.length}`,
      );
    }
    if (plan.mode === 'cbc') CBC_CIPHERS[cipher.name as keyof typeof CBC_CIPHERS].checkKey(keymat);
    this.cipherName = cipher.name;
    this.aead = cipher.aead;
    this.ivLength = cipher.ivLength;
    this.alignment = Math.max(4, cipher.blockSize);
    this.#plan = plan;
    this.counterIv = plan.mode === 'ctr' || plan.mode === 'aead';
    this.#cipherKey =
      plan.keyLength > 0 ? createSecretKey(Buffer.from(keymat.subarray(0, plan.keyLength))) : undefined;
    this.#salt = Buffer.from(keymat.subarray(plan.keyLength));
    this.#nonce = Buffer.alloc(plan.mode === 'ctr' ? 16 : 12);
    if (plan.mode === 'ctr') {
      // RFC 3686 section 4: nonce | IV | block counter, the counter starting at 1.
      this.#salt.copy(this.#nonce, 0);
      this.#nonce.writeUInt32BE(1, 12);
    } else if (plan.mode === 'aead') this.#salt.copy(this.#nonce, 0);

    if (cipher.aead) {
      if (keys.integrity !== undefined) {
        throw new DataplaneError(
          'ERR_DATAPLANE_ALGORITHM',
          `${cipher.name} is combined mode: no integrity transform`,
        );
      }
      this.icvLength = cipher.icvLength;
      this.integrityName = undefined;
      return;
    }
    if (keys.integrity === undefined) {
      // RFC 4303 section 3.2: confidentiality, integrity, or both; never neither.
      if (plan.mode === 'null') {
        throw new DataplaneError(
          'ERR_DATAPLANE_ALGORITHM',
          'ESP with NULL encryption needs an integrity transform',
        );
      }
      this.icvLength = 0;
      this.integrityName = undefined;
      return;
    }
    const integrity = integrityAlgorithm(keys.integrity.name);
    if (integrity === undefined) {
      throw new DataplaneError(
        'ERR_DATAPLANE_ALGORITHM',
        `unknown integrity transform ${keys.integrity.name}`,
      );
    }
    if (keys.integrity.key.length !== integrity.keyLength) {
      throw new DataplaneError(
        'ERR_DATAPLANE_ALGORITHM',
        `${integrity.name} takes a ${integrity.keyLength}-byte key, got ${keys.integrity.key.length}`,
      );
    }
    this.#integrity = integrity;
    this.integrityName = integrity.name;
    this.icvLength = integrity.icvLength;
    this.#hmacHash = HMAC_HASH[integrity.name];
    if (this.#hmacHash !== undefined) this.#integrityKey = createSecretKey(Buffer.from(keys.integrity.key));
    else this.#xcbcKey = Buffer.from(keys.integrity.key);
  }

  /** The nonce (salt | IV, RFC 4106 section 4) or counter block (nonce | IV | counter, RFC 3686 section 4). */
  #iv(iv: Uint8Array): Buffer {
    this.#nonce.set(iv, 4);
    return this.#nonce;
  }

  #cipher(iv: Uint8Array): Cipher {
    const p = this.#plan;
    const key = this.#cipherKey as KeyObject;
    if (p.mode === 'cbc') return createCipheriv(p.openssl, key, iv).setAutoPadding(false);
    if (p.mode === 'ctr') return createCipheriv(p.openssl, key, this.#iv(iv));
    return createCipheriv(p.openssl as CipherGCMTypes, key, this.#iv(iv), { authTagLength: this.icvLength });
  }

  #decipher(iv: Uint8Array): Decipher {
    const p = this.#plan;
    const key = this.#cipherKey as KeyObject;
    if (p.mode === 'cbc') return createDecipheriv(p.openssl, key, iv).setAutoPadding(false);
    if (p.mode === 'ctr') return createDecipheriv(p.openssl, key, this.#iv(iv));
    return createDecipheriv(p.openssl as CipherGCMTypes, key, this.#iv(iv), {
      authTagLength: this.icvLength,
    });
  }

  /**
   * Encrypts `payload | trailer` (the trailer completes the cipher's block) into `out` at `offset`; an
   * AEAD appends its tag (RFC 4106 section 5 / RFC 7634 section 2.1: the AAD is SPI | sequence
   * number). Two update() calls, so the payload is never copied into a padded buffer first.
   * Returns the end offset.
   */
  encrypt(
    iv: Uint8Array,
    payload: Uint8Array,
    trailer: Uint8Array,
    aad: Uint8Array,
    out: Buffer,
    offset: number,
  ): number {
    if (this.#plan.mode === 'null') {
      out.set(payload, offset);
      out.set(trailer, offset + payload.length);
      return offset + payload.length + trailer.length;
    }
    const c = this.#cipher(iv);
    if (this.aead) (c as CipherGCM).setAAD(aad, { plaintextLength: payload.length + trailer.length });
    let at = offset;
    for (const chunk of [c.update(payload), c.update(trailer), c.final()]) {
      out.set(chunk, at);
      at += chunk.length;
    }
    if (this.aead) {
      const tag = (c as CipherGCM).getAuthTag();
      out.set(tag, at);
      at += tag.length;
    }
    return at;
  }

  /**
   * Decrypts `ciphertext` (for an AEAD: without its tag, passed apart). Returns undefined when the
   * AEAD tag does not verify: the caller drops the packet with `bad-icv`.
   */
  decrypt(iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array, tag: Uint8Array): Buffer | undefined {
    if (this.#plan.mode === 'null')
      return Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.length);
    const d = this.#decipher(iv);
    if (this.aead) {
      const a = d as DecipherGCM;
      a.setAuthTag(tag);
      a.setAAD(aad, { plaintextLength: ciphertext.length });
    }
    const body = d.update(ciphertext);
    try {
      const tail = d.final();
      return tail.length === 0 ? body : Buffer.concat([body, tail]);
    } catch {
      return undefined;
    }
  }

  /** The ICV over the parts (RFC 4303 section 2.8; with ESN the high sequence bits come last, section 2.2.1). */
  icv(parts: readonly Uint8Array[]): Buffer {
    if (this.#hmacHash !== undefined) {
      const h = createHmac(this.#hmacHash, this.#integrityKey as KeyObject);
      for (const p of parts) h.update(p);
      return h.digest();
    }
    const key = this.#xcbcKey as Buffer;
    return aesXcbcMac96(key, parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts));
  }

  get hasIntegrity(): boolean {
    return this.#integrity !== undefined;
  }
}
