import { CryptoError, InvalidLengthError } from './errors.js';
import type { HashName } from './prf.js';
import { phase2Iv } from './skeyid.js';

// CBC IV state of one ISAKMP SA (RFC 2409 Appendix B).
//
// Phase 1: the first message uses hash(g^xi | g^xr); every later message uses the last ciphertext
// block of the previous message. "In all cases, there is a single bidirectional cipher/IV
// context": the previous message is the previous one of the exchange, sent or received.
// Phase 2 / Informational: each exchange (message ID) has its own context, starting from
// hash(last phase 1 CBC block | M-ID), then chaining like phase 1. Keeping one context per
// message ID stops simultaneous exchanges from desynchronising each other's IVs.

/**
 * Default cap on live per-message-ID contexts: a peer opening exchange after exchange cannot grow
 * the state without bound; the least recently used context is dropped (strongSwan keeps a similar
 * LRU list, `max_ikev1_exchanges`).
 */
export const DEFAULT_MAX_EXCHANGES = 8;

export class IvState {
  readonly hash: HashName;
  readonly blockSize: number;
  readonly maxExchanges: number;
  #phase1: Buffer;
  /**
   * Insertion order is recency order (re-inserted on use). Made with the first phase 2 exchange and
   * dropped with the last: an idle ISAKMP SA holds none, and an empty Map costs about 180 bytes
   * (issue 12: memory per SA).
   */
  #exchanges: Map<number, Buffer> | undefined;

  constructor(
    hashName: HashName,
    blockSize: number,
    phase1InitialIv: Uint8Array,
    maxExchanges: number = DEFAULT_MAX_EXCHANGES,
  ) {
    if (phase1InitialIv.length !== blockSize) {
      throw new InvalidLengthError('phase 1 IV', phase1InitialIv.length, `${blockSize}`);
    }
    this.hash = hashName;
    this.blockSize = blockSize;
    this.maxExchanges = maxExchanges;
    this.#phase1 = Buffer.from(phase1InitialIv);
  }

  #remember(messageId: number, iv: Buffer): void {
    this.#exchanges ??= new Map();
    const exchanges = this.#exchanges;
    exchanges.delete(messageId);
    exchanges.set(messageId, iv);
    while (exchanges.size > this.maxExchanges) {
      const oldest = exchanges.keys().next().value;
      if (oldest === undefined) break;
      exchanges.delete(oldest);
    }
  }

  /** The IV for the next message of exchange `messageId` (0 = phase 1 Main/Aggressive Mode). */
  current(messageId: number): Buffer {
    if (messageId === 0) return Buffer.from(this.#phase1);
    const iv =
      this.#exchanges?.get(messageId) ?? phase2Iv(this.hash, this.#phase1, messageId, this.blockSize);
    this.#remember(messageId, iv);
    return Buffer.from(iv);
  }

  /**
   * The IV `current` would give, without creating or touching any context: for decrypting a
   * received message before it is authenticated, so that a forged packet (say with a made-up
   * message ID) changes nothing and evicts no live context.
   */
  peek(messageId: number): Buffer {
    if (messageId === 0) return Buffer.from(this.#phase1);
    const known = this.#exchanges?.get(messageId);
    // A fresh phase 2 IV is nobody else's: no copy.
    return known === undefined
      ? phase2Iv(this.hash, this.#phase1, messageId, this.blockSize)
      : Buffer.from(known);
  }

  /**
   * Records a message of exchange `messageId` that was sent or successfully received (decrypted
   * and its HASH verified): its last ciphertext block is the next IV. Do not call it for a message
   * that failed to verify, nor for retransmissions.
   */
  advance(messageId: number, ciphertext: Uint8Array): void {
    if (ciphertext.length < this.blockSize || ciphertext.length % this.blockSize !== 0) {
      throw new InvalidLengthError('ciphertext', ciphertext.length, `a multiple of ${this.blockSize}`);
    }
    const last = Buffer.from(ciphertext.subarray(ciphertext.length - this.blockSize));
    if (messageId === 0) this.#phase1 = last;
    else this.#remember(messageId, last);
  }

  /**
   * Keeps the phase 1 IV (the one phase 2 IVs derive from once phase 1 is over) in `into`, a
   * buffer its owner never changes, instead of a slice of Node's shared pool (IsakmpCipher.keepKeyIn).
   */
  keepPhase1IvIn(into: Buffer): void {
    if (into.length !== this.blockSize)
      throw new InvalidLengthError('phase 1 IV', into.length, `${this.blockSize}`);
    into.set(this.#phase1);
    this.#phase1 = into;
  }

  /** Drops the context of a finished (or abandoned) Quick Mode / Informational exchange. */
  forget(messageId: number): void {
    if (messageId === 0) throw new CryptoError('ERR_IKE_IV', 'the phase 1 IV context cannot be dropped');
    this.#exchanges?.delete(messageId);
    if (this.#exchanges?.size === 0) this.#exchanges = undefined;
  }

  /** Message IDs with a live context. */
  exchanges(): number[] {
    return [...(this.#exchanges?.keys() ?? [])];
  }
}
