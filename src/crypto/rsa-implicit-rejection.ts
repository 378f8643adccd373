import { constants, createHash, createHmac, type KeyObject, privateDecrypt } from 'node:crypto';
import { DecryptError } from './errors.js';

// RSAES-PKCS1-v1_5 decryption with implicit rejection (draft-irtf-cfrg-rsa-guidance, formerly
// draft-kario-rsa-guidance, section "Implicit rejection"; the algorithm OpenSSL 3.2 and later
// use by default). A ciphertext whose padding is wrong does not fail: it decrypts to a synthetic
// message derived from the private key and the ciphertext, so the caller's next step (in IKE,
// HASH_I/HASH_R over the nonce) fails exactly as it does for a well-padded message encrypted to
// the wrong key. There is no padding oracle to query.
//
// The RSA operation itself is OpenSSL's (privateDecrypt with RSA_NO_PADDING: blinded, constant
// time); HMAC-SHA-256 and SHA-256 are OpenSSL's. What is done here in JavaScript is the padding
// check and the selection between the real and the synthetic message, both without branches or
// indexing that depend on the decrypted bytes: every call reads every byte of EM, derives the
// key-derivation key, the 128 candidate lengths and the k-byte synthetic message, and merges the
// two candidates with masks. Limits JavaScript imposes (see docs/crypto.md): the JIT may compile
// the integer arithmetic differently than written, garbage collection adds noise, and the result
// is a Buffer whose length is the selected length, so code that later walks the message takes a
// time that depends on it (as for any message of that length; a synthetic length is uniform-ish
// in the same range as a real one).

const HASH_LEN = 32;
/** The number of 16-bit candidate lengths drawn for the synthetic message (the draft's 128). */
const CANDIDATE_LENGTHS = 128;

/** The result of a decryption; `rejected` is for a diagnostic log only (see decryptPkcs1). */
export interface Pkcs1Decryption {
  /** The message, or the synthetic message when the padding was wrong. */
  readonly message: Buffer;
  /** Whether the padding was wrong and `message` is synthetic. */
  readonly rejected: boolean;
}

/** SHA-256 of the private exponent as k big-endian octets, per key (it depends on the key only). */
const exponentHashes = new WeakMap<KeyObject, Buffer>();

function exponentHash(privateKey: KeyObject, k: number): Buffer {
  const known = exponentHashes.get(privateKey);
  if (known !== undefined) return known;
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new DecryptError('not an RSA private key');
  const d = Buffer.from(jwk.d, 'base64url');
  const padded = Buffer.alloc(k);
  d.copy(padded, k - d.length);
  const hash = createHash('sha256').update(padded).digest();
  padded.fill(0);
  d.fill(0);
  exponentHashes.set(privateKey, hash);
  return hash;
}

/**
 * The draft's IRPRF: HMAC-SHA-256(KDK, I || label || bitLength) for I = 0, 1, ... (each a 2-octet
 * big-endian counter, bitLength the output length in bits as 2 octets), concatenated and cut.
 */
export function implicitRejectionPrf(kdk: Uint8Array, label: string, length: number): Buffer {
  const out = Buffer.alloc(Math.ceil(length / HASH_LEN) * HASH_LEN);
  const suffix = Buffer.alloc(2);
  suffix.writeUInt16BE((length * 8) & 0xffff);
  const labelBytes = Buffer.from(label, 'latin1');
  const counter = Buffer.alloc(2);
  for (let i = 0; i * HASH_LEN < length; i++) {
    counter.writeUInt16BE(i);
    createHmac('sha256', kdk)
      .update(counter)
      .update(labelBytes)
      .update(suffix)
      .digest()
      .copy(out, i * HASH_LEN);
  }
  return out.subarray(0, length);
}

// Branch-free helpers on non-negative integers below 2^30; each returns 0 or 1.
function isZero(x: number): number {
  return (((x | -x) >>> 31) ^ 1) & 1;
}
function lessThan(a: number, b: number): number {
  return ((a - b) >>> 31) & 1;
}
/** a when bit is 1, b when bit is 0. */
function select(bit: number, a: number, b: number): number {
  const mask = -bit | 0;
  return (a & mask) | (b & ~mask);
}

/**
 * Decrypts an RSAES-PKCS1-v1_5 ciphertext with implicit rejection. Throws DecryptError only for
 * what the sender can see without the private key: a ciphertext that is not k octets long, or
 * one not below the modulus (OpenSSL refuses it, as RSADP of RFC 8017 does); and for a key that
 * is not an RSA private key. `rejected` says whether the message is synthetic: it is computed
 * without branches, and a caller should look at it only once the exchange has failed anyway (for
 * the log line naming the reason), never to choose what to send.
 */
export function decryptPkcs1(privateKey: KeyObject, ciphertext: Uint8Array): Pkcs1Decryption {
  const modulusBits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (privateKey.asymmetricKeyType !== 'rsa' || privateKey.type !== 'private' || modulusBits === undefined) {
    throw new DecryptError('not an RSA private key');
  }
  const k = Math.ceil(modulusBits / 8);
  // RFC 8017 7.2.2 step 1: a length check on public data.
  if (ciphertext.length !== k || k < 11) throw new DecryptError('RSA ciphertext length');
  let em: Buffer;
  try {
    em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    throw new DecryptError('RSA ciphertext not below the modulus');
  }
  // KDK = HMAC-SHA-256(SHA-256(d), C), C as k octets.
  const kdk = createHmac('sha256', exponentHash(privateKey, k)).update(ciphertext).digest();
  const candidates = implicitRejectionPrf(kdk, 'length', CANDIDATE_LENGTHS * 2);
  const synthetic = implicitRejectionPrf(kdk, 'message', k);

  // The synthetic length: the last candidate, masked to the bit length of the bound, that is
  // below k - 10 (so at most k - 11, the longest message PKCS#1 v1.5 can carry).
  const bound = k - 2 - 8;
  let lengthMask = bound;
  lengthMask |= lengthMask >>> 1;
  lengthMask |= lengthMask >>> 2;
  lengthMask |= lengthMask >>> 4;
  lengthMask |= lengthMask >>> 8;
  let syntheticLength = 0;
  for (let i = 0; i < CANDIDATE_LENGTHS; i++) {
    const candidate = (((candidates[2 * i] ?? 0) << 8) | (candidates[2 * i + 1] ?? 0)) & lengthMask;
    syntheticLength = select(lessThan(candidate, bound), candidate, syntheticLength);
  }

  // EM = 0x00 || 0x02 || PS (at least 8 non-zero octets) || 0x00 || M. Scan every octet.
  let good = isZero(em[0] ?? 1) & isZero((em[1] ?? 0) ^ 2);
  let found = 0;
  let separator = 0;
  for (let i = 2; i < k; i++) {
    const zero = isZero(em[i] ?? 1);
    separator = select(zero & (found ^ 1), i, separator);
    found |= zero;
  }
  good &= found;
  // PS is EM[2 .. separator-1]: at least 8 octets.
  good &= lessThan(2 + 8 - 1, separator);
  const realLength = k - separator - 1;
  const length = select(good, realLength, syntheticLength);

  // Both candidates end at octet k - 1: merge all k octets with masks, keep the last `length`.
  const mask = -good & 0xff;
  const merged = Buffer.alloc(k);
  for (let i = 0; i < k; i++) {
    merged[i] = ((em[i] ?? 0) & mask) | ((synthetic[i] ?? 0) & ~mask & 0xff);
  }
  em.fill(0);
  synthetic.fill(0);
  return { message: merged.subarray(k - length), rejected: good === 0 };
}
