/**
 * Errors of the wire codec.
 *
 * `DecodeError` is the only exception the decoders throw. It names the byte offset where decoding failed
 * (from the start of the buffer given to the decoder, or from `baseOffset` when one is given) and the
 * ISAKMP notify message type (RFC 2408 section 3.14.1) a receiver would answer with.
 * `EncodeError` is thrown by the encoders when a typed value cannot be put on the wire (a cookie that is
 * not 8 bytes, a number out of its field's range, a length that does not fit in 16 bits, ...).
 */
import { NotifyType, nameOrNumber } from './numbers.js';

/** The reasons a decoder gives up, as stable `code` strings. */
export type DecodeErrorCode =
  | 'ERR_ISAKMP_TRUNCATED'
  | 'ERR_ISAKMP_LENGTH_MISMATCH'
  | 'ERR_ISAKMP_BAD_PAYLOAD_LENGTH'
  | 'ERR_ISAKMP_INVALID_MAJOR_VERSION'
  | 'ERR_ISAKMP_INVALID_MINOR_VERSION'
  | 'ERR_ISAKMP_INVALID_EXCHANGE_TYPE'
  | 'ERR_ISAKMP_INVALID_FLAGS'
  | 'ERR_ISAKMP_INVALID_PAYLOAD_TYPE'
  | 'ERR_ISAKMP_RESERVED_NOT_ZERO'
  | 'ERR_ISAKMP_DOI_NOT_SUPPORTED'
  | 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX'
  | 'ERR_ISAKMP_INVALID_SPI'
  | 'ERR_ISAKMP_BAD_ATTRIBUTE'
  | 'ERR_ISAKMP_ATTRIBUTE_FORM'
  | 'ERR_ISAKMP_INVALID_ID'
  | 'ERR_ISAKMP_MALFORMED';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Stable machine-readable code. */
  readonly code: DecodeErrorCode;
  /** Byte offset of the offending field. */
  readonly offset: number;
  /** Human-readable reason (without the offset). */
  readonly reason: string;
  /** The RFC 2408 section 3.14.1 notify message type to answer with (a `NotifyType` value). */
  readonly notifyType: number;

  constructor(code: DecodeErrorCode, offset: number, reason: string, notifyType: number) {
    super(`${reason} (at byte ${offset}; ${nameOrNumber(NotifyType, notifyType)})`);
    this.code = code;
    this.offset = offset;
    this.reason = reason;
    this.notifyType = notifyType;
  }

  /** The same error with its offset moved by `delta` (used when decoding a part of a larger buffer). */
  shifted(delta: number): DecodeError {
    return delta === 0 ? this : new DecodeError(this.code, this.offset + delta, this.reason, this.notifyType);
  }
}

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  readonly code = 'ERR_ISAKMP_ENCODE';
  /** Where in the typed value the problem is, e.g. `payloads[2].proposals[0].spi`. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
  }
}

/** Shorthands for the errors the decoders raise most often. */
export const fail = {
  truncated: (offset: number, what: string): DecodeError =>
    new DecodeError(
      'ERR_ISAKMP_TRUNCATED',
      offset,
      `${what} runs past the end of its data`,
      NotifyType.PAYLOAD_MALFORMED,
    ),
  malformed: (offset: number, reason: string): DecodeError =>
    new DecodeError('ERR_ISAKMP_MALFORMED', offset, reason, NotifyType.PAYLOAD_MALFORMED),
  reserved: (offset: number, what: string): DecodeError =>
    new DecodeError(
      'ERR_ISAKMP_RESERVED_NOT_ZERO',
      offset,
      `RESERVED field of ${what} is not zero`,
      NotifyType.PAYLOAD_MALFORMED,
    ),
};
