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
