import { createHash } from 'node:crypto';

/**
 * Bytes an SA keeps for its lifetime (cookies, cached messages, SPIs) are copied into an
 * ArrayBuffer of their own: a small Buffer made by Buffer.from/concat/allocUnsafe is a slice of
 * Node's shared 8 kB pool, and one retained slice keeps the whole pool alive. With 100,000 SAs the
 * pools pinned that way cost kilobytes per SA (issue 12, bench/many-sas.ts).
 */
export function ownBytes(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

/**
 * Bytes an SA keeps for its lifetime (cookies, its last messages, a CHILD SA's SPIs and keys) as a
 * one-byte (latin1) string: a string lives on V8's heap, 16 bytes of header and one byte per byte.
 * An ArrayBuffer of its own, even a small one, takes about 230 bytes of malloc besides (its
 * backing store and the records that track it) and a Buffer view about 96 bytes of heap: with
 * 100,000 SAs that was most of the RSS above heap + external (issue 12, bench/many-sas.ts).
 * `keptView` makes a Buffer of them when they are used.
 */
export function keptBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The bytes `keptBytes` kept, as a fresh Buffer (a slice of Node's pool; not to be kept for long). */
export function keptView(kept: string): Buffer {
  return Buffer.from(kept, 'latin1');
}

/**
 * What an SA keeps of a received message to recognise an identical repeat (RFC 2408 section 5):
 * the first 16 bytes of its SHA-256 as a one-byte string (32 bytes on V8's heap, where a copy of a
 * 76-byte message with its Buffer and ArrayBuffer took about 350). Equal digests mean equal
 * messages: finding two that differ is a SHA-256 collision.
 */
export function messageDigest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest().toString('latin1', 0, 16);
}
