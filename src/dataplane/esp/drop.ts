/**
 * Why the userspace data plane dropped a packet: typed codes, counted per SA (RFC 4303 section 3.4
 * lists the inbound checks; RFC 4301 section 5.2 the selector check after decryption). A drop is
 * never an exception and never a log line of its own (DEVELOPERS.md: bounded under attack).
 */
export const DROP_REASONS = [
  /** No inbound SA has the packet's SPI (RFC 4303 section 3.4.2). */
  'unknown-spi',
  /** Shorter than the header, IV and ICV, or a ciphertext not aligned to the cipher's block. */
  'truncated',
  /** The ICV (or the AEAD tag) did not verify (RFC 4303 section 3.4.4). */
  'bad-icv',
  /** A duplicate, or older than the anti-replay window (RFC 4303 section 3.4.3). */
  'replayed',
  /** The padding is not 1, 2, 3, ... or longer than the payload (RFC 4303 section 2.4). */
  'bad-padding',
  /** The inner packet's addresses are outside the SA's traffic selectors (RFC 4301 section 5.2). */
  'selector-mismatch',
  /** Not an IP packet, or a next header this mode cannot carry. */
  'malformed',
  /** The 32-bit (or 64-bit) sequence number would cycle: the SA must be rekeyed (RFC 4303 section 3.3.3). */
  'sequence-overflow',
  /** The SA reached its hard byte or packet limit (RFC 4301 section 4.4.2.1). */
  'hard-limit',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounts = Record<DropReason, number>;

export function emptyDropCounts(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

/** Whether a result of the packet functions is a drop (they return the packet or the reason). */
export function isDrop(result: Uint8Array | DropReason): result is DropReason {
  return typeof result === 'string';
}
