/**
 * The IP header work of the data plane: reading the addresses, protocol and ports of a packet (for
 * the SPD and the selector check), building outer headers (tunnel mode, RFC 4301 section 5.1.2) and
 * rebuilding a transport-mode header, with the checksums of RFC 791 / RFC 1071.
 */
import { isIPv4 } from 'node:net';
import { parseIpv4, parseIpv6 } from '../../codec/address.js';
import type { Selector } from '../backend.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;
const IPPROTO_UDPLITE = 136;

/** The fields of a packet that traffic selectors match (RFC 4301 section 4.4.1.1). */
export interface PacketFlow {
  readonly family: 4 | 6;
  readonly source: bigint;
  readonly destination: bigint;
  /** The upper-layer protocol (after IPv6 extension headers). */
  readonly protocol: number;
  /** TCP/UDP/SCTP ports; ICMP type and code as XFRM matches them; 0 when absent (non-first fragment). */
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** Offset of the upper-layer header (after the IPv4 options or the IPv6 extension headers). */
  readonly payloadOffset: number;
}

/** The text address as bytes (4 or 16); throws on an invalid one (SA parameters are checked at install). */
export function addressBytes(text: string): Buffer {
  const b = isIPv4(text) ? parseIpv4(text) : parseIpv6(text);
  if (b === undefined) throw new RangeError(`'${text}' is not an IP address`);
  return Buffer.from(b);
}

function bigintAt(p: Uint8Array, offset: number, length: 4 | 16): bigint {
  const u32 = (o: number): number =>
    (((p[o] ?? 0) << 24) | ((p[o + 1] ?? 0) << 16) | ((p[o + 2] ?? 0) << 8) | (p[o + 3] ?? 0)) >>> 0;
  if (length === 4) return BigInt(u32(offset));
  const hi = (BigInt(u32(offset)) << 32n) | BigInt(u32(offset + 4));
  const lo = (BigInt(u32(offset + 8)) << 32n) | BigInt(u32(offset + 12));
  return (hi << 64n) | lo;
}

/** IPv6 extension headers walked to find the upper-layer protocol (RFC 8200 section 4). */
function skipIpv6Extensions(
  p: Uint8Array,
  first: number,
): { protocol: number; offset: number; fragment: boolean } {
  let next = first;
  let offset = 40;
  let fragment = false;
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (offset + 2 > p.length) break;
      const n = p[offset] ?? 0;
      offset += ((p[offset + 1] ?? 0) + 1) * 8;
      next = n;
    } else if (next === 44) {
      if (offset + 8 > p.length) break;
      const n = p[offset] ?? 0;
      // A fragment with a non-zero offset has no upper-layer header.
      fragment = (((p[offset + 2] ?? 0) << 8) | (p[offset + 3] ?? 0)) >>> 3 !== 0;
      offset += 8;
      next = n;
    } else break;
  }
  return { protocol: next, offset, fragment };
}

function portsOf(p: Uint8Array, protocol: number, offset: number): [number, number] {
  if (offset + 4 > p.length) return [0, 0];
  if (
    protocol === IPPROTO_TCP ||
    protocol === IPPROTO_UDP ||
    protocol === IPPROTO_SCTP ||
    protocol === IPPROTO_UDPLITE
  ) {
    return [
      ((p[offset] ?? 0) << 8) | (p[offset + 1] ?? 0),
      ((p[offset + 2] ?? 0) << 8) | (p[offset + 3] ?? 0),
    ];
  }
  if (protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6) return [p[offset] ?? 0, p[offset + 1] ?? 0];
  return [0, 0];
}

/** The selector fields of an IPv4 or IPv6 packet; undefined when it is not a well-formed one. */
export function packetFlow(p: Uint8Array): PacketFlow | undefined {
  if (p.length < 1) return undefined;
  const version = (p[0] ?? 0) >>> 4;
  if (version === 4) {
    const ihl = ((p[0] ?? 0) & 0x0f) * 4;
    if (ihl < 20 || p.length < ihl) return undefined;
    const protocol = p[9] ?? 0;
    const fragmentOffset = (((p[6] ?? 0) & 0x1f) << 8) | (p[7] ?? 0);
    const [sourcePort, destinationPort] = fragmentOffset === 0 ? portsOf(p, protocol, ihl) : [0, 0];
    return {
      family: 4,
      source: bigintAt(p, 12, 4),
      destination: bigintAt(p, 16, 4),
      protocol,
      sourcePort,
      destinationPort,
      payloadOffset: ihl,
    };
  }
  if (version === 6) {
    if (p.length < 40) return undefined;
    const ext = skipIpv6Extensions(p, p[6] ?? 0);
    const [sourcePort, destinationPort] = ext.fragment ? [0, 0] : portsOf(p, ext.protocol, ext.offset);
    return {
      family: 6,
      source: bigintAt(p, 8, 16),
      destination: bigintAt(p, 24, 16),
      protocol: ext.protocol,
      sourcePort,
      destinationPort,
      payloadOffset: ext.offset,
    };
  }
  return undefined;
}

