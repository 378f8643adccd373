/**
 * Reassembly of IKEv1 fragments (payload 132), bounded in memory and in time. Fragments carry no
 * offset, only a number from 1 and a LAST_FRAGMENT flag on the last one; the message is whole once
 * every number from 1 to the last one is held (strongSwan's `add_fragment_v1`, libreswan's
 * `st_v1_rfrags` work the same way).
 *
 * Each owner (an ISAKMP SA, a Main Mode offer, or the sender of a first message) has at most one
 * message in reassembly, as in strongSwan. A fragment of another message (another fragment ID,
 * exchange type, message ID or cookies in its header) replaces it, as strongSwan resets on a new
 * fragment ID. But strongSwan and libreswan send fragment ID 1 always, and strongSwan message ID 0
 * and the phase 1 exchange type always, so a retransmitted phase 1 message and the next Quick Mode
 * message carry the same header: a fragment that contradicts the message in reassembly (a number
 * already held with other data, a number past the last fragment, a last fragment below a number
 * held) is therefore taken for the first of another message, which replaces the partial one (found
 * by the lossy-network test: a retransmitted Aggressive Mode message 2 and Quick Mode message 2
 * mixed for ever otherwise). An identical copy of a fragment held is a duplicate and dropped, as
 * are number 0 (strongSwan refuses it) and numbers beyond `maxFragments`.
 *
 * Bounds: per message `maxFragments` fragments and `maxMessageBytes` bytes (past it the message is
 * dropped, as strongSwan does past `max_packet`); at most `maxReassemblies` messages of known
 * owners and `maxFirst` first messages, the oldest dropped for a new one; `maxBytes` held in all,
 * first messages dropped first. A message that received no new fragment for `timeout` ms is
 * dropped, so fragments of successive retransmissions combine, and a message lives at most
 * `maxFragments` times `timeout` (duplicates do not count). Partial messages are kept in order of
 * their latest new fragment, so expiry and eviction take the oldest in constant time: each
 * fragment costs the same whatever is held.
 */
import { FragmentFlag, type FragmentPayload } from '../../codec/index.js';

export interface ReassemblyLimits {
  readonly maxFragments: number;
  readonly maxMessageBytes: number;
  readonly maxReassemblies: number;
  readonly maxFirst: number;
  readonly maxBytes: number;
  readonly timeout: number;
}

export type FragmentOutcome =
  | { readonly kind: 'held' }
  | { readonly kind: 'complete'; readonly message: Uint8Array; readonly fragments: number }
  | { readonly kind: 'dropped'; readonly reason: string };

interface PartialMessage {
  readonly key: string;
  readonly identity: string;
  /** When its latest new fragment came. */
  touchedAt: number;
  readonly first: boolean;
  readonly fragments: Map<number, Uint8Array>;
  last: number | undefined;
  bytes: number;
}

const dropped = (reason: string): FragmentOutcome => ({ kind: 'dropped', reason });

/** A fragment numbered past the last one, a second last one, or a last one below a number held. */
function contradicts(partial: PartialMessage, number: number, isLast: boolean): boolean {
  if (partial.last !== undefined) return number > partial.last || (isLast && number !== partial.last);
  return isLast && [...partial.fragments.keys()].some((n) => n > number);
}

export class FragmentReassembly {
  /** Partial messages of known owners and of first messages, each in arrival order. */
  readonly #known = new Map<string, PartialMessage>();
  readonly #first = new Map<string, PartialMessage>();
  #bytes = 0;

  constructor(private readonly limits: () => ReassemblyLimits) {}

