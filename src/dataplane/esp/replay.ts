/**
 * The receiver's anti-replay window (RFC 4303 section 3.4.3, Appendix A for 64-bit sequence
 * numbers). `check` runs before the ICV (a cheap reject of duplicates, section 3.4.3: "duplicates
 * are rejected ... before the integrity check"), `update` only after the ICV verified, so a forged
 * packet never moves the window.
 *
 * Sequence numbers are JS numbers: exact up to 2^53, which no SA reaches (2^53 packets at ten
 * million packets a second take 28 years; RFC 4303 section 3.3.3 makes the sender rekey first).
 * The window is a ring of 32-bit words, bit `seq mod (32 * words)` for `seq`.
 */
const TWO_32 = 0x1_0000_0000;

/** strongSwan's default (charon.replay_window = 32) and the size RFC 4303 section 3.4.3 requires at least. */
export const DEFAULT_REPLAY_WINDOW = 32;

export class ReplayWindow {
  /** Window size W in packets; 0 turns the replay check off (the top is still tracked for ESN). */
  readonly size: number;
  readonly #bits: Uint32Array;
  readonly #ringBits: number;
  /** T: the highest authenticated sequence number so far (0: none yet). */
  #top = 0;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < 0 || size > 1 << 20) {
      throw new RangeError(`replay window ${size} (0 to 1048576 packets)`);
    }
    this.size = size;
    // One word more than needed, so the bits of the window never share a word with a stale bit.
    const words = Math.ceil(size / 32) + 1;
    this.#bits = new Uint32Array(words);
    this.#ringBits = words * 32;
  }

  get top(): number {
    return this.#top;
  }

  /**
   * Whether `seq` may be new: above the top, or inside the window and not seen (RFC 4303
   * section 3.4.3). 0 is never valid: the first packet of an SA carries 1 (section 2.2).
   */
  check(seq: number): boolean {
    if (seq <= 0) return false;
    if (this.size === 0 || seq > this.#top) return true;
    if (this.#top - seq >= this.size) return false;
    const bit = seq % this.#ringBits;
    return ((this.#bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0;
  }

  /** Records an authenticated `seq` (call `check` first): slides the window when it is the new top. */
  update(seq: number): void {
    if (this.size === 0) {
      // No window: only the top is tracked (for ESN's high half).
      if (seq > this.#top) this.#top = seq;
      return;
    }
    if (seq > this.#top) {
      const shift = seq - this.#top;
      if (shift >= this.#ringBits) this.#bits.fill(0);
      else {
        // Clear the bits of the numbers skipped over (top+1 .. seq): never received yet.
        for (let s = this.#top + 1; s <= seq; s++) {
          const bit = s % this.#ringBits;
          const word = bit >>> 5;
          if ((bit & 31) === 0 && seq - s >= 31) {
            this.#bits[word] = 0;
            s += 31;
          } else this.#bits[word] = (this.#bits[word] ?? 0) & ~(1 << (bit & 31));
        }
      }
      this.#top = seq;
    }
    const bit = seq % this.#ringBits;
    const word = bit >>> 5;
    this.#bits[word] = (this.#bits[word] ?? 0) | (1 << (bit & 31));
  }

  /**
   * The full 64-bit sequence number of a packet carrying only its low 32 bits (RFC 4303 Appendix
   * A2.2), from the top T and the window W (at least 1 here, so an SA without a window still follows
   * the high half).
   */
  extend(low: number): number {
    const w = Math.max(this.size, 1);
    const th = Math.floor(this.#top / TWO_32);
    const tl = this.#top % TWO_32;
    if (tl >= w - 1) {
      // Case A: the window lies within one subspace.
      return (low >= tl - w + 1 ? th : th + 1) * TWO_32 + low;
    }
    // Case B: the window spans two subspaces; Bl = Tl - W + 1 mod 2^32.
    const bl = tl - w + 1 + TWO_32;
    if (low >= bl) return th === 0 ? low : (th - 1) * TWO_32 + low;
    return th * TWO_32 + low;
  }
}
