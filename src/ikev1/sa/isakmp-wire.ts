/**
 * What an ISAKMP SA puts on the wire and takes off it: its cookies (RFC 2408 section 3.1), the
 * ISAKMP header, and its keys' encryption of the payload chain with the IV contexts of RFC 2409
 * Appendix B. `IkeSa` (ike-sa.ts) is built on this class.
 */
import {
  DecodeError,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
  type Message,
  type Payload,
} from '../../codec/index.js';
import type { IsakmpCipher, Skeyid } from '../../crypto/index.js';
import { keptBytes, keptView } from './own-bytes.js';
import { Phase1Fields } from './phase1-fields.js';

/** The SKEYID family and the ISAKMP SA's cipher state once the Diffie-Hellman exchange is done. */
export interface Phase1Keys {
  readonly skeyid: Skeyid;
  /** Ka and the IV contexts (RFC 2409 Appendix B). */
  readonly cipher: IsakmpCipher;
  /** Ka, for `list-sas --show-keys` and Wireshark; IsakmpCipher keeps its own copy private. */
  readonly ka: Buffer;
}

/**
 * A message's payloads as received (decrypted), with `hashed`: the bytes after its first payload
 * up to the padding, what a leading HASH covers (Quick Mode HASH(1) and HASH(2), an Informational's
 * HASH(1): RFC 2409 sections 5.5 and 5.7), verified over the bytes the peer sent rather than
 * over a re-encoding of what was decoded from them.
 */
export interface Decrypted {
  readonly payloads: readonly Payload[];
  readonly hashed: Uint8Array;
}

export abstract class IsakmpWire extends Phase1Fields {
  /**
   * Both cookies as one 16-character latin1 string (own-bytes.ts), which is also the key the SA is
   * filed under (`cookieKey`); Buffers are made on use.
   */
  #cookies: string;
  keys: Phase1Keys | undefined;

  constructor(initiatorCookie: Buffer, responderCookie: Buffer) {
    super();
    // Both cookies in one string of the SA's own (own-bytes.ts).
    this.#cookies = keptBytes(Buffer.concat([initiatorCookie, responderCookie]));
  }

  /** CKY-I, made from the SA's cookies (a Buffer kept per cookie cost 96 bytes an SA). */
  get initiatorCookie(): Buffer {
    return keptView(this.#cookies).subarray(0, 8);
  }

  /** CKY-R, made as CKY-I; `setResponderCookie` changes it. */
  get responderCookie(): Buffer {
    return keptView(this.#cookies).subarray(8, 16);
  }

  /** Sets (or, with zeros, clears) the responder cookie (the SA's `cookieKey` changes with it). */
  setResponderCookie(cookie: Uint8Array): void {
    const both = keptView(this.#cookies);
    both.set(cookie, 8);
    this.#cookies = keptBytes(both);
  }

  /** The cookie pair as 32 hex digits, the key under which the endpoint files this SA. */
  get cookiePair(): string {
    return `${this.initiatorCookie.toString('hex')}${this.responderCookie.toString('hex')}`;
  }

  get cookies(): { cookieI: Buffer; cookieR: Buffer } {
    const both = keptView(this.#cookies);
    return { cookieI: both.subarray(0, 8), cookieR: both.subarray(8, 16) };
  }

  header(exchangeType: number, messageId: number, commit = false): Message['header'] {
    const both = keptView(this.#cookies);
    return {
      initiatorCookie: both.subarray(0, 8),
      responderCookie: both.subarray(8, 16),
      majorVersion: 1,
      minorVersion: 0,
      exchangeType,
      commit,
      authenticationOnly: false,
      messageId,
    };
  }

  /** A message in the clear (phase 1 before the keys exist). */
  plainMessage(exchangeType: number, messageId: number, payloads: readonly Payload[]): Uint8Array {
    return encodeMessage({
      header: this.header(exchangeType, messageId),
      body: { encrypted: false, payloads },
    });
  }

  /**
   * A message encrypted under the ISAKMP SA (RFC 2408 section 3.1 E flag, RFC 2409 Appendix B):
   * the payload chain padded with zeros to the block size, its last ciphertext block the next IV.
   */
  encryptedMessage(
    exchangeType: number,
    messageId: number,
    payloads: readonly Payload[],
    commit = false,
  ): Uint8Array {
    return this.encryptedChain(exchangeType, messageId, encodePayloadChain(payloads), commit);
  }

  /** `encryptedMessage` of a payload chain already encoded (`encodePayloadChain`). */
  encryptedChain(
    exchangeType: number,
    messageId: number,
    chain: { readonly firstPayload: number; readonly bytes: Uint8Array },
    commit = false,
  ): Uint8Array {
    const ciphertext = this.requireKeys().cipher.encrypt(messageId, chain.bytes);
    return encodeMessage({
      header: this.header(exchangeType, messageId, commit),
      body: { encrypted: true, firstPayload: chain.firstPayload, ciphertext },
    });
  }

  /**
   * Decrypts a message without touching the IV state: the caller commits the IV with
   * `commitReceived` only after the message authenticated (RFC 2409 Appendix B; a forged packet
   * must change nothing).
   */
  decrypt(message: Message): Decrypted | { readonly failure: string } {
    // A message in the clear has no HASH that is verified (callers decrypt encrypted ones only):
    // nothing to cover, and a HASH checked over nothing fails.
    if (!message.body.encrypted) return { payloads: message.body.payloads, hashed: new Uint8Array(0) };
    const keys = this.requireKeys();
    const { ciphertext, firstPayload } = message.body;
    if (ciphertext.length === 0 || ciphertext.length % keys.cipher.cipher.blockSize !== 0) {
      return { failure: 'the ciphertext is not a whole number of blocks' };
    }
    const plaintext = keys.cipher.decrypt(message.header.messageId, ciphertext);
    try {
      const chain = decodePayloadChain(firstPayload, plaintext);
      const end = plaintext.length - chain.padding.length;
      // The first payload's length is in its generic header (RFC 2408 section 3.2).
      const first = end < 4 ? end : Math.min(end, ((plaintext[2] ?? 0) << 8) | (plaintext[3] ?? 0));
      return { payloads: chain.payloads, hashed: plaintext.subarray(first, end) };
    } catch (error) {
      if (error instanceof DecodeError)
        return { failure: `the decrypted payloads are malformed: ${error.message}` };
      throw error;
    }
  }

  /** Advances the IV context after an authenticated encrypted message (RFC 2409 Appendix B). */
  commitReceived(message: Message): void {
    if (message.body.encrypted)
      this.requireKeys().cipher.commit(message.header.messageId, message.body.ciphertext);
  }

  /**
   * Both cookies as one 16-character latin1 string, the key the SA is filed under
   * (ike-sa-table.ts): the SA's own string, so the table's key costs nothing more.
   */
  get cookieKey(): string {
    return this.#cookies;
  }

  requireKeys(): Phase1Keys {
    if (this.keys === undefined) throw new Error('IKE SA has no keys yet');
    return this.keys;
  }
}
