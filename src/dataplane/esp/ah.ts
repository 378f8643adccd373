/**
 * AH packet processing (RFC 4302), sans-I/O, on whole IP packets: AH authenticates the outer IP
 * header too, so it has no UDP encapsulation (RFC 3948 covers ESP only) and needs a raw IP path.
 * Tunnel mode builds an outer header (RFC 4302 section 3.1.2), transport mode inserts AH after the
 * IP header (section 3.1.1). The ICV covers the IP header with its mutable fields zeroed (section
 * 3.3.3.1: IPv4 TOS, flags, fragment offset, TTL, checksum and mutable options; IPv6 traffic class,
 * flow label, hop limit and options marked "may change en route"), the AH header with a zero ICV,
 * the payload, and with ESN the high sequence bits (section 3.3.3.2 / 2.5.1).
 */
import { timingSafeEqual } from 'node:crypto';
import type { DropReason } from './drop.js';
import { deliverTunnel } from './esp.js';
import {
  IPPROTO_AH,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  refreshIpv4Checksum,
  writeIpv4Header,
  writeIpv6Header,
} from './ip.js';
import type { IpsecSa } from './sa.js';

const AH_FIXED = 12; // next header, payload length, reserved, SPI, sequence number
const MAX_SEQUENCE_32 = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;
const OUTER_TTL = 64;
const ZEROS = Buffer.alloc(64);
/** IPv4 options that do not change in transit (RFC 4302 Appendix A.1): EOL, NOP, security, extended security, CIPSO, router alert, SDB. */
const IMMUTABLE_IPV4_OPTIONS = new Set([0, 1, 130, 133, 134, 148, 149]);

/** The AH header's length for this SA: 12 bytes, the ICV, aligned to 4 (IPv4) or 8 (IPv6) bytes (RFC 4302 section 2.2). */
function ahLength(icvLength: number, family: 4 | 6): number {
  const align = family === 4 ? 4 : 8;
  return Math.ceil((AH_FIXED + icvLength) / align) * align;
}

/** Where the IPv6 extension headers before AH end, and the offset of the next-header byte pointing past them. */
interface HeaderChain {
  /** Bytes of IP header (and extension headers) before AH's position. */
  readonly length: number;
  /** Offset of the next-header field that names what follows the chain. */
  readonly nextHeaderAt: number;
  readonly nextHeader: number;
}

/**
 * Walks an IP packet's header chain: stops before `stopAt` (AH, inbound) or, with undefined, at the
 * first header that is not hop-by-hop, routing or fragment (outbound, RFC 4302 section 3.1.1).
 */
function headerChain(p: Uint8Array, stopAt: number | undefined): HeaderChain | undefined {
  const version = (p[0] ?? 0) >>> 4;
  if (version === 4) {
    const ihl = ((p[0] ?? 0) & 0x0f) * 4;
    if (ihl < 20 || p.length < ihl) return undefined;
    return { length: ihl, nextHeaderAt: 9, nextHeader: p[9] ?? 0 };
  }
  if (version !== 6 || p.length < 40) return undefined;
  let at = 6;
  let offset = 40;
  for (;;) {
    const next = p[at] ?? 0;
    if (stopAt !== undefined ? next === stopAt : !(next === 0 || next === 43 || next === 44)) {
      return { length: offset, nextHeaderAt: at, nextHeader: next };
    }
    if (!(next === 0 || next === 43 || next === 44 || next === 60) || offset + 8 > p.length) return undefined;
    at = offset;
    offset += next === 44 ? 8 : ((p[offset + 1] ?? 0) + 1) * 8;
    if (offset > p.length) return undefined;
  }
}

/**
 * A copy of the IP header part (`p[0, length)`) with its mutable fields zeroed (RFC 4302 section
 * 3.3.3.1). Undefined for a header it cannot predict (an IPv6 routing header).
 */
