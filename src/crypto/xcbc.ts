import { createCipheriv } from 'node:crypto';
import { InvalidLengthError } from './errors.js';

// AES-XCBC-MAC (RFC 3566) and AES-XCBC-PRF-128 (RFC 4434). OpenSSL has no XCBC mode, so the mode
// is built here on AES-128-ECB from node:crypto (the block cipher itself is never hand-rolled).

const BLOCK = 16;

function aesEcb(key: Uint8Array): (block: Buffer) => Buffer {
  // One ECB context reused for every block: update() on 16-byte inputs without padding is a
  // plain AES block encryption.
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return (block: Buffer) => cipher.update(block);
}

function xorInto(target: Buffer, source: Uint8Array, offset: number): void {
  for (let i = 0; i < BLOCK; i++) target[i] = (target[i] ?? 0) ^ (source[offset + i] ?? 0);
}

/** AES-XCBC-MAC with a 16-byte key; returns the full 128-bit MAC (RFC 3566 section 4). */
export function aesXcbcMac(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length !== BLOCK) throw new InvalidLengthError('AES-XCBC-MAC key', key.length, '16');
  const k = aesEcb(key);
  // RFC 3566 section 4, step 1: K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..).
  const k1 = k(Buffer.alloc(BLOCK, 0x01));
  const k2 = k(Buffer.alloc(BLOCK, 0x02));
  const k3 = k(Buffer.alloc(BLOCK, 0x03));
  const e = aesEcb(k1);
  const state = Buffer.alloc(BLOCK);
  const n = data.length;
  // Number of full blocks before the last block (the last block is treated specially; an empty
  // message has one padded last block).
  const lastStart = n === 0 ? 0 : Math.floor((n - 1) / BLOCK) * BLOCK;
  for (let off = 0; off < lastStart; off += BLOCK) {
    xorInto(state, data, off);
    state.set(e(state));
  }
  const last = Buffer.alloc(BLOCK);
  const rest = data.subarray(lastStart);
  last.set(rest);
  if (rest.length === BLOCK) {
    // Step 3 a): complete last block, XOR with K2.
    xorInto(last, k2, 0);
  } else {
    // Step 3 b): pad with a single 1 bit then 0 bits, XOR with K3.
    last[rest.length] = 0x80;
    xorInto(last, k3, 0);
  }
  xorInto(state, last, 0);
  return Buffer.from(e(state));
}

/** AUTH_AES_XCBC_96: the MAC truncated to 96 bits (RFC 3566 section 4). */
export function aesXcbcMac96(key: Uint8Array, data: Uint8Array): Buffer {
  return aesXcbcMac(key, data).subarray(0, 12);
}

/**
 * PRF_AES128_XCBC (RFC 4434 section 2): keys shorter than 128 bits are padded with zeros, longer
 * keys are first reduced to 128 bits with AES-XCBC-MAC under the all-zero key.
 */
export function aesXcbcPrf128(key: Uint8Array, data: Uint8Array): Buffer {
  let k: Uint8Array;
  if (key.length === BLOCK) k = key;
  else if (key.length < BLOCK) {
    const padded = Buffer.alloc(BLOCK);
    padded.set(key);
    k = padded;
  } else k = aesXcbcMac(Buffer.alloc(BLOCK), key);
  return aesXcbcMac(k, data);
}
