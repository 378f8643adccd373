/**
 * Whole ISAKMP messages: the header (RFC 2408 section 3.1) and its body.
 *
 * Header checks, in this order, each answered with the notify type RFC 2408 section 5.1/5.2 names:
 * datagram at least 28 bytes (PAYLOAD-MALFORMED); Length field equal to the datagram size
 * (UNEQUAL-PAYLOAD-LENGTHS, section 5.1); major version 1 (INVALID-MAJOR-VERSION) and minor version 0
 * (INVALID-MINOR-VERSION); a known exchange type (INVALID-EXCHANGE-TYPE); no flag beyond E, C, A
 * (INVALID-FLAGS); a valid Next Payload (INVALID-PAYLOAD-TYPE). Cookies and message IDs are not judged here:
 * whether they are acceptable depends on exchange state (the exchange layer answers INVALID-COOKIE /
 * INVALID-MESSAGE-ID).
 *
 * With the E flag the body is kept as ciphertext; `decodePayloadChain` parses it once decrypted, ignoring the
 * padding after the last payload (RFC 2408 section 3.1: the header Length includes it; RFC 2409 section 5.3).
 *
 * Leniency: an unencrypted message may end with up to `MAX_PLAIN_PADDING` zero bytes after its last payload,
 * inside the header's Length. RFC 2408 does not allow them, but deployed implementations pad unencrypted
 * messages to a multiple of 4 bytes, and they are harmless: nothing is signed or hashed over the whole message
 * (the HASHes cover payload bodies, RFC 2409 section 5). They are kept in `PlainBody.padding`, so the message
 * re-encodes byte-exact. A non-zero byte or a longer tail is still refused with UNEQUAL-PAYLOAD-LENGTHS
 * (section 5.1): it is not padding, and may be a payload the chain does not name.
 */
import { ByteWriter, checkBytes, readU8, readU32 } from './bytes.js';
import { DecodeError, EncodeError, fail } from './errors.js';
import { ExchangeType, HeaderFlag, NotifyType } from './numbers.js';
import { decodeChain, encodeChain, isDecodablePayloadType } from './payloads.js';
import type { Header, Message, Payload, PayloadChain } from './types.js';

/** Size of the ISAKMP header. */
export const HEADER_LENGTH = 28;

/** The most zero bytes accepted after the last payload of an unencrypted message (padding to 16 at most). */
export const MAX_PLAIN_PADDING = 15;

const EXCHANGES = new Set<number>(Object.values(ExchangeType).filter((v) => v !== ExchangeType.NONE));
const ALL_FLAGS = HeaderFlag.ENCRYPTION | HeaderFlag.COMMIT | HeaderFlag.AUTHENTICATION_ONLY;

/** A plain Uint8Array view of the same memory (so a Buffer input yields Uint8Array fields, not Buffers). */
function asPlainView(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Decodes one ISAKMP message (a whole UDP payload, without the non-ESP marker). Throws only DecodeError. */
export function decodeMessage(bytes: Uint8Array): Message {
  const b = asPlainView(bytes);
  if (b.length < HEADER_LENGTH) throw fail.truncated(b.length, 'ISAKMP header');
  const length = readU32(b, 24);
  if (length !== b.length) {
    throw new DecodeError(
      'ERR_ISAKMP_LENGTH_MISMATCH',
      24,
      `header length ${length} differs from the ${b.length} bytes received`,
      NotifyType.UNEQUAL_PAYLOAD_LENGTHS,
    );
  }
  const version = readU8(b, 17);
  if (version >> 4 !== 1) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_MAJOR_VERSION',
      17,
      `major version ${version >> 4}`,
      NotifyType.INVALID_MAJOR_VERSION,
    );
  }
  if ((version & 0x0f) !== 0) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_MINOR_VERSION',
      17,
      `minor version ${version & 0x0f}`,
      NotifyType.INVALID_MINOR_VERSION,
    );
  }
  const exchangeType = readU8(b, 18);
  if (!EXCHANGES.has(exchangeType)) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_EXCHANGE_TYPE',
      18,
      `exchange type ${exchangeType}`,
      NotifyType.INVALID_EXCHANGE_TYPE,
    );
  }
  const flags = readU8(b, 19);
  if ((flags & ~ALL_FLAGS) !== 0) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_FLAGS',
      19,
      `flags 0x${flags.toString(16)}`,
      NotifyType.INVALID_FLAGS,
    );
  }
  const header: Header = {
    initiatorCookie: b.subarray(0, 8),
    responderCookie: b.subarray(8, 16),
    majorVersion: 1,
    minorVersion: 0,
    exchangeType,
    commit: (flags & HeaderFlag.COMMIT) !== 0,
    authenticationOnly: (flags & HeaderFlag.AUTHENTICATION_ONLY) !== 0,
    messageId: readU32(b, 20),
  };
  const first = readU8(b, 16);
  if ((flags & HeaderFlag.ENCRYPTION) !== 0) {
    if (!isDecodablePayloadType(first)) {
      throw new DecodeError(
        'ERR_ISAKMP_INVALID_PAYLOAD_TYPE',
        16,
        `payload type ${first} is not valid here`,
        NotifyType.INVALID_PAYLOAD_TYPE,
      );
    }
    return { header, body: { encrypted: true, firstPayload: first, ciphertext: b.subarray(HEADER_LENGTH) } };
  }
  const chain = decodeChain(b, first, 16, HEADER_LENGTH, b.length);
  if (chain.end === b.length) return { header, body: { encrypted: false, payloads: chain.payloads } };
  const padding = b.subarray(chain.end);
  if (padding.length > MAX_PLAIN_PADDING || padding.some((x) => x !== 0)) {
    throw new DecodeError(
      'ERR_ISAKMP_LENGTH_MISMATCH',
      chain.end,
      `${padding.length} bytes after the last payload${padding.length > MAX_PLAIN_PADDING ? '' : ', not all zero'}`,
      NotifyType.UNEQUAL_PAYLOAD_LENGTHS,
    );
  }
  return { header, body: { encrypted: false, payloads: chain.payloads, padding } };
}

