/**
 * RFC 2409's formulas for the public-key encryption modes (sections 5, 5.2, 5.3 and Appendix B),
 * written out by hand with node:crypto primitives for the known-answer tests: nothing here imports
 * the engine, so a test that checks the engine's datagrams with these is an independent reading.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  type KeyObject,
  privateDecrypt,
} from 'node:crypto';

export type Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5';

export const hash = (h: Hash, ...parts: Uint8Array[]): Buffer => {
  const x = createHash(h);
  for (const p of parts) x.update(p);
  return x.digest();
};

/** The IKEv1 prf: the HMAC of the negotiated hash. */
export const prf = (h: Hash, key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
  const x = createHmac(h, key);
  for (const p of parts) x.update(p);
  return x.digest();
};

/** RSAES-PKCS1-v1_5 decryption (RFC 8017 7.2.2) done by hand: raw RSA, then the padding checked. */
export function rsaDecryptByHand(privateKey: KeyObject, ciphertext: Uint8Array): Buffer {
  const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
  if (em[0] !== 0 || em[1] !== 2) throw new Error('not PKCS#1 v1.5 type 2');
  const separator = em.indexOf(0, 2);
  if (separator < 10) throw new Error('PKCS#1 v1.5 padding string too short');
  return em.subarray(separator + 1);
}

/** Section 5: SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R) for public-key encryption. */
export const skeyidPke = (h: Hash, ni: Uint8Array, nr: Uint8Array, ckyI: Uint8Array, ckyR: Uint8Array) =>
  prf(h, hash(h, ni, nr), ckyI, ckyR);

/** Section 5: SKEYID_d, SKEYID_a, SKEYID_e. */
export function skeyidFamily(h: Hash, skeyid: Buffer, gxy: Uint8Array, ckyI: Uint8Array, ckyR: Uint8Array) {
  const d = prf(h, skeyid, gxy, ckyI, ckyR, Buffer.from([0]));
  const a = prf(h, skeyid, d, gxy, ckyI, ckyR, Buffer.from([1]));
  const e = prf(h, skeyid, a, gxy, ckyI, ckyR, Buffer.from([2]));
  return { d, a, e };
}

/**
 * Appendix B: the first `length` octets of `seed` when it is long enough, else of K1 | K2 | ...
 * with K1 = prf(seed, 0) (0 one octet) and Kn = prf(seed, Kn-1).
 */
export function appendixB(h: Hash, seed: Buffer, length: number): Buffer {
  if (seed.length >= length) return seed.subarray(0, length);
  const blocks: Buffer[] = [];
  let k = prf(h, seed, Buffer.from([0]));
  blocks.push(k);
  while (Buffer.concat(blocks).length < length) {
    k = prf(h, seed, k);
    blocks.push(k);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Section 5.3: Ne_i = prf(Ni_b, CKY-I) (Ne_r alike), and Ke_i from it by Appendix B. */
export const ne = (h: Hash, nonce: Uint8Array, cookie: Uint8Array) => prf(h, nonce, cookie);
export const ke = (h: Hash, nonce: Uint8Array, cookie: Uint8Array, keyLength: number) =>
  appendixB(h, ne(h, nonce, cookie), keyLength);

/**
 * Section 5.3: the bodies after the nonce, CBC under Ke with an IV of zero for the first and the
 * last ciphertext block of the one before for the next; the padding's last octet counts the zeros
 * before it.
 */
export function openKeBodies(cipher: string, blockSize: number, key: Buffer, bodies: Uint8Array[]): Buffer[] {
  let iv = Buffer.alloc(blockSize);
  return bodies.map((body) => {
    const d = createDecipheriv(cipher, key, iv);
    d.setAutoPadding(false);
    const pt = Buffer.concat([d.update(body), d.final()]);
    iv = Buffer.from(body.subarray(body.length - blockSize));
    const n = (pt[pt.length - 1] ?? 0) + 1;
    if (n > blockSize || pt.subarray(pt.length - n, pt.length - 1).some((x) => x !== 0))
      throw new Error('section 5.3 padding');
    return pt.subarray(0, pt.length - n);
  });
}

/** Section 5: HASH_I and HASH_R (the ID bodies without their generic header). */
export const hashI = (
  h: Hash,
  skeyid: Buffer,
  gxi: Uint8Array,
  gxr: Uint8Array,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
  saiB: Uint8Array,
  idiiB: Uint8Array,
) => prf(h, skeyid, gxi, gxr, ckyI, ckyR, saiB, idiiB);

export const hashR = (
  h: Hash,
  skeyid: Buffer,
  gxi: Uint8Array,
  gxr: Uint8Array,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
  saiB: Uint8Array,
  idirB: Uint8Array,
) => prf(h, skeyid, gxr, gxi, ckyR, ckyI, saiB, idirB);

/** Appendix B: the first message's IV, hash(g^xi | g^xr) cut to the block. */
export const phase1Iv = (h: Hash, gxi: Uint8Array, gxr: Uint8Array, blockSize: number) =>
  hash(h, gxi, gxr).subarray(0, blockSize);

/** CBC-decrypts an encrypted ISAKMP body (after the 28-octet header). */
export function decryptBody(cipher: string, key: Buffer, iv: Buffer, body: Uint8Array): Buffer {
  const d = createDecipheriv(cipher, key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(body), d.final()]);
}

/** Section 5.3 padding and CBC with a zero IV, for a body we seal by hand (the reverse check). */
export function sealKeBody(cipher: string, blockSize: number, key: Buffer, body: Uint8Array): Buffer {
  const n = blockSize - (body.length % blockSize);
  const pad = Buffer.alloc(n);
  pad[n - 1] = n - 1;
  const c = createCipheriv(cipher, key, Buffer.alloc(blockSize));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([body, pad])), c.final()]);
}

/** The payloads of an unencrypted ISAKMP datagram: type and body, by walking the generic headers. */
export function payloadBodies(datagram: Uint8Array): { type: number; body: Buffer }[] {
  const out: { type: number; body: Buffer }[] = [];
  let next = datagram[16] ?? 0;
  let at = 28;
  while (next !== 0) {
    const length = ((datagram[at + 2] ?? 0) << 8) | (datagram[at + 3] ?? 0);
    out.push({ type: next, body: Buffer.from(datagram.subarray(at + 4, at + length)) });
    next = datagram[at] ?? 0;
    at += length;
  }
  return out;
}
