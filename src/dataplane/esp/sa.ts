/**
 * One IPsec SA, one direction, as the userspace data plane keeps it (RFC 4301 section 4.4.2.1):
 * SPI, mode, outer addresses, the transforms with their keys, the sequence counter (outbound) or
 * the anti-replay window (inbound), the selectors an inbound tunnel checks, lifetime counters with
 * their soft/hard limits, and the drops by reason. Sans-I/O: the clock arrives with each packet.
 */
import type { IpsecMode, IpsecProtocolName, SaLimits, Selector } from '../backend.js';
import { type DropCounts, type DropReason, emptyDropCounts } from './drop.js';
import { addressBytes } from './ip.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay.js';
import { SaTransforms, type TransformKeys } from './transforms.js';

export const NO_LIMITS: SaLimits = { softBytes: 0n, hardBytes: 0n, softPackets: 0n, hardPackets: 0n };

export interface SaSpec extends TransformKeys {
  readonly protocol: IpsecProtocolName;
  readonly direction: 'in' | 'out';
  readonly mode: IpsecMode;
  readonly spi: number;
  /** Outer addresses: the sender and the receiver of this SA's packets. */
  readonly source: string;
  readonly destination: string;
  /** 64-bit extended sequence numbers (RFC 4303 section 2.2.1); IKEv1 SAs use 32-bit ones. */
  readonly esn?: boolean;
  /** Anti-replay window in packets (inbound); default 32 as strongSwan; 0 turns it off. */
  readonly replayWindow?: number;
  readonly limits?: SaLimits;
  /**
   * Selectors of the SA from this host's point of view (RFC 4301 section 4.4.2.1): an inbound
   * packet's source must lie in a remote one and its destination in a local one (section 5.2).
   * Empty: no check.
   */
  readonly localTs?: readonly Selector[];
  readonly remoteTs?: readonly Selector[];
}

/** Source of the explicit IVs: fills `out` (RFC 3602 section 2.1: CBC IVs must be unpredictable). */
export type IvSource = (out: Buffer) => void;

export type ExpireListener = (hard: boolean) => void;

export class IpsecSa {
  readonly protocol: IpsecProtocolName;
  readonly direction: 'in' | 'out';
  readonly mode: IpsecMode;
  readonly spi: number;
  source: string;
  destination: string;
  sourceBytes: Buffer;
  destinationBytes: Buffer;
  readonly family: 4 | 6;
  readonly esn: boolean;
  readonly transforms: SaTransforms;
  readonly replay: ReplayWindow;
  readonly limits: SaLimits;
  readonly #soft: { readonly bytes: number; readonly packets: number };
  readonly #hard: { readonly bytes: number; readonly packets: number };
  readonly localTs: readonly Selector[];
  readonly remoteTs: readonly Selector[];
  /** Outbound: the last sequence number sent (the first packet carries 1, RFC 4303 section 3.3.3). */
  sequence = 0;
  /** Counters as numbers (exact to 2^53; a bigint per packet would cost an allocation). */
  bytes = 0;
  packets = 0;
  lastUsedAt: number | undefined;
  readonly drops: DropCounts = emptyDropCounts();
  /** Whether the soft / hard expiry was reported (each once). */
  softExpired = false;
  hardExpired = false;
  /** Called once at the soft and once at the hard limit (bytes, packets or sequence overflow). */
  onExpire: ExpireListener | undefined;

  constructor(spec: SaSpec) {
    this.protocol = spec.protocol;
    this.direction = spec.direction;
    this.mode = spec.mode;
    this.spi = spec.spi >>> 0;
    this.source = spec.source;
    this.destination = spec.destination;
    this.sourceBytes = addressBytes(spec.source);
    this.destinationBytes = addressBytes(spec.destination);
    if (this.sourceBytes.length !== this.destinationBytes.length) {
      throw new RangeError(`SA ${this.spi.toString(16)}: outer addresses of two families`);
    }
    this.family = this.sourceBytes.length === 4 ? 4 : 6;
    this.esn = spec.esn ?? false;
    this.transforms = new SaTransforms(spec);
    this.replay = new ReplayWindow(spec.replayWindow ?? DEFAULT_REPLAY_WINDOW);
    this.limits = spec.limits ?? NO_LIMITS;
    const limit = (v: bigint): number => (v > 0n ? Number(v) : Number.POSITIVE_INFINITY);
    this.#soft = { bytes: limit(this.limits.softBytes), packets: limit(this.limits.softPackets) };
    this.#hard = { bytes: limit(this.limits.hardBytes), packets: limit(this.limits.hardPackets) };
    this.localTs = spec.localTs ?? [];
    this.remoteTs = spec.remoteTs ?? [];
  }

  /** New outer addresses (a NAT mapping change, RFC 3948 section 3.3 / updateSa). */
  setAddresses(source: string, destination: string): void {
    const s = addressBytes(source);
    const d = addressBytes(destination);
    if (s.length !== this.sourceBytes.length || d.length !== s.length) {
      throw new RangeError(`SA ${this.spi.toString(16)}: new outer addresses of another family`);
    }
    this.sourceBytes = s;
    this.destinationBytes = d;
    this.source = source;
    this.destination = destination;
  }

  drop(reason: DropReason): DropReason {
    this.drops[reason]++;
    return reason;
  }

  get dropped(): number {
    let n = 0;
    for (const v of Object.values(this.drops)) n += v;
    return n;
  }

  /** Outbound: whether the hard limit already stops this SA (checked before a packet is protected). */
  blocked(): boolean {
    return this.hardExpired;
  }

  /**
   * Counts one packet of `length` bytes (the inner IP packet, as XFRM counts its lifetime bytes) and
   * reports a limit crossed (RFC 4301 section 4.4.2.1: soft -> rekey, hard -> the SA ends).
   */
  account(length: number, now: number): void {
    this.bytes += length;
    this.packets++;
    this.lastUsedAt = now;
    if (!this.softExpired && (this.bytes >= this.#soft.bytes || this.packets >= this.#soft.packets)) {
      this.expire(false);
    }
    if (!this.hardExpired && (this.bytes >= this.#hard.bytes || this.packets >= this.#hard.packets)) {
      this.expire(true);
    }
  }

  /** Reports an expiry once each (soft, then hard). */
  expire(hard: boolean): void {
    if (hard) {
      if (this.hardExpired) return;
      this.hardExpired = true;
    } else {
      if (this.softExpired) return;
      this.softExpired = true;
    }
    this.onExpire?.(hard);
  }
}