  /** Messages in reassembly (known owners, first messages) and the fragment bytes they hold. */
  get size(): number {
    return this.#known.size + this.#first.size;
  }
  get firstMessages(): number {
    return this.#first.size;
  }
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a fragment for `key`'s owner; `identity` names the message it belongs to, `first` puts it
   * in the first-message pool. The data is copied: the datagram's buffer is not kept.
   */
  add(
    now: number,
    key: string,
    first: boolean,
    identity: string,
    fragment: FragmentPayload,
  ): FragmentOutcome {
    const limits = this.limits();
    this.expire(now);
    const number = fragment.fragmentNumber;
    if (number === 0) return dropped('fragment number 0');
    if (number > limits.maxFragments) return dropped(`fragment number ${number} past the limit`);
    if (fragment.data.length > limits.maxMessageBytes)
      return dropped('fragment larger than a message may be');
    const pool = first ? this.#first : this.#known;
    let partial = pool.get(key);
    if (partial !== undefined && partial.identity !== identity) {
      this.#remove(partial);
      partial = undefined;
    }
    const isLast = (fragment.flags & FragmentFlag.LAST_FRAGMENT) !== 0;
    if (partial !== undefined) {
      const held = partial.fragments.get(number);
      if (held !== undefined && Buffer.from(held).equals(fragment.data)) return dropped('duplicate fragment');
      if (held !== undefined || contradicts(partial, number, isLast)) {
        this.#remove(partial);
        partial = undefined;
      }
    }
    if (partial !== undefined) {
      if (partial.bytes + fragment.data.length > limits.maxMessageBytes) {
        this.#remove(partial);
        return dropped('fragmented message too large');
      }
    } else {
      partial = this.#create(now, key, first, identity, limits);
    }
    partial.fragments.set(number, Uint8Array.from(fragment.data));
    partial.touchedAt = now;
    pool.delete(key);
    pool.set(key, partial);
    partial.bytes += fragment.data.length;
    this.#bytes += fragment.data.length;
    if (isLast) partial.last = number;
    this.#evictBytes(limits.maxBytes);
    if (pool.get(key) !== partial) return dropped('reassembly memory full');
    if (partial.last === undefined || partial.fragments.size !== partial.last) return { kind: 'held' };
    this.#remove(partial);
    const pieces: Uint8Array[] = [];
    for (let n = 1; n <= partial.last; n++) pieces.push(partial.fragments.get(n) as Uint8Array);
    return { kind: 'complete', message: Buffer.concat(pieces), fragments: partial.last };
  }

  /** Drops the message in reassembly for `key` (its ISAKMP SA is gone). */
  forget(key: string): void {
    const partial = this.#known.get(key);
    if (partial !== undefined) this.#remove(partial);
  }

  /** Drops the messages whose latest new fragment came `timeout` ms ago or more. */
  expire(now: number): void {
    const { timeout } = this.limits();
    for (const pool of [this.#known, this.#first])
      for (const partial of pool.values()) {
        if (partial.touchedAt + timeout > now) break;
        this.#remove(partial);
      }
  }

  #create(
    now: number,
    key: string,
    first: boolean,
    identity: string,
    limits: ReassemblyLimits,
  ): PartialMessage {
    const pool = first ? this.#first : this.#known;
    const bound = first ? limits.maxFirst : limits.maxReassemblies;
    for (const oldest of pool.values()) {
      if (pool.size < bound) break;
      this.#remove(oldest);
    }
    const partial: PartialMessage = {
      key,
      identity,
      touchedAt: now,
      first,
      fragments: new Map(),
      last: undefined,
      bytes: 0,
    };
    pool.set(key, partial);
    return partial;
  }

  /** Past `maxBytes`, the oldest first messages go, then the oldest messages of known owners. */
  #evictBytes(maxBytes: number): void {
    for (const pool of [this.#first, this.#known])
      for (const oldest of pool.values()) {
        if (this.#bytes <= maxBytes) return;
        this.#remove(oldest);
      }
  }

  #remove(partial: PartialMessage): void {
    const pool = partial.first ? this.#first : this.#known;
    if (pool.get(partial.key) !== partial) return;
    pool.delete(partial.key);
    this.#bytes -= partial.bytes;
  }
}
