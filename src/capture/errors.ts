/**
 * Errors of the capture reader. `CaptureError` is the only exception the parsers throw: a capture
 * file whose structure is broken (bad magic, a block or record running past the end, inconsistent
 * lengths). Problems inside a single packet (a truncated IP header, an unsupported link type) are
 * not errors: the frame is listed in `skipped` with a reason, unless `strict` is set.
 */

/** Stable machine-readable reasons. */
export type CaptureErrorCode =
  /** Not pcap/pcapng: the magic number is unknown. */
  | 'ERR_CAPTURE_BAD_MAGIC'
  /** A header, record or block runs past the end of the input. */
  | 'ERR_CAPTURE_TRUNCATED'
  /** A pcapng block is malformed (length not a multiple of 4, trailer mismatch, bad options). */
  | 'ERR_CAPTURE_BAD_BLOCK'
  /** A pcapng packet refers to an interface that was not described. */
  | 'ERR_CAPTURE_BAD_INTERFACE'
  /** A field has a value the format does not allow (unsupported version, if_tsresol out of range). */
  | 'ERR_CAPTURE_BAD_FIELD'
  /** Only with `strict`: a frame could not be decoded down to UDP. */
  | 'ERR_CAPTURE_BAD_PACKET';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  readonly code: CaptureErrorCode;
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  /** Human-readable reason (without the offset). */
  readonly reason: string;

  constructor(code: CaptureErrorCode, offset: number, reason: string) {
    super(`${reason} (at byte ${offset})`);
    this.code = code;
    this.offset = offset;
    this.reason = reason;
  }
}

/** Throws ERR_CAPTURE_TRUNCATED unless `length` bytes are available at `offset`. */
export function need(buf: Uint8Array, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > buf.length) {
    throw new CaptureError(
      'ERR_CAPTURE_TRUNCATED',
      offset,
      `${what} needs ${length} bytes, only ${Math.max(0, buf.length - offset)} left`,
    );
  }
}