function zeroedHeader(p: Uint8Array, length: number): Buffer | undefined {
  const h = Buffer.from(p.subarray(0, length));
  if ((h[0] ?? 0) >>> 4 === 4) {
    h[1] = 0; // TOS (DSCP and ECN)
    h.writeUInt16BE(0, 6); // flags and fragment offset
    h[8] = 0; // TTL
    h.writeUInt16BE(0, 10); // header checksum
    for (let o = 20; o < length; ) {
      const type = h[o] ?? 0;
      if (type === 0) break;
      if (type === 1) {
        o++;
        continue;
      }
      const len = h[o + 1] ?? 0;
      if (len < 2 || o + len > length) return undefined;
      if (!IMMUTABLE_IPV4_OPTIONS.has(type)) h.fill(0, o, o + len);
      o += len;
    }
    return h;
  }
  h[1] = 0; // low half of the traffic class, flow label
  h[0] = 0x60; // version kept, high half of the traffic class zeroed
  h.writeUInt16BE(0, 2);
  h[7] = 0; // hop limit
  let next = h[6] ?? 0;
  let offset = 40;
  while (offset < length) {
    if (next === 43) return undefined; // routing header: its final destination would have to be predicted
    const n = h[offset] ?? 0;
    const size = next === 44 ? 8 : ((h[offset + 1] ?? 0) + 1) * 8;
    if (next === 0 || next === 60) {
      // Options whose type has the 0x20 bit may change en route: their data is zeroed (RFC 8200 section 4.2).
      for (let o = offset + 2; o < offset + size; ) {
        const type = h[o] ?? 0;
        if (type === 0) {
          o++;
          continue;
        }
        const len = h[o + 1] ?? 0;
        if ((type & 0x20) !== 0) h.fill(0, o + 2, Math.min(o + 2 + len, offset + size));
        o += 2 + len;
      }
    }
    offset += size;
    next = n;
  }
  return h;
}

function computeIcv(
  sa: IpsecSa,
  header: Buffer,
  ah: Uint8Array,
  zeroLength: number,
  payload: Uint8Array,
  sequence: number,
): Buffer {
  const parts: Uint8Array[] = [header, ah, ZEROS.subarray(0, zeroLength), payload];
  if (sa.esn) {
    const high = Buffer.alloc(4);
    high.writeUInt32BE(Math.floor(sequence / TWO_32), 0);
    parts.push(high);
  }
  return sa.transforms.icv(parts);
}

export interface AhProtectOptions {
  /** IPv4 identification of a tunnel-mode outer header (default: the low 16 bits of the sequence number). */
  readonly id?: number;
}

/** Protects one IP packet with an outbound AH SA; returns the whole IP packet to send. */
export function ahProtect(
  sa: IpsecSa,
  packet: Uint8Array,
  now: number,
  options: AhProtectOptions = {},
): Buffer | DropReason {
  if (sa.hardExpired) return sa.drop('hard-limit');
  const t = sa.transforms;
  const version = (packet[0] ?? 0) >>> 4;
  let chain: HeaderChain | undefined;
  if (sa.mode === 'transport') {
    chain = headerChain(packet, undefined);
    if (chain === undefined || version !== sa.family) return sa.drop('malformed');
  } else if (packet.length < 20 || (version !== 4 && version !== 6)) return sa.drop('malformed');

  const sequence = sa.sequence + 1;
  if (sequence > (sa.esn ? Number.MAX_SAFE_INTEGER : MAX_SEQUENCE_32)) {
    sa.expire(true);
    return sa.drop('sequence-overflow');
  }
  sa.sequence = sequence;

  const length = ahLength(t.icvLength, sa.family);
  const headerLength = chain?.length ?? (sa.family === 4 ? 20 : 40);
  const payload = chain === undefined ? packet : packet.subarray(chain.length);
  const out = Buffer.allocUnsafe(headerLength + length + payload.length);
  if (chain === undefined) {
    const v4inner = version === 4;
    if (sa.family === 4) {
      writeIpv4Header(out, 0, out.length, {
        // RFC 4301 section 5.1.2.1: DSCP and ECN copied from the inner header; DF copied too.
        tos: v4inner ? (packet[1] ?? 0) : (((packet[0] ?? 0) & 0x0f) << 4) | ((packet[1] ?? 0) >>> 4),
        id: options.id ?? sequence,
        flagsFragment: v4inner ? ((packet[6] ?? 0) & 0x40) << 8 : 0,
        ttl: OUTER_TTL,
        protocol: IPPROTO_AH,
        source: sa.sourceBytes,
        destination: sa.destinationBytes,
      });
    } else {
      writeIpv6Header(out, 0, out.length - 40, {
        trafficClass: v4inner
          ? (packet[1] ?? 0)
          : (((packet[0] ?? 0) & 0x0f) << 4) | ((packet[1] ?? 0) >>> 4),
        flowLabel: 0,
        hopLimit: OUTER_TTL,
        nextHeader: IPPROTO_AH,
        source: sa.sourceBytes,
        destination: sa.destinationBytes,
      });
    }
    out[headerLength] = v4inner ? IPPROTO_IPIP : IPPROTO_IPV6;
  } else {
    out.set(packet.subarray(0, chain.length), 0);
    out[chain.nextHeaderAt] = IPPROTO_AH;
    if (sa.family === 4) {
      out.writeUInt16BE(out.length, 2);
      refreshIpv4Checksum(out);
    } else out.writeUInt16BE(out.length - 40, 4);
    out[headerLength] = chain.nextHeader;
  }
  // RFC 4302 section 2.2: payload length = AH length in 32-bit words minus 2.
  out[headerLength + 1] = length / 4 - 2;
  out.writeUInt16BE(0, headerLength + 2);
  out.writeUInt32BE(sa.spi, headerLength + 4);
  out.writeUInt32BE(sequence % TWO_32, headerLength + 8);
  out.set(payload, headerLength + length);
  const zeroed = zeroedHeader(out, headerLength);
  if (zeroed === undefined) return sa.drop('malformed');
  const icv = computeIcv(
    sa,
    zeroed,
    out.subarray(headerLength, headerLength + AH_FIXED),
    length - AH_FIXED,
    payload,
    sequence,
  );
  out.fill(0, headerLength + AH_FIXED, headerLength + length);
  icv.copy(out, headerLength + AH_FIXED, 0, t.icvLength);
  sa.account(packet.length, now);
  return out;
}

