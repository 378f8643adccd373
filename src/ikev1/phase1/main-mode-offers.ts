/**
 * Main Mode offers answered without an ISAKMP SA, waiting for message 3 (RFC 2408 section 2.5.3's
 * anti-clogging cookies). A responder answers message 1 statelessly: its responder cookie is a
 * keyed MAC of the peer's address and port, our own, and the initiator cookie (IkeSaTable), and
 * message 2 is rebuilt byte for byte from message 1 when the peer repeats it. Only message 3 comes
 * back with that cookie, proving that the peer receives at the address it claims; the ISAKMP SA
 * (its Diffie-Hellman values, timers, retransmissions) is created then.
 *
 * One thing of message 1 cannot be rebuilt from message 3: SAi_b, the body of the initiator's SA
 * payload, which HASH_I and HASH_R cover (RFC 2409 section 5) and which message 3 does not repeat.
 * So each answered offer leaves a compact record here: SAi_b, the chosen suite, what the Vendor
 * IDs announced and the addresses, with no timer. The records are bounded in number and in bytes
 * and queued oldest first: a new one beyond the bounds evicts the oldest, and one older than the
 * half-open timeout is dropped when seen. The number bound counts the queue's slots, so a record
 * taken by its message 3 (or replaced by a repeat) keeps its emptied slot counted until the queue
 * reaches it. A flood of spoofed messages 1 therefore costs the same
 * per datagram however long it lasts, and only shortens how long an offer waits for its message 3:
 * at 20,000 a second and the default bounds (about 30,000 records), 1.5 s, hundreds of round trips of a legitimate peer.
 * Nothing a spoofed message 1 causes reaches the ISAKMP SAs (docs/ikev1-engine.md).
 */
import type { ConnectionConfig } from '../../config/swanctl.js';
import type { Address } from '../../sa/types.js';
import type { NatTraversalVariant } from '../nat-traversal.js';
import type { Phase1Suite } from './phase1-proposal.js';

export interface MainModeOffer {
  readonly connection: ConnectionConfig;
  /** The suite we chose, as sent in message 2. */
  readonly suite: Phase1Suite;
  /** SAi_b, copied out of the datagram (RFC 2409 section 5). */
  readonly saiBody: Uint8Array;
  readonly natVariant: NatTraversalVariant | undefined;
  readonly peerDpd: boolean;
  readonly peerFragmentation: boolean;
  readonly local: Address;
  readonly remote: Address;
  /** When message 1 (or its latest repeat) came. */
  readonly at: number;
}

export interface OfferLimits {
  /** At most this many records... */
  readonly maxOffers: number;
  /** ...holding at most this many bytes, counted as SAi_b plus `OFFER_OVERHEAD` each. */
  readonly maxOfferBytes: number;
  /** A record older than this (ms) is gone: the half-open timeout. */
  readonly lifetime: number;
}

/**
 * What one record costs besides its SAi_b, counted generously: the key string, the Map entry, the
 * record, the typed array and the address objects measured 390 to 770 bytes of V8 heap a record
 * (20,000 to 60,000 records of a 52-byte SAi_b, after a full GC).
 */
export const OFFER_OVERHEAD = 768;

/** A record's place in the answer order; emptied when the record goes before its turn. */
interface Slot {
  readonly key: string;
  offer: MainModeOffer | undefined;
}

export class MainModeOffers {
  readonly #byCookies = new Map<string, Slot>();
  /**
   * The slots in answer order, oldest at `#head`: a queue in an array, since a Map used as one
   * (deleting its first entries, then asking for the first again) makes V8 walk every deleted entry
   * until it rehashes, a cost that grows with the flood. Each slot is queued and dequeued once.
   */
  #order: Slot[] = [];
  #head = 0;
  #bytes = 0;
  #evicted = 0;

  constructor(private readonly limits: () => OfferLimits) {}

  /** The key of the offer answered with these cookies: their 16 bytes as a string, one char a byte. */
  static key(initiatorCookie: Uint8Array, responderCookie: Uint8Array): string {
    return latin1(initiatorCookie, 0, 8) + latin1(responderCookie, 0, 8);
  }

  /** The key of the cookies in the first 16 bytes of an ISAKMP header (RFC 2408 section 3.1). */
  static keyOfHeader(header: Uint8Array): string {
    return latin1(header, 0, 16);
  }

  get size(): number {
    return this.#byCookies.size;
  }

  /** Bytes the records are counted for (SAi_b plus the overhead each). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records dropped to make room before their time (the flood is faster than the bounds). */
  get evicted(): number {
    return this.#evicted;
  }

  /** Files an answered offer (a repeat replaces the earlier record and becomes the newest). */
  put(key: string, offer: MainModeOffer): void {
    const limits = this.limits();
    this.delete(key);
    const cost = offer.saiBody.length + OFFER_OVERHEAD;
    if (cost > limits.maxOfferBytes || limits.maxOffers <= 0) return;
    this.expire(offer.at);
    // The queue holds the live records and the emptied slots not yet reached: bounding its length
    // bounds both (an emptied slot costs a few bytes, its record is gone).
    while (this.#order.length - this.#head >= limits.maxOffers || this.#bytes + cost > limits.maxOfferBytes) {
      const oldest = this.#dequeue();
      if (oldest === undefined) break;
      if (oldest.offer !== undefined) {
        this.#drop(oldest);
        this.#evicted++;
      }
    }
    const slot: Slot = { key, offer };
    this.#order.push(slot);
    this.#byCookies.set(key, slot);
    this.#bytes += cost;
  }

  /** The record of an offer answered less than `lifetime` ago, if it is still kept. */
  get(key: string, now: number): MainModeOffer | undefined {
    const offer = this.#byCookies.get(key)?.offer;
    if (offer === undefined) return undefined;
    if (now - offer.at >= this.limits().lifetime) {
      this.delete(key);
      return undefined;
    }
    return offer;
  }

  /** Whether a record is kept under `key` (its age unchecked: `get` checks it). */
  has(key: string): boolean {
    return this.#byCookies.get(key)?.offer !== undefined;
  }

  delete(key: string): void {
    const slot = this.#byCookies.get(key);
    if (slot !== undefined) this.#drop(slot);
  }

  /** Drops the records older than the lifetime: they are first in the queue, so this stops at once. */
  expire(now: number): void {
    const lifetime = this.limits().lifetime;
    for (let slot = this.#order[this.#head]; slot !== undefined; slot = this.#order[this.#head]) {
      if (slot.offer !== undefined && now - slot.offer.at < lifetime) return;
      this.#dequeue();
      if (slot.offer !== undefined) this.#drop(slot);
    }
  }

  #drop(slot: Slot): void {
    if (slot.offer === undefined) return;
    this.#bytes -= slot.offer.saiBody.length + OFFER_OVERHEAD;
    slot.offer = undefined;
    if (this.#byCookies.get(slot.key) === slot) this.#byCookies.delete(slot.key);
  }

  #dequeue(): Slot | undefined {
    const slot = this.#order[this.#head];
    if (slot === undefined) return undefined;
    this.#head++;
    // Compact now and then: amortised O(1), and the array never holds more than twice the queue.
    if (this.#head >= 1024 && this.#head * 2 >= this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    return slot;
  }
}

/** Bytes `start` to `end` of `bytes` as a string of one char a byte, without copying them first. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1', start, end);
}
