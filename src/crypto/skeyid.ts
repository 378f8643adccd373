import { CryptoError } from './errors.js';
import { type HashName, hash, prf } from './prf.js';

// The IKEv1 phase 1 key schedule, RFC 2409 section 5.

/** Phase 1 authentication class, as far as SKEYID is concerned (RFC 2409 section 5). */
export type SkeyidAuth = 'psk' | 'signature' | 'pke';

export interface SkeyidInput {
  /** The negotiated PRF (the HMAC of the negotiated hash). */
  readonly prf: HashName;
  readonly auth: SkeyidAuth;
  /** Ni_b, Nr_b: the nonce payload bodies. */
  readonly nonceI: Uint8Array;
  readonly nonceR: Uint8Array;
  /** g^xy, fixed length (see dh/modp.ts). */
  readonly gxy: Uint8Array;
  /** CKY-I, CKY-R: the 8-byte cookies. */
  readonly cookieI: Uint8Array;
  readonly cookieR: Uint8Array;
  /** The pre-shared key, for auth 'psk' only. */
  readonly psk?: Uint8Array;
}

/** SKEYID and the three keys derived from it. */
export interface Skeyid {
  readonly skeyid: Buffer;
  /** SKEYID_d: keying material for non-ISAKMP SAs (KEYMAT, section 5.5). */
  readonly skeyidD: Buffer;
  /** SKEYID_a: the ISAKMP SA's authentication key (HASH payloads of phase 2). */
  readonly skeyidA: Buffer;
  /** SKEYID_e: the ISAKMP SA's encryption keying material (Appendix B). */
  readonly skeyidE: Buffer;
}

/**
 * SKEYID per RFC 2409 section 5:
 *   signatures:              SKEYID = prf(Ni_b | Nr_b, g^xy)
 *   public key encryption:   SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)
 *   pre-shared keys:         SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
 * and
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * (HMAC PRFs need no Appendix B expansion here: their output length is their natural key length.)
 */
export function deriveSkeyid(input: SkeyidInput): Skeyid {
  const { prf: p, nonceI, nonceR, gxy, cookieI, cookieR } = input;
  let skeyid: Buffer;
  switch (input.auth) {
    case 'signature':
      skeyid = prf(p, Buffer.concat([nonceI, nonceR]), gxy);
      break;
    case 'pke':
      skeyid = prf(p, hash(p, nonceI, nonceR), cookieI, cookieR);
      break;
    case 'psk':
      if (input.psk === undefined)
        throw new CryptoError('ERR_IKE_MISSING_PSK', 'psk auth needs a pre-shared key');
      skeyid = prf(p, input.psk, nonceI, nonceR);
      break;
    default:
      throw new CryptoError('ERR_IKE_AUTH', `unknown auth class ${String(input.auth)}`);
  }
  const skeyidD = prf(p, skeyid, gxy, cookieI, cookieR, Buffer.from([0]));
  const skeyidA = prf(p, skeyid, skeyidD, gxy, cookieI, cookieR, Buffer.from([1]));
  const skeyidE = prf(p, skeyid, skeyidA, gxy, cookieI, cookieR, Buffer.from([2]));
  return { skeyid, skeyidD, skeyidA, skeyidE };
}

/**
 * The ISAKMP SA encryption key Ka (RFC 2409 Appendix B): the first `keyLength` bytes of SKEYID_e
 * when it is long enough, otherwise of K1 | K2 | ... with K1 = prf(SKEYID_e, 0) (0 as one octet)
 * and Kn = prf(SKEYID_e, Kn-1). The cipher's weak-key check is applied where the key is put to
 * use (IsakmpCipher in body.ts), as Appendix B leaves it to the algorithm.
 */
export function deriveKa(prfName: HashName, skeyidE: Uint8Array, keyLength: number): Buffer {
  if (skeyidE.length >= keyLength) return Buffer.from(skeyidE.subarray(0, keyLength));
  const blocks: Buffer[] = [];
  let k = prf(prfName, skeyidE, Buffer.from([0]));
  blocks.push(k);
  let total = k.length;
  while (total < keyLength) {
    k = prf(prfName, skeyidE, k);
    blocks.push(k);
    total += k.length;
  }
  return Buffer.concat(blocks).subarray(0, keyLength);
}

/** Phase 1 IV (RFC 2409 Appendix B): hash(g^xi | g^xr) truncated to the cipher's block size. */
export function phase1Iv(hashName: HashName, gxi: Uint8Array, gxr: Uint8Array, blockSize: number): Buffer {
  return truncate(hash(hashName, gxi, gxr), blockSize);
}

/** IV of the first message of a Quick Mode or Informational exchange (RFC 2409 Appendix B). */
export function phase2Iv(
  hashName: HashName,
  lastPhase1Block: Uint8Array,
  messageId: number,
  blockSize: number,
): Buffer {
  return truncate(hash(hashName, lastPhase1Block, uint32(messageId)), blockSize);
}

function truncate(value: Buffer, length: number): Buffer {
  if (value.length < length) {
    throw new CryptoError('ERR_IKE_IV', `hash output of ${value.length} bytes is shorter than the block`);
  }
  return value.subarray(0, length);
}

/** A message ID as the 4 octets of the ISAKMP header (network order). */
export function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}
