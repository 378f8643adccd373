/**
 * Bounds-checked big-endian reads and a growable writer. Network byte order throughout (RFC 2408 section 3).
 */
import { EncodeError, fail } from './errors.js';

/** Throws a truncation DecodeError unless `count` bytes from `offset` lie before `end`. */
export function need(end: number, offset: number, count: number, what: string): void {
  if (offset + count > end) throw fail.truncated(offset, what);
}

export function readU16(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

export function readU32(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) >>> 0) + (((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0));
}

export function readU8(b: Uint8Array, o: number): number {
  return b[o] ?? 0;
}

/** Throws a RESERVED DecodeError unless bytes [offset, offset+count) are all zero. */
export function needZero(b: Uint8Array, offset: number, count: number, what: string): void {
  for (let i = 0; i < count; i++) if (b[offset + i] !== 0) throw fail.reserved(offset + i, what);
}

/** A growable byte buffer; lengths are patched in once known. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number, path: string): void {
    checkRange(v, 0xff, path);
    this.room(1);
    this.buf[this.len++] = v;
  }

  u16(v: number, path: string): void {
    checkRange(v, 0xffff, path);
    this.room(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v & 0xff;
  }

  u32(v: number, path: string): void {
    checkRange(v, 0xffffffff, path);
    this.room(4);
    this.buf[this.len++] = v >>> 24;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  zeros(n: number): void {
    this.room(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }

  /** Writes a 16-bit length at `at` (a position already written). */
  patchU16(at: number, v: number, path: string): void {
    if (v > 0xffff) throw new EncodeError(path, `length ${v} does not fit in 16 bits`);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  patchU32(at: number, v: number): void {
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = (v >>> 16) & 0xff;
    this.buf[at + 2] = (v >>> 8) & 0xff;
    this.buf[at + 3] = v & 0xff;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function checkRange(v: number, max: number, path: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new EncodeError(path, `${v} is not an integer in 0..${max}`);
}

/** Checks that `b` is a Uint8Array of exactly `size` bytes (when given). */
export function checkBytes(b: unknown, path: string, size?: number): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new EncodeError(path, 'not a Uint8Array');
  if (size !== undefined && b.length !== size)
    throw new EncodeError(path, `must be ${size} bytes, not ${b.length}`);
  return b;
}
