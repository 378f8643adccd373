import { type HashName, prf } from './prf.js';
import { uint32 } from './skeyid.js';

// The HASH payload values of IKEv1 (RFC 2409 sections 5 and 5.5, 5.7, 5.6 for New Group Mode).

export interface Phase1HashInput {
  readonly prf: HashName;
  readonly skeyid: Uint8Array;
  /** g^xi and g^xr: the KE payload data of initiator and responder. */
  readonly gxi: Uint8Array;
  readonly gxr: Uint8Array;
  readonly cookieI: Uint8Array;
  readonly cookieR: Uint8Array;
  /** SAi_b: the initiator's SA payload body (without the generic header). */
  readonly saiBody: Uint8Array;
  /** IDii_b for HASH_I, IDir_b for HASH_R: the ID payload body (without the generic header). */
  readonly idBody: Uint8Array;
}

/**
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (RFC 2409 section 5).
 * In signature mode this value is what SIG_I signs (section 5.1).
 */
export function hashI(i: Phase1HashInput): Buffer {
  return prf(i.prf, i.skeyid, i.gxi, i.gxr, i.cookieI, i.cookieR, i.saiBody, i.idBody);
}

/** HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) (RFC 2409 section 5). */
export function hashR(i: Phase1HashInput): Buffer {
  return prf(i.prf, i.skeyid, i.gxr, i.gxi, i.cookieR, i.cookieI, i.saiBody, i.idBody);
}

/**
 * Quick Mode HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ]) (RFC 2409 section
 * 5.5): `rest` is the message after the HASH payload, payload headers included.
 */
export function quickModeHash1(
  p: HashName,
  skeyidA: Uint8Array,
  messageId: number,
  rest: Uint8Array,
): Buffer {
  return prf(p, skeyidA, uint32(messageId), rest);
}

/** Quick Mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ]). */
export function quickModeHash2(
  p: HashName,
  skeyidA: Uint8Array,
  messageId: number,
  nonceI: Uint8Array,
  rest: Uint8Array,
): Buffer {
  return prf(p, skeyidA, uint32(messageId), nonceI, rest);
}

/** Quick Mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) (0 as a single octet). */
export function quickModeHash3(
  p: HashName,
  skeyidA: Uint8Array,
  messageId: number,
  nonceI: Uint8Array,
  nonceR: Uint8Array,
): Buffer {
  return prf(p, skeyidA, Buffer.from([0]), uint32(messageId), nonceI, nonceR);
}

/**
 * Informational HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 section 5.7), where N/D is the
 * Notify or Delete payload (with its header) that follows the HASH payload. New Group Mode's
 * HASH(1)/HASH(2) = prf(SKEYID_a, M-ID | SA) (section 5.6) have the same form.
 */
export function informationalHash(
  p: HashName,
  skeyidA: Uint8Array,
  messageId: number,
  rest: Uint8Array,
): Buffer {
  return prf(p, skeyidA, uint32(messageId), rest);
}