/** The SPI of an IP packet's AH header, or undefined when it carries none. */
export function ahSpi(packet: Uint8Array): number | undefined {
  const chain = headerChain(packet, IPPROTO_AH);
  if (chain === undefined || chain.nextHeader !== IPPROTO_AH || packet.length < chain.length + AH_FIXED)
    return undefined;
  return Buffer.from(packet.buffer, packet.byteOffset, packet.length).readUInt32BE(chain.length + 4);
}

/** Verifies an IP packet carrying AH for an inbound SA; returns the packet to deliver or the drop reason. */
export function ahUnprotect(sa: IpsecSa, packet: Uint8Array, now: number): Buffer | DropReason {
  const chain = headerChain(packet, IPPROTO_AH);
  if (chain === undefined || chain.nextHeader !== IPPROTO_AH) return sa.drop('malformed');
  const p = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
  const at = chain.length;
  if (p.length < at + AH_FIXED) return sa.drop('truncated');
  const t = sa.transforms;
  const length = ((p[at + 1] ?? 0) + 2) * 4;
  if (length !== ahLength(t.icvLength, sa.family) || p.length < at + length) return sa.drop('truncated');
  const low = p.readUInt32BE(at + 8);
  const sequence = sa.esn ? sa.replay.extend(low) : low;
  if (!sa.replay.check(sequence)) return sa.drop('replayed');
  if (sa.hardExpired) return sa.drop('hard-limit');
  const zeroed = zeroedHeader(p, at);
  if (zeroed === undefined) return sa.drop('malformed');
  const payload = p.subarray(at + length);
  const icv = computeIcv(sa, zeroed, p.subarray(at, at + AH_FIXED), length - AH_FIXED, payload, sequence);
  if (
    !timingSafeEqual(icv.subarray(0, t.icvLength), p.subarray(at + AH_FIXED, at + AH_FIXED + t.icvLength))
  ) {
    return sa.drop('bad-icv');
  }
  sa.replay.update(sequence);
  const nextHeader = p[at] ?? 0;
  if (sa.mode === 'tunnel') return deliverTunnel(sa, payload, nextHeader, now);
  // Transport mode: AH removed, the header's next header and length restored.
  const out = Buffer.allocUnsafe(p.length - length);
  p.copy(out, 0, 0, at);
  payload.copy(out, at);
  out[chain.nextHeaderAt] = nextHeader;
  if ((p[0] ?? 0) >>> 4 === 4) {
    out.writeUInt16BE(out.length, 2);
    refreshIpv4Checksum(out);
  } else out.writeUInt16BE(out.length - 40, 4);
  sa.account(out.length, now);
  return out;
}