/** Whether an address (with protocol and port) lies in a selector (RFC 4301 section 4.4.1.1). */
export function selectorMatches(
  s: Selector,
  family: 4 | 6,
  address: bigint,
  protocol: number,
  port: number,
): boolean {
  return (
    s.family === family &&
    s.start <= address &&
    address <= s.end &&
    (s.protocol === 0 || s.protocol === protocol) &&
    (s.port === 0 || s.port === port)
  );
}

/** The Internet checksum (RFC 1071) of `data[start, end)`, folded, added to `initial` (a partial sum). */
export function checksum(data: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
  if (i < end) sum += (data[i] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4HeaderFields {
  readonly tos: number;
  readonly id: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  /** Flags and fragment offset (16 bits); 0 for a header built here. */
  readonly flagsFragment?: number;
}

/** Writes a 20-byte IPv4 header (RFC 791 section 3.1) for a packet of `totalLength` bytes at `out[offset]`. */
export function writeIpv4Header(out: Buffer, offset: number, totalLength: number, f: Ipv4HeaderFields): void {
  out[offset] = 0x45;
  out[offset + 1] = f.tos;
  out.writeUInt16BE(totalLength, offset + 2);
  out.writeUInt16BE(f.id & 0xffff, offset + 4);
  out.writeUInt16BE(f.flagsFragment ?? 0, offset + 6);
  out[offset + 8] = f.ttl;
  out[offset + 9] = f.protocol;
  out.writeUInt16BE(0, offset + 10);
  out.set(f.source, offset + 12);
  out.set(f.destination, offset + 16);
  out.writeUInt16BE(checksum(out, offset, offset + 20), offset + 10);
}

export interface Ipv6HeaderFields {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly hopLimit: number;
  readonly nextHeader: number;
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
}

/** Writes a 40-byte IPv6 header (RFC 8200 section 3) with `payloadLength` at `out[offset]`. */
export function writeIpv6Header(
  out: Buffer,
  offset: number,
  payloadLength: number,
  f: Ipv6HeaderFields,
): void {
  out.writeUInt32BE(((6 << 28) | ((f.trafficClass & 0xff) << 20) | (f.flowLabel & 0xfffff)) >>> 0, offset);
  out.writeUInt16BE(payloadLength, offset + 4);
  out[offset + 6] = f.nextHeader;
  out[offset + 7] = f.hopLimit;
  out.set(f.source, offset + 8);
  out.set(f.destination, offset + 24);
}

/** Recomputes the IPv4 header checksum in place (after a header field changed). */
export function refreshIpv4Checksum(p: Buffer): void {
  const ihl = ((p[0] ?? 0) & 0x0f) * 4;
  p.writeUInt16BE(0, 10);
  p.writeUInt16BE(checksum(p, 0, ihl), 10);
}

/**
 * Recomputes the TCP or UDP checksum of a packet over its pseudo-header (RFC 793, RFC 768, RFC 8200
 * section 8.1): needed after transport-mode decapsulation rewrote the addresses (RFC 3948 section
 * 3.1.2: a NAT between the peers changed the address the sender's checksum covers). The payload was
 * authenticated by ESP, so recomputing hides no corruption.
 */
export function refreshTransportChecksum(p: Buffer, flow: PacketFlow): void {
  const offset = flow.payloadOffset;
  const length = p.length - offset;
  let field: number;
  if (flow.protocol === IPPROTO_TCP && length >= 20) field = offset + 16;
  else if (flow.protocol === IPPROTO_UDP && length >= 8) {
    // An IPv4 UDP checksum of 0 means "none" (RFC 768) and stays so.
    if (flow.family === 4 && p.readUInt16BE(offset + 6) === 0) return;
    field = offset + 6;
  } else return;
  p.writeUInt16BE(0, field);
  const addresses = flow.family === 4 ? [12, 20] : [8, 40];
  const [from = 0, to = 0] = addresses;
  // Pseudo-header: both addresses, the protocol and the upper-layer length, as a partial sum.
  let sum = flow.protocol + (length & 0xffff) + (length >>> 16);
  for (let i = from; i < to; i += 2) sum += p.readUInt16BE(i);
  let c = checksum(p, offset, p.length, sum);
  if (c === 0 && flow.protocol === IPPROTO_UDP) c = 0xffff;
  p.writeUInt16BE(c, field);
}
