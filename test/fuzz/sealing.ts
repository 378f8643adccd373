/**
 * Mutants that pass authentication: a message decrypted with the receiving SA's real keys, changed,
 * then HASHed again as the receiver will check it (RFC 2409 sections 5, 5.5, 5.7: HASH_I/HASH_R over
 * the ID payload, Quick Mode HASH(1)/(2)/(3), Informational HASH(1)) and encrypted with the IV the
 * receiver will decrypt with (Appendix B; `IvState.peek`, so sealing changes nothing in the SA).
 */
import {
  ExchangeType,
  encodeMessage,
  encodePayloadChain,
  type Header,
  type IdentificationPayload,
  type Payload,
} from '../../src/codec/index.js';
import {
  encryptBody,
  hashI,
  hashR,
  informationalHash,
  quickModeHash1,
  quickModeHash2,
  quickModeHash3,
} from '../../src/crypto/index.js';
import { payloadBody } from '../../src/ikev1/phase1/phase1-common.js';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import { mutate, type Rng } from './bytes.js';

const PHASE1 = new Set<number>([ExchangeType.IDENTITY_PROTECTION, ExchangeType.AGGRESSIVE]);

/** The SA whose keys produce the HASH the receiver expects: its own, or the sender's before it has any. */
function hashKeys(receiver: IkeSa | undefined, sender: IkeSa | undefined): IkeSa | undefined {
  if (receiver?.keys !== undefined && receiver.suite !== undefined) return receiver;
  if (sender?.keys !== undefined && sender.suite !== undefined) return sender;
  return undefined;
}

/** HASH_I or HASH_R of the sender (RFC 2409 section 5) over the ID payload of the mutant. */
function phase1Hash(keysOf: IkeSa, senderIsInitiator: boolean, id: IdentificationPayload): Buffer {
  const keys = keysOf.requireKeys();
  const input = {
    prf: keysOf.suite?.hash.hash ?? 'sha256',
    skeyid: keys.skeyid.skeyid,
    gxi: keysOf.gxi,
    gxr: keysOf.gxr,
    cookieI: keysOf.initiatorCookie,
    cookieR: keysOf.responderCookie,
    saiBody: keysOf.saiBody,
    idBody: payloadBody(id),
  };
  return senderIsInitiator ? hashI(input) : hashR(input);
}

/**
 * The HASH payload value the receiver expects in front of `rest` (the bytes after the HASH payload)
 * for a Quick Mode or Informational message, or undefined when the exchange has none.
 */
function phase2Hash(sa: IkeSa, header: Header, rest: Uint8Array): Buffer | undefined {
  const keys = sa.keys;
  const prf = sa.suite?.hash.hash;
  if (keys === undefined || prf === undefined) return undefined;
  const skeyidA = keys.skeyid.skeyidA;
  const id = header.messageId;
  if (header.exchangeType === ExchangeType.INFORMATIONAL) return informationalHash(prf, skeyidA, id, rest);
  if (header.exchangeType !== ExchangeType.QUICK_MODE) return undefined;
  const qm = sa.quickModes.get(id);
  if (qm === undefined) return quickModeHash1(prf, skeyidA, id, rest);
  if (qm.state === 'qm-i-wait-2') return quickModeHash2(prf, skeyidA, id, qm.nonceI, rest);
  return quickModeHash3(prf, skeyidA, id, qm.nonceI, qm.nonceR);
}

export interface SealOptions {
  readonly header: Header;
  readonly payloads: readonly Payload[];
  /** Encrypt under the receiver's keys (only if it has them). */
  readonly encrypt: boolean;
  readonly marker: boolean;
  /** Recompute the HASH; then, with `rng`, byte mutations behind the HASH payload (covered by it). */
  readonly rehash: boolean;
  readonly byteMutation?: Rng;
}

/**
 * The mutant on the wire. Phase 2 HASHes cover the raw bytes after the HASH payload, so those bytes
 * may be mutated too and the HASH still verifies; HASH_I/HASH_R cover only the ID payload.
 * Throws (an EncodeError) when the payloads cannot be encoded: the caller skips such a mutant.
 */
export function seal(receiver: IkeSa | undefined, sender: IkeSa | undefined, o: SealOptions): Uint8Array {
  const { header } = o;
  const payloads = [...o.payloads];
  const keysOf = hashKeys(receiver, sender);
  if (o.rehash && keysOf !== undefined && PHASE1.has(header.exchangeType)) {
    const id = payloads.find((p): p is IdentificationPayload => p.type === 'identification');
    const at = payloads.findIndex((p) => p.type === 'hash');
    if (id !== undefined && at >= 0) {
      const senderIsInitiator = keysOf === receiver ? !keysOf.isInitiator : keysOf.isInitiator;
      payloads[at] = { type: 'hash', data: phase1Hash(keysOf, senderIsInitiator, id) };
    }
  }
  const chain = encodePayloadChain(payloads);
  let bytes: Uint8Array = chain.bytes;
  let firstPayload = chain.firstPayload;
  const first = payloads[0];
  if (o.rehash && receiver !== undefined && !PHASE1.has(header.exchangeType) && first?.type === 'hash') {
    const hashLength = 4 + first.data.length;
    let next = bytes[0] ?? 0;
    let rest: Uint8Array = bytes.subarray(hashLength);
    if (o.byteMutation !== undefined) {
      // The byte mutator works on messages: give it a header naming the first payload after the HASH.
      const framed = new Uint8Array(28 + rest.length);
      framed[16] = next;
      framed.set(rest, 28);
      const mutated = mutate(o.byteMutation, framed, rest);
      next = mutated[16] ?? 0;
      rest = mutated.subarray(Math.min(28, mutated.length));
    }
    const hash = phase2Hash(receiver, header, rest);
    if (hash !== undefined) {
      const out = new Uint8Array(4 + hash.length + rest.length);
      out[0] = next;
      out[2] = ((4 + hash.length) >> 8) & 0xff;
      out[3] = (4 + hash.length) & 0xff;
      out.set(hash, 4);
      out.set(rest, 4 + hash.length);
      bytes = out;
      firstPayload = 8;
    }
  } else if (o.byteMutation !== undefined) {
    const framed = new Uint8Array(28 + bytes.length);
    framed[16] = firstPayload;
    framed.set(bytes, 28);
    const mutated = mutate(o.byteMutation, framed, bytes);
    firstPayload = mutated[16] ?? 0;
    bytes = mutated.subarray(Math.min(28, mutated.length));
  }
  const keys = receiver?.keys;
  let wire: Uint8Array;
  if (o.encrypt && keys !== undefined) {
    const iv = keys.cipher.ivs.peek(header.messageId);
    const ciphertext = encryptBody(keys.cipher.cipher, keys.ka, iv, bytes);
    wire = encodeMessage({ header, body: { encrypted: true, firstPayload, ciphertext } });
  } else {
    // A plain body need not decode: build it by hand (header, then the chain bytes).
    const head = encodeMessage({ header, body: { encrypted: false, payloads: [] } });
    const out = new Uint8Array(head.length + bytes.length);
    out.set(head);
    out.set(bytes, head.length);
    out[16] = firstPayload;
    new DataView(out.buffer).setUint32(24, out.length);
    wire = out;
  }
  return o.marker ? Buffer.concat([new Uint8Array(4), wire]) : wire;
}
