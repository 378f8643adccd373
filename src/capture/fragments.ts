/**
 * Reassembly of fragmented IP packets (IPv4 and IPv6), enough for IKE messages that exceed the
 * path MTU (certificates). Fragments are keyed by version, addresses, protocol and identification;
 * a packet is complete when one fragment has "more fragments" clear and the pieces cover
 * everything before its end without gaps.
 */

const MAX_PACKET = 65_535 + 40;

interface Piece {
  readonly offset: number;
  readonly data: Buffer;
}

interface Pending {
  readonly pieces: Piece[];
  total?: number;
  firstFrame: number;
}

export interface Reassembled {
  readonly payload: Buffer;
  /** Frame number of the first fragment seen. */
  readonly firstFrame: number;
}

export class Reassembler {
  private readonly pending = new Map<string, Pending>();

  /** Adds a fragment; returns the whole payload once complete, or a string reason if it is unusable. */
  add(
    key: string,
    frame: number,
    offset: number,
    more: boolean,
    data: Buffer,
  ): Reassembled | string | undefined {
    let p = this.pending.get(key);
    if (p === undefined) {
      p = { pieces: [], firstFrame: frame };
      this.pending.set(key, p);
    }
    if (offset + data.length > MAX_PACKET) {
      this.pending.delete(key);
      return 'fragment beyond the maximum packet size';
    }
    p.pieces.push({ offset, data: Buffer.from(data) });
    if (!more) p.total = offset + data.length;
    if (p.total === undefined) return undefined;
    const sorted = [...p.pieces].sort((x, y) => x.offset - y.offset);
    let covered = 0;
    for (const piece of sorted) {
      if (piece.offset > covered) return undefined;
      covered = Math.max(covered, piece.offset + piece.data.length);
    }
    if (covered < p.total) return undefined;
    const out = Buffer.alloc(p.total);
    for (const piece of sorted)
      piece.data.copy(out, piece.offset, 0, Math.max(0, Math.min(piece.data.length, p.total - piece.offset)));
    this.pending.delete(key);
    return { payload: out, firstFrame: p.firstFrame };
  }

  /** First frames of fragment sets that never completed. */
  incomplete(): number[] {
    return [...this.pending.values()].map((p) => p.firstFrame);
  }
}
