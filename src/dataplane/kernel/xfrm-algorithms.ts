/**
 * ikets' transform names (strongSwan keywords, src/crypto/registry.ts) -> the Linux crypto API names
 * XFRM takes, with key and ICV sizes. The names are the ones strongSwan's kernel-netlink and
 * iproute2 use; the truncation lengths are those the RFCs fix for ESP and AH.
 */
import { DataplaneError } from '../backend.js';

export type KernelCipher =
  | { readonly kind: 'crypt'; readonly name: string; readonly keyBytes: number }
  | { readonly kind: 'aead'; readonly name: string; readonly keyBytes: number; readonly icvBits: number };

export interface KernelIntegrity {
  readonly name: string;
  readonly keyBytes: number;
  readonly truncBits: number;
}

/** AES-GCM key + 4-byte salt (RFC 4106 section 8.1), with the ICV length of the transform. */
function gcm(bits: number, icvBytes: number): KernelCipher {
  return { kind: 'aead', name: 'rfc4106(gcm(aes))', keyBytes: bits / 8 + 4, icvBits: icvBytes * 8 };
}

const CIPHERS: Readonly<Record<string, KernelCipher>> = {
  // AES-CBC (RFC 3602), 3DES-CBC (RFC 2451), NULL (RFC 2410)
  aes128: { kind: 'crypt', name: 'cbc(aes)', keyBytes: 16 },
  aes192: { kind: 'crypt', name: 'cbc(aes)', keyBytes: 24 },
  aes256: { kind: 'crypt', name: 'cbc(aes)', keyBytes: 32 },
  '3des': { kind: 'crypt', name: 'cbc(des3_ede)', keyBytes: 24 },
  null: { kind: 'crypt', name: 'ecb(cipher_null)', keyBytes: 0 },
  // AES-CTR (RFC 3686 section 5.1): the key carries a 4-byte nonce at its end
  aes128ctr: { kind: 'crypt', name: 'rfc3686(ctr(aes))', keyBytes: 20 },
  aes192ctr: { kind: 'crypt', name: 'rfc3686(ctr(aes))', keyBytes: 28 },
  aes256ctr: { kind: 'crypt', name: 'rfc3686(ctr(aes))', keyBytes: 36 },
  // ChaCha20-Poly1305 (RFC 7634 section 2): 32-byte key + 4-byte salt, 16-byte ICV
  chacha20poly1305: { kind: 'aead', name: 'rfc7539esp(chacha20,poly1305)', keyBytes: 36, icvBits: 128 },
};
for (const bits of [128, 192, 256]) {
  for (const icv of [8, 12, 16]) {
    (CIPHERS as Record<string, KernelCipher>)[`aes${bits}gcm${icv}`] = gcm(bits, icv);
  }
}

const INTEGRITY: Readonly<Record<string, KernelIntegrity>> = {
  // HMAC-MD5-96 (RFC 2403), HMAC-SHA-1-96 (RFC 2404), AES-XCBC-MAC-96 (RFC 3566)
  md5: { name: 'hmac(md5)', keyBytes: 16, truncBits: 96 },
  sha1: { name: 'hmac(sha1)', keyBytes: 20, truncBits: 96 },
  aesxcbc: { name: 'xcbc(aes)', keyBytes: 16, truncBits: 96 },
  // HMAC-SHA-256-128, -384-192, -512-256 (RFC 4868 section 2.3)
  sha256: { name: 'hmac(sha256)', keyBytes: 32, truncBits: 128 },
  sha384: { name: 'hmac(sha384)', keyBytes: 48, truncBits: 192 },
  sha512: { name: 'hmac(sha512)', keyBytes: 64, truncBits: 256 },
};

const ALIASES: Readonly<Record<string, string>> = {
  aes: 'aes128',
  sha: 'sha1',
  sha2_256: 'sha256',
  sha2_384: 'sha384',
  sha2_512: 'sha512',
  aesctr: 'aes128ctr',
};

function canonical(name: string): string {
  const lower = name.toLowerCase();
  const gcmBits = /^(aes\d{3}gcm)(64|96|128)$/.exec(lower);
  if (gcmBits?.[1] !== undefined && gcmBits[2] !== undefined) return `${gcmBits[1]}${Number(gcmBits[2]) / 8}`;
  if (/^aes\d{3}gcm$/.test(lower)) return `${lower}16`;
  return ALIASES[lower] ?? lower;
}

/** The kernel cipher of an ESP encryption transform; checks the key length when given one. */
export function kernelCipher(name: string, key?: Buffer): KernelCipher {
  const cipher = CIPHERS[canonical(name)];
  if (cipher === undefined)
    throw new DataplaneError('ERR_DATAPLANE_ALGORITHM', `no kernel cipher for '${name}'`);
  if (key !== undefined && key.length !== cipher.keyBytes)
    throw new DataplaneError(
      'ERR_DATAPLANE_ALGORITHM',
      `${name}: key of ${key.length} bytes, the kernel's ${cipher.name} takes ${cipher.keyBytes}`,
    );
  return cipher;
}

/** The kernel MAC of an ESP/AH integrity transform; checks the key length when given one. */
export function kernelIntegrity(name: string, key?: Buffer): KernelIntegrity {
  const integrity = INTEGRITY[canonical(name)];
  if (integrity === undefined)
    throw new DataplaneError('ERR_DATAPLANE_ALGORITHM', `no kernel integrity algorithm for '${name}'`);
  if (key !== undefined && key.length !== integrity.keyBytes)
    throw new DataplaneError(
      'ERR_DATAPLANE_ALGORITHM',
      `${name}: key of ${key.length} bytes, the kernel's ${integrity.name} takes ${integrity.keyBytes}`,
    );
  return integrity;
}
