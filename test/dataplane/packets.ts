/**
 * IPv4 and IPv6 UDP packets built byte by byte (RFC 791, RFC 8200, RFC 768), for writing into a TUN
 * device and for checking what the host routed into one.
 */
import { addressNumber } from '../../src/spd/selector.js';

/** The Internet checksum (RFC 1071) of `data`, starting from a partial sum. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < data.length; i += 2) sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function addressBytes(address: string): Buffer {
  const a = addressNumber(address);
  if (a === undefined) throw new RangeError(`${address} is not an IP address`);
  const size = a.family === 4 ? 4 : 16;
  const out = Buffer.alloc(size);
  let n = a.value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

export interface UdpPacket {
  readonly source: string;
  readonly destination: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: Uint8Array;
}

function udpSegment(p: UdpPacket, pseudoHeader: Buffer): Buffer {
  const udp = Buffer.alloc(8 + p.payload.length);
  udp.writeUInt16BE(p.sourcePort, 0);
  udp.writeUInt16BE(p.destinationPort, 2);
  udp.writeUInt16BE(udp.length, 4);
  udp.set(p.payload, 8);
  const sum = internetChecksum(Buffer.concat([pseudoHeader, udp]));
  udp.writeUInt16BE(sum === 0 ? 0xffff : sum, 6);
  return udp;
}

/** An IPv4 UDP packet, TTL 64, DF clear, with both checksums. */
export function ipv4Udp(p: UdpPacket, id = 0x1234): Buffer {
  const src = addressBytes(p.source);
  const dst = addressBytes(p.destination);
  const length = 8 + p.payload.length;
  const pseudo = Buffer.alloc(12);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 4);
  pseudo[9] = 17;
  pseudo.writeUInt16BE(length, 10);
  const udp = udpSegment(p, pseudo);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udp.length, 2);
  ip.writeUInt16BE(id, 4);
  ip[8] = 64;
  ip[9] = 17;
  src.copy(ip, 12);
  dst.copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  return Buffer.concat([ip, udp]);
}

/** An IPv6 UDP packet, hop limit 64, with the mandatory UDP checksum (RFC 8200 section 8.1). */
export function ipv6Udp(p: UdpPacket): Buffer {
  const src = addressBytes(p.source);
  const dst = addressBytes(p.destination);
  const length = 8 + p.payload.length;
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(length, 32);
  pseudo[39] = 17;
  const udp = udpSegment(p, pseudo);
  const ip = Buffer.alloc(40);
  ip.writeUInt32BE(0x60000000, 0);
  ip.writeUInt16BE(udp.length, 4);
  ip[6] = 17;
  ip[7] = 64;
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([ip, udp]);
}

/** The UDP checksum of a received packet recomputed over its pseudo header: 0 when it is right. */
export function udpChecksumResidue(packet: Buffer): number {
  const first = packet[0] ?? 0;
  const v4 = first >> 4 === 4;
  const headerLength = v4 ? (first & 0x0f) * 4 : 40;
  const udp = packet.subarray(headerLength);
  const pseudo = Buffer.alloc(v4 ? 12 : 40);
  if (v4) {
    packet.copy(pseudo, 0, 12, 20);
    pseudo[9] = 17;
    pseudo.writeUInt16BE(udp.length, 10);
  } else {
    packet.copy(pseudo, 0, 8, 40);
    pseudo.writeUInt32BE(udp.length, 32);
    pseudo[39] = 17;
  }
  return internetChecksum(Buffer.concat([pseudo, udp]));
}
