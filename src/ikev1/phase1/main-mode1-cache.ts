/**
 * What a Main Mode message 1 gets from each connection, remembered by the message's bytes after the
 * cookies (RFC 2408 section 3.1: everything but the cookies is the same in every message 1 an
 * implementation sends with one configuration). Message 2 depends on nothing else: our choice of
 * the proposal and our Vendor IDs follow from the offer, the peer's Vendor IDs and the connection
 * (its proposals, its `fragmentation`) alone, and the
 * cookies are the initiator's and our derived one (main-mode-offers.ts). So a message 1 whose bytes
 * after the cookies were seen before is answered without decoding it: the remembered message 2 is
 * copied and given the two cookies, and the offer record shares the remembered SAi_b.
 *
 * This is what makes a spoofed flood cheap to answer (issue 10 item C): a flood replays one
 * message 1 with fresh cookies, and so does every initiator of the same kind. A flood whose bytes
 * vary finds no entry and takes the full path (first-message.ts), which fills the cache; the cache
 * is bounded in entries and bytes, its oldest entry leaving first, so such a flood costs the
 * full path and no more.
 */
import type { ConnectionConfig } from '../../config/swanctl.js';
import type { NatTraversalVariant } from '../nat-traversal.js';
import type { Phase1Suite } from './phase1-proposal.js';

/** A connection's answer to a message 1. */
export interface AcceptedMainMode1 {
  readonly suite: Phase1Suite;
  /** SAi_b (RFC 2409 section 5), shared by every offer record made from this entry. */
  readonly saiBody: Uint8Array;
  readonly natVariant: NatTraversalVariant | undefined;
  readonly peerDpd: boolean;
  readonly peerFragmentation: boolean;
  /** Message 2 with both cookies zero (bytes 0-15), to be copied and given the cookies. */
  readonly reply: Uint8Array;
}

/** A connection's verdict: its answer, or null when it accepts none of the proposals. */
export type MainMode1Verdict = AcceptedMainMode1 | null;

/** Messages longer than this are not remembered (a message 1 of a real initiator is far shorter). */
export const MAX_CACHED_MESSAGE = 2048;
/** At most this many distinct messages 1 are remembered... */
export const MAX_CACHED_MESSAGES = 256;

/** The bytes of `data` after the cookies, as a Map key, or undefined when too long to remember. */
export function mainMode1Key(data: Uint8Array): string | undefined {
  if (data.length < 28 || data.length > MAX_CACHED_MESSAGE) return undefined;
  return Buffer.from(data.buffer, data.byteOffset, data.length).toString('latin1', 16);
}

export class MainMode1Cache {
  /** By message key, then by connection; oldest message first (Map insertion order). */
  readonly #byMessage = new Map<string, Map<ConnectionConfig, MainMode1Verdict>>();

  get size(): number {
    return this.#byMessage.size;
  }

  /** The verdicts known for a message (undefined: never seen). */
  verdicts(key: string): ReadonlyMap<ConnectionConfig, MainMode1Verdict> | undefined {
    return this.#byMessage.get(key);
  }

  /** Remembers `connection`'s verdict on the message with `key`. */
  set(key: string, connection: ConnectionConfig, verdict: MainMode1Verdict): void {
    let verdicts = this.#byMessage.get(key);
    if (verdicts === undefined) {
      // A bounded number of messages, each with at most one verdict per configured connection.
      while (this.#byMessage.size >= MAX_CACHED_MESSAGES) {
        const oldest = this.#byMessage.keys().next();
        if (oldest.done === true) break;
        this.#byMessage.delete(oldest.value);
      }
      verdicts = new Map();
      this.#byMessage.set(key, verdicts);
    }
    verdicts.set(connection, verdict);
  }

  /** Forgets everything (a reload brings new connections). */
  clear(): void {
    this.#byMessage.clear();
  }
}
