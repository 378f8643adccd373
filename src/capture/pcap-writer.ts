/**
 * Writes UDP datagrams into a classic pcap file (LINKTYPE_RAW: bare IPv4/IPv6 packets), so that
 * messages ikets builds can be read by tshark and Wireshark. Pure: returns the file's bytes.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseIpv4, parseIpv6 } from '../codec/address.js';
import type { Endpoint } from './reader.js';
import { LinkType } from './types.js';

export interface DatagramToWrite {
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly payload: Uint8Array;
  /** Nanoseconds since the epoch; microsecond precision is kept. */
  readonly timestampNs?: bigint;
}

const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const UDP = 17;

export function writePcap(datagrams: readonly DatagramToWrite[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(PCAP_MAGIC_MICROSECONDS, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(LinkType.RAW, 20);
  const records = datagrams.map((d, i) => {
    const packet = ipUdpPacket(d);
    const record = Buffer.alloc(16);
    const us = (d.timestampNs ?? BigInt(i) * 1000n) / 1000n;
    record.writeUInt32LE(Number(us / 1_000_000n), 0);
    record.writeUInt32LE(Number(us % 1_000_000n), 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([header, ...records]);
}

function ipUdpPacket(d: DatagramToWrite): Buffer {
  const udp = Buffer.alloc(8 + d.payload.length);
  udp.writeUInt16BE(d.src.port, 0);
  udp.writeUInt16BE(d.dst.port, 2);
  udp.writeUInt16BE(udp.length, 4);
  udp.set(d.payload, 8);
  if (isIPv4(d.src.address) && isIPv4(d.dst.address)) {
    const ip = Buffer.alloc(20);
    ip.writeUInt8(0x45, 0);
    ip.writeUInt16BE(20 + udp.length, 2);
    ip.writeUInt8(64, 8);
    ip.writeUInt8(UDP, 9);
    addressBytes(d.src.address).copy(ip, 12);
    addressBytes(d.dst.address).copy(ip, 16);
    ip.writeUInt16BE(internetChecksum(ip), 10);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, UDP]), u16(udp.length)]);
    udp.writeUInt16BE(internetChecksum(Buffer.concat([pseudo, udp])) || 0xffff, 6);
    return Buffer.concat([ip, udp]);
  }
  if (isIPv6(d.src.address) && isIPv6(d.dst.address)) {
    const ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(udp.length, 4);
    ip.writeUInt8(UDP, 6);
    ip.writeUInt8(64, 7);
    addressBytes(d.src.address).copy(ip, 8);
    addressBytes(d.dst.address).copy(ip, 24);
    // RFC 8200 section 8.1: the UDP checksum over IPv6 is mandatory.
    const pseudo = Buffer.concat([
      ip.subarray(8, 40),
      Buffer.from([0, 0]),
      u16(udp.length),
      Buffer.from([0, 0, 0, UDP]),
    ]);
    udp.writeUInt16BE(internetChecksum(Buffer.concat([pseudo, udp])) || 0xffff, 6);
    return Buffer.concat([ip, udp]);
  }
  throw new RangeError(
    `source ${d.src.address} and destination ${d.dst.address} are not addresses of one IP family`,
  );
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value, 0);
  return b;
}

function addressBytes(address: string): Buffer {
  const bytes = parseIpv4(address) ?? parseIpv6(address);
  if (bytes === undefined) throw new RangeError(`${address} is not an IP address`);
  return Buffer.from(bytes);
}

/** RFC 1071 ones'-complement sum. */
function internetChecksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readUInt16BE(i);
  if (data.length % 2 === 1) sum += (data[data.length - 1] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
