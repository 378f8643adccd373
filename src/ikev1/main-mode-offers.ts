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
 * and kept oldest first: a new one beyond the bounds evicts the oldest, and one older than the
 * half-open timeout is dropped when seen. A flood of spoofed messages 1 therefore costs the same
 * per datagram however long it lasts, and only shortens how long an offer waits for its message 3:
 * at 20,000 a second and the default bounds (about 30,000 records), 1.5 s, hundreds of round trips of a legitimate peer.
 * Nothing a spoofed message 1 causes reaches the ISAKMP SAs (docs/ikev1-engine.md).
 */
import type { ConnectionConfig } from '../config/swanctl.js';
import type { NatTraversalVariant } from './nat-traversal.js';
import type { Phase1Suite } from './phase1-proposal.js';
import type { Address } from './types.js';

export interface MainModeOffer {
  readonly connection: ConnectionConfig;
  /** The suite we chose, as sent in message 2. */
  readonly suite: Phase1Suite;
  /** SAi_b, copied out of the datagram (RFC 2409 section 5). */
  readonly saiBody: Uint8Array;
  readonly natVariant: NatTraversalVariant | undefined;
  readonly peerDpd: boolean;
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

export class MainModeOffers {
  /** By cookie pair (32 hex digits), in the order they were answered: the first is the oldest. */
  readonly #byCookies = new Map<string, MainModeOffer>();
  #bytes = 0;
  #evicted = 0;

  constructor(private readonly limits: () => OfferLimits) {}

  static key(initiatorCookie: Uint8Array, responderCookie: Uint8Array): string {
    return Buffer.from(initiatorCookie).toString('hex') + Buffer.from(responderCookie).toString('hex');
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
    while (this.#byCookies.size >= limits.maxOffers || this.#bytes + cost > limits.maxOfferBytes) {
      const oldest = this.#byCookies.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
      this.#evicted++;
    }
    this.#byCookies.set(key, offer);
    this.#bytes += cost;
  }

  /** The record of an offer answered less than `lifetime` ago, if it is still kept. */
  get(key: string, now: number): MainModeOffer | undefined {
    const offer = this.#byCookies.get(key);
    if (offer === undefined) return undefined;
    if (now - offer.at >= this.limits().lifetime) {
      this.delete(key);
      return undefined;
    }
    return offer;
  }

  delete(key: string): void {
    const offer = this.#byCookies.get(key);
    if (offer === undefined) return;
    this.#byCookies.delete(key);
    this.#bytes -= offer.saiBody.length + OFFER_OVERHEAD;
  }

  /** Drops the records older than the lifetime: they are first in the map, so this stops at once. */
  expire(now: number): void {
    const lifetime = this.limits().lifetime;
    for (const [key, offer] of this.#byCookies) {
      if (now - offer.at < lifetime) return;
      this.delete(key);
    }
  }
}
