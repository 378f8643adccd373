/**
 * Acquires of the userspace data plane: a packet of a trap or protect policy without an SA asks the
 * daemon for one, once per reqid (again after the retry interval while none came, as XFRM's acquire
 * expiry), and a few packets wait for the SA (Linux XFRM queues too); a new round drops the packets
 * of the last one. docs/dataplane.md.
 */
import { formatIpv4, formatIpv6 } from '../../codec/address.js';
import type { BackendEvents } from '../backend.js';

/** Packets kept per pending acquire until its SA arrives (the device's own buffer is copied). */
const QUEUED_PER_ACQUIRE = 4;

function addressText(p: Uint8Array, offset: number, family: 4 | 6): string {
  return family === 4
    ? formatIpv4(p.subarray(offset, offset + 4))
    : formatIpv6(p.subarray(offset, offset + 16));
}

export class PendingAcquires {
  /** Per reqid: when the pending acquire was emitted and the packets waiting for its SA. */
  readonly #acquires = new Map<number, { at: number; queued: Buffer[] }>();

  /** `noSa` counts each packet that could not wait or whose SA never came. */
  constructor(
    private readonly retryMs: number,
    private readonly drops: { noSa: number },
  ) {}

  /** A packet for `reqid` without an SA: the acquire to emit, or undefined when one is pending. */
  packet(
    reqid: number,
    packet: Uint8Array,
    family: 4 | 6,
    now: number,
  ): BackendEvents['acquire'] | undefined {
    const pending = this.#acquires.get(reqid);
    if (pending !== undefined && now - pending.at < this.retryMs) {
      if (pending.queued.length < QUEUED_PER_ACQUIRE) pending.queued.push(Buffer.from(packet));
      else this.drops.noSa++;
      return undefined;
    }
    if (pending !== undefined) this.drops.noSa += pending.queued.length;
    this.#acquires.set(reqid, { at: now, queued: [Buffer.from(packet)] });
    const [src, dst] = family === 4 ? [12, 16] : [8, 24];
    return {
      reqid,
      source: addressText(packet, src, family),
      destination: addressText(packet, dst, family),
    };
  }

  /** The SA for `reqid` came: the packets that waited for it, and the acquire is over. */
  take(reqid: number): readonly Buffer[] {
    const pending = this.#acquires.get(reqid);
    this.#acquires.delete(reqid);
    return pending?.queued ?? [];
  }

  clear(): void {
    this.#acquires.clear();
  }
}
