/**
 * The ISAKMP SAs of an endpoint, filed by cookie pair. Responder cookies are derived from a local
 * secret, the peer's address and its cookie (RFC 2408 section 2.5.3), so a retransmitted first
 * message maps to the same SA and the responder can recognise it.
 */
import { createHmac } from 'node:crypto';
import type { RandomSource } from '../../crypto/index.js';
import type { Address } from '../../sa/types.js';
import { isConnecting } from '../states.js';
import type { IkeSa } from './ike-sa.js';

const ZERO_COOKIE = Buffer.alloc(8);

export class IkeSaTable {
  readonly #byCookies = new Map<string, IkeSa>();
  /** Our initiator SAs still waiting for the responder's cookie, by initiator cookie. */
  readonly #pendingInitiator = new Map<string, IkeSa>();
  readonly #byId = new Map<number, IkeSa>();
  /** Responder SAs still in phase 1, with the peer address they were counted under. */
  readonly #halfOpen = new Map<IkeSa, string>();
  /** The Aggressive Mode ones among them, oldest first (bounded apart, evicted oldest first). */
  readonly #halfOpenAggressive = new Set<IkeSa>();
  readonly #halfOpenByPeer = new Map<string, number>();
  readonly #secret: Buffer;
  readonly #random: RandomSource;
  #nextId = 1;

  constructor(random: RandomSource) {
    this.#random = random;
    this.#secret = random.bytes(32);
  }

  nextId(): number {
    return this.#nextId++;
  }

  /** A fresh, unused initiator cookie (never all zero). */
  newInitiatorCookie(): Buffer {
    for (;;) {
      const cookie = this.#random.bytes(8);
      if (!cookie.equals(ZERO_COOKIE) && !this.#pendingInitiator.has(cookie.toString('hex'))) return cookie;
    }
  }

  /** RFC 2408 section 2.5.3: a hash over the peer's address, its cookie and a local secret. */
  responderCookie(initiatorCookie: Uint8Array, remote: Address, local: Address): Buffer {
    const cookie = createHmac('sha256', this.#secret)
      .update(initiatorCookie)
      .update(`${remote.address}|${remote.port}|${local.address}|${local.port}`)
      .digest()
      .subarray(0, 8);
    return cookie.equals(ZERO_COOKIE) ? Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]) : cookie;
  }

  add(sa: IkeSa): void {
    if (sa.responderCookie.equals(ZERO_COOKIE))
      this.#pendingInitiator.set(sa.initiatorCookie.toString('hex'), sa);
    else this.#byCookies.set(sa.cookiePair, sa);
    this.#byId.set(sa.id, sa);
    if (sa.role === 'responder' && isConnecting(sa.state)) {
      const peer = sa.remote.address;
      this.#halfOpen.set(sa, peer);
      if (sa.exchange === 'aggressive') this.#halfOpenAggressive.add(sa);
      this.#halfOpenByPeer.set(peer, (this.#halfOpenByPeer.get(peer) ?? 0) + 1);
    }
  }

  /** The SA is no longer half-open (phase 1 completed, or it is gone). */
  settle(sa: IkeSa): void {
    const peer = this.#halfOpen.get(sa);
    if (peer === undefined) return;
    this.#halfOpen.delete(sa);
    this.#halfOpenAggressive.delete(sa);
    const left = (this.#halfOpenByPeer.get(peer) ?? 1) - 1;
    if (left > 0) this.#halfOpenByPeer.set(peer, left);
    else this.#halfOpenByPeer.delete(peer);
  }

  /** Files an initiator SA under its full cookie pair once the responder's cookie is known. */
  learnResponderCookie(sa: IkeSa, cookie: Uint8Array): void {
    this.#pendingInitiator.delete(sa.initiatorCookie.toString('hex'));
    sa.responderCookie = Buffer.from(cookie);
    this.#byCookies.set(sa.cookiePair, sa);
  }

  /** Undoes `learnResponderCookie`: the answer it came with proved to be unacceptable (or forged). */
  forgetResponderCookie(sa: IkeSa): void {
    if (this.#byCookies.get(sa.cookiePair) === sa) this.#byCookies.delete(sa.cookiePair);
    sa.responderCookie = ZERO_COOKIE;
    this.#pendingInitiator.set(sa.initiatorCookie.toString('hex'), sa);
  }

  find(initiatorCookie: Uint8Array, responderCookie: Uint8Array): IkeSa | undefined {
    const key = `${Buffer.from(initiatorCookie).toString('hex')}${Buffer.from(responderCookie).toString('hex')}`;
    return this.#byCookies.get(key);
  }

  findPendingInitiator(initiatorCookie: Uint8Array): IkeSa | undefined {
    return this.#pendingInitiator.get(Buffer.from(initiatorCookie).toString('hex'));
  }

  remove(sa: IkeSa): void {
    this.#byCookies.delete(sa.cookiePair);
    this.#byId.delete(sa.id);
    this.settle(sa);
    if (this.#pendingInitiator.get(sa.initiatorCookie.toString('hex')) === sa) {
      this.#pendingInitiator.delete(sa.initiatorCookie.toString('hex'));
    }
  }

  all(): IkeSa[] {
    return [...this.#pendingInitiator.values(), ...this.#byCookies.values()];
  }

  byId(id: number): IkeSa | undefined {
    return this.#byId.get(id);
  }

  /**
   * Phase 1 exchanges in progress as responder (half-open SAs): Main Mode ones (their peer proved
   * its address) in all, or both modes from one address.
   */
  halfOpen(remoteAddress?: string): number {
    return remoteAddress === undefined
      ? this.#halfOpen.size - this.#halfOpenAggressive.size
      : (this.#halfOpenByPeer.get(remoteAddress) ?? 0);
  }

  /** Aggressive Mode responder SAs waiting for message 3. */
  get halfOpenAggressive(): number {
    return this.#halfOpenAggressive.size;
  }

  /** The Aggressive Mode responder SA that has waited longest for its message 3. */
  oldestAggressive(): IkeSa | undefined {
    return this.#halfOpenAggressive.values().next().value;
  }
}
