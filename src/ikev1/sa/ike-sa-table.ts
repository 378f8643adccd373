/**
 * The ISAKMP SAs of an endpoint, filed by cookie pair. Responder cookies are derived from a local
 * secret, the peer's address and its cookie (RFC 2408 section 2.5.3), so a retransmitted first
 * message maps to the same SA and the responder can recognise it.
 */
import { createHmac } from 'node:crypto';
import type { RandomSource } from '../../crypto/index.js';
import { MultiIndex } from '../../sa/multi-index.js';
import type { Address } from '../../sa/types.js';
import { isConnecting } from '../states.js';
import { type IkeSa, type PeerIndex, peerKey } from './ike-sa.js';

const ZERO_COOKIE = Buffer.alloc(8);

/** The key of a cookie pair, as IkeSa.cookieKey makes it: 16 latin1 characters. */
const cookieKey = (initiatorCookie: Uint8Array, responderCookie: Uint8Array) =>
  `${latin1(initiatorCookie)}${latin1(responderCookie)}`;
const latin1 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Called with the SA, its old address and identity, when its peer changes (the children follow). */
export type PeerMoved = (sa: IkeSa, oldAddress: string, oldId: string) => void;

export class IkeSaTable implements PeerIndex {
  readonly #byCookies = new Map<string, IkeSa>();
  /** Our initiator SAs still waiting for the responder's cookie, by initiator cookie. */
  readonly #pendingInitiator = new Map<string, IkeSa>();
  readonly #byId = new Map<number, IkeSa>();
  /** Responder SAs still in phase 1, with the peer address they were counted under. */
  readonly #halfOpen = new Map<IkeSa, string>();
  /** The Aggressive Mode ones among them, oldest first (bounded apart, evicted oldest first). */
  readonly #halfOpenAggressive = new Set<IkeSa>();
  readonly #halfOpenByPeer = new Map<string, number>();
  /**
   * Indexes, so nothing done per setup or per datagram scans every SA (issue 12): by peer address,
   * by peer address and identity, and by connection name. Kept by add/remove and by the SA itself
   * when its peer changes (`peerChanged`).
   */
  readonly #byAddress = new MultiIndex<string, IkeSa>();
  readonly #byPeer = new MultiIndex<string, IkeSa>();
  readonly #byConnection = new MultiIndex<string, IkeSa>();
  readonly #secret: Buffer;
  readonly #random: RandomSource;
  #nextId = 1;
  #peerMoved: PeerMoved | undefined;

  constructor(random: RandomSource) {
    this.#random = random;
    this.#secret = random.bytes(32);
  }

  /** Who else indexes SAs by their peer (the CHILD SA table). */
  onPeerMoved(listener: PeerMoved): void {
    this.#peerMoved = listener;
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
    else this.#byCookies.set(sa.cookieKey, sa);
    this.#byId.set(sa.id, sa);
    this.#byAddress.add(sa.remote.address, sa);
    this.#byPeer.add(sa.peerKey, sa);
    this.#byConnection.add(sa.connection.name, sa);
    sa.peerIndex = this;
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
    sa.setResponderCookie(cookie);
    this.#byCookies.set(sa.cookieKey, sa);
  }

  /** Undoes `learnResponderCookie`: the answer it came with proved to be unacceptable (or forged). */
  forgetResponderCookie(sa: IkeSa): void {
    const key = sa.cookieKey;
    if (this.#byCookies.get(key) === sa) this.#byCookies.delete(key);
    sa.setResponderCookie(ZERO_COOKIE);
    this.#pendingInitiator.set(sa.initiatorCookie.toString('hex'), sa);
  }

  find(initiatorCookie: Uint8Array, responderCookie: Uint8Array): IkeSa | undefined {
    return this.#byCookies.get(cookieKey(initiatorCookie, responderCookie));
  }

  findPendingInitiator(initiatorCookie: Uint8Array): IkeSa | undefined {
    return this.#pendingInitiator.get(Buffer.from(initiatorCookie).toString('hex'));
  }

  peerChanged(sa: IkeSa, oldAddress: string, oldId: string): void {
    if (this.#byId.get(sa.id) !== sa) return;
    this.#byAddress.delete(oldAddress, sa);
    this.#byAddress.add(sa.remote.address, sa);
    this.#byPeer.delete(peerKey(oldAddress, oldId), sa);
    this.#byPeer.add(sa.peerKey, sa);
    this.#peerMoved?.(sa, oldAddress, oldId);
  }

  connectionChanged(sa: IkeSa, oldName: string): void {
    if (this.#byId.get(sa.id) !== sa) return;
    this.#byConnection.delete(oldName, sa);
    this.#byConnection.add(sa.connection.name, sa);
  }

  remove(sa: IkeSa): void {
    if (this.#byId.get(sa.id) === sa) {
      this.#byAddress.delete(sa.remote.address, sa);
      this.#byPeer.delete(sa.peerKey, sa);
      this.#byConnection.delete(sa.connection.name, sa);
      sa.peerIndex = undefined;
    }
    this.#byCookies.delete(sa.cookieKey);
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

  /** The number of SAs filed. */
  get size(): number {
    return this.#byId.size;
  }

  /** The SAs with a peer at this address. */
  atAddress(address: string): readonly IkeSa[] {
    return this.#byAddress.get(address);
  }

  /** Whether an SA other than `sa` has a peer at its address. */
  othersAtAddress(sa: IkeSa): boolean {
    const n = this.#byAddress.count(sa.remote.address);
    return n > 1 || (n === 1 && !this.#byAddress.has(sa.remote.address, sa));
  }

  /** The SAs with this peer: address and identity. */
  ofPeer(address: string, id: string): readonly IkeSa[] {
    return this.#byPeer.get(peerKey(address, id));
  }

  /**
   * The SAs of a connection, in the order `all()` lists them: initiator SAs still waiting for the
   * responder's cookie first.
   */
  ofConnection(name: string): IkeSa[] {
    const sas = this.#byConnection.get(name);
    const pending = sas.filter((sa) => this.#pendingInitiator.get(sa.initiatorCookie.toString('hex')) === sa);
    return pending.length === 0 ? [...sas] : [...pending, ...sas.filter((sa) => !pending.includes(sa))];
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
