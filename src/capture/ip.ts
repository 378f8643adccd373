/**
 * IPv4 and IPv6 down to the transport header. IPv4 options are skipped by IHL; IPv6 extension
 * headers are walked (hop-by-hop, routing, fragment, destination options, AH, mobility, HIP, shim6).
 * Fragments are reported with their identification and offset so the reader can reassemble them.
 */
import { formatIpv4, formatIpv6 } from '../codec/address.js';

export interface IpPacket {
  readonly version: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** Transport protocol (after IPv6 extension headers). */
  readonly protocol: number;
  /** Offset of the transport header (or fragment data) in the frame. */
  readonly payloadOffset: number;
  /** Bytes of transport payload the IP header announces that are present in the frame. */
  readonly payloadLength: number;
  /** Set when this packet is a fragment. */
  readonly fragment?: {
    readonly id: number;
    /** Byte offset of this fragment's data within the original payload. */
    readonly offset: number;
    readonly more: boolean;
  };
}

export type IpResult =
  | { readonly ok: true; readonly packet: IpPacket }
  | { readonly ok: false; readonly reason: string };

function ipv4Text(b: Buffer, o: number): string {
  return formatIpv4(b.subarray(o, o + 4));
}

/** RFC 5952 text form (the codec's formatter): lowercase, longest run of zero groups compressed. */
export function ipv6Text(b: Buffer, o: number): string {
  return formatIpv6(b.subarray(o, o + 16));
}

export function decodeIpv4(data: Buffer, offset: number): IpResult {
  if (data.length < offset + 20) return { ok: false, reason: 'frame too short for an IPv4 header' };
  const vihl = data[offset] ?? 0;
  if (vihl >> 4 !== 4) return { ok: false, reason: `IPv4 header with version ${vihl >> 4}` };
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return { ok: false, reason: `IPv4 header length ${ihl} below 20` };
  const total = data.readUInt16BE(offset + 2);
  if (total < ihl) return { ok: false, reason: `IPv4 total length ${total} below header length ${ihl}` };
  if (data.length < offset + ihl) return { ok: false, reason: 'frame too short for the IPv4 options' };
  const flagsFrag = data.readUInt16BE(offset + 6);
  const more = (flagsFrag & 0x2000) !== 0;
  const fragOffset = (flagsFrag & 0x1fff) * 8;
  // Ethernet pads short frames: trust the IP total length, but not beyond what was captured.
  const payloadLength = Math.min(total, data.length - offset) - ihl;
  const packet: IpPacket = {
    version: 4,
    src: ipv4Text(data, offset + 12),
    dst: ipv4Text(data, offset + 16),
    protocol: data[offset + 9] ?? 0,
    payloadOffset: offset + ihl,
    payloadLength,
    ...(more || fragOffset > 0
      ? { fragment: { id: data.readUInt16BE(offset + 4), offset: fragOffset, more } }
      : {}),
  };
  return { ok: true, packet };
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AH = 51;
const DEST_OPTS = 60;
/** Extension headers with the generic `next header, length in 8-octet units - 1` layout. */
const GENERIC_EXTENSIONS = new Set([HOP_BY_HOP, ROUTING, DEST_OPTS, 135, 139, 140]);

export function decodeIpv6(data: Buffer, offset: number): IpResult {
  if (data.length < offset + 40) return { ok: false, reason: 'frame too short for an IPv6 header' };
  const version = (data[offset] ?? 0) >> 4;
  if (version !== 6) return { ok: false, reason: `IPv6 header with version ${version}` };
  const end = Math.min(offset + 40 + data.readUInt16BE(offset + 4), data.length);
  let next = data[offset + 6] ?? 0;
  let o = offset + 40;
  let fragment: IpPacket['fragment'];
  for (;;) {
    if (GENERIC_EXTENSIONS.has(next) || next === AH || next === FRAGMENT) {
      if (o + 8 > end) return { ok: false, reason: `IPv6 extension header ${next} runs past the packet` };
      const following = data[o] ?? 0;
      let len: number;
      if (next === FRAGMENT) {
        const fo = data.readUInt16BE(o + 2);
        fragment = { id: data.readUInt32BE(o + 4), offset: fo & 0xfff8, more: (fo & 1) !== 0 };
        len = 8;
      } else if (next === AH) {
        len = ((data[o + 1] ?? 0) + 2) * 4;
      } else {
        len = ((data[o + 1] ?? 0) + 1) * 8;
      }
      if (o + len > end) return { ok: false, reason: `IPv6 extension header ${next} runs past the packet` };
      o += len;
      next = following;
      // after a fragment header with a non-zero offset the rest is fragment data, not headers
      if (fragment !== undefined && (fragment.offset > 0 || fragment.more)) break;
      continue;
    }
    break;
  }
  const packet: IpPacket = {
    version: 6,
    src: ipv6Text(data, offset + 8),
    dst: ipv6Text(data, offset + 24),
    protocol: next,
    payloadOffset: o,
    payloadLength: end - o,
    ...(fragment !== undefined && (fragment.offset > 0 || fragment.more) ? { fragment } : {}),
  };
  return { ok: true, packet };
}