/** The result of `tryDecodeMessage`: never throws. */
export type DecodeResult =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly error: DecodeError };

/** Non-throwing `decodeMessage`. */
export function tryDecodeMessage(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, message: decodeMessage(bytes) };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: e };
    throw e;
  }
}

/**
 * Parses a decrypted body: the payload chain starting with `firstPayload` (the header's Next Payload),
 * followed by padding, returned as is. Error offsets are counted from the start of the message
 * (`baseOffset` = 28, the header size, by default).
 */
export function decodePayloadChain(
  firstPayload: number,
  plaintext: Uint8Array,
  baseOffset = HEADER_LENGTH,
): PayloadChain {
  try {
    const b = asPlainView(plaintext);
    const chain = decodeChain(b, firstPayload, 16 - baseOffset, 0, b.length);
    return { payloads: chain.payloads, padding: b.subarray(chain.end) };
  } catch (e) {
    if (e instanceof DecodeError) throw e.shifted(baseOffset);
    throw e;
  }
}

/** Encodes a payload chain (for the caller to encrypt); `padding` is appended after the last payload. */
export function encodePayloadChain(
  payloads: readonly Payload[],
  padding: Uint8Array = new Uint8Array(0),
): { readonly firstPayload: number; readonly bytes: Uint8Array } {
  const w = new ByteWriter();
  const firstPayload = encodeChain(w, payloads, 'payloads');
  w.bytes(checkBytes(padding, 'padding'));
  return { firstPayload, bytes: w.result() };
}

/**
 * `encodePayloadChain([first, ...rest])` from `rest` already encoded: the HASH payload a Quick Mode
 * message starts with (RFC 2409 section 5.5) goes before the payloads it covers, which are then
 * not encoded a second time. The bytes are those of encoding the whole chain at once.
 */
export function prependPayload(
  first: Payload,
  rest: { readonly firstPayload: number; readonly bytes: Uint8Array },
): { readonly firstPayload: number; readonly bytes: Uint8Array } {
  const head = encodePayloadChain([first]);
  const bytes = new Uint8Array(head.bytes.length + rest.bytes.length);
  bytes.set(head.bytes, 0);
  // The generic payload header's first byte names the next payload (RFC 2408 section 3.2).
  bytes[0] = rest.firstPayload;
  bytes.set(rest.bytes, head.bytes.length);
  return { firstPayload: head.firstPayload, bytes };
}

/** Encodes a message; lengths and the next-payload chain are computed. Throws EncodeError on invalid values. */
export function encodeMessage(message: Message): Uint8Array {
  const h = message.header;
  const w = new ByteWriter();
  w.bytes(checkBytes(h.initiatorCookie, 'header.initiatorCookie', 8));
  w.bytes(checkBytes(h.responderCookie, 'header.responderCookie', 8));
  w.u8(0, 'header.nextPayload');
  if (h.majorVersion > 15 || h.minorVersion > 15)
    throw new EncodeError('header.majorVersion', 'versions are 4 bits');
  w.u8((h.majorVersion << 4) | h.minorVersion, 'header.majorVersion');
  w.u8(h.exchangeType, 'header.exchangeType');
  const body = message.body;
  const flags =
    (body.encrypted ? HeaderFlag.ENCRYPTION : 0) |
    (h.commit ? HeaderFlag.COMMIT : 0) |
    (h.authenticationOnly ? HeaderFlag.AUTHENTICATION_ONLY : 0);
  w.u8(flags, 'header.flags');
  w.u32(h.messageId, 'header.messageId');
  w.u32(0, 'header.length');
  let first: number;
  if (body.encrypted) {
    w.bytes(checkBytes(body.ciphertext, 'body.ciphertext'));
    first = body.firstPayload;
    if (!Number.isInteger(first) || first < 0 || first > 255)
      throw new EncodeError('body.firstPayload', 'not a byte');
  } else {
    first = encodeChain(w, body.payloads, 'body.payloads');
    if (body.padding !== undefined) {
      const padding = checkBytes(body.padding, 'body.padding');
      if (padding.length > MAX_PLAIN_PADDING || padding.some((x) => x !== 0))
        throw new EncodeError('body.padding', `at most ${MAX_PLAIN_PADDING} zero bytes`);
      w.bytes(padding);
    }
  }
  const out = w.result();
  out[16] = first;
  const len = out.length;
  out[24] = len >>> 24;
  out[25] = (len >>> 16) & 0xff;
  out[26] = (len >>> 8) & 0xff;
  out[27] = len & 0xff;
  return out;
}
