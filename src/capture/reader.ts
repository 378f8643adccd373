/**
 * From capture bytes to the UDP datagrams on the IKE ports: container (pcap / pcapng) -> link layer
 * -> IPv4/IPv6 (with fragment reassembly) -> UDP -> classification (ISAKMP, ESP, NAT-keepalive).
 * Pure: works on a Buffer, no I/O.
 */
import { type Classification, classifyUdp, DEFAULT_PORTS, type IkePorts } from './classify.js';
import { CaptureError } from './errors.js';
import { Reassembler } from './fragments.js';
import { decodeIpv4, decodeIpv6, type IpPacket } from './ip.js';
import { decodeLink } from './link.js';
import { isPcap, parsePcap } from './pcap.js';
import { isPcapng, parsePcapng } from './pcapng.js';
import type { CaptureInterface, ParsedContainer, RawFrame } from './types.js';

const UDP = 17;

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

interface DatagramBase {
  /** Frame number (1-based, as Wireshark shows it); for a reassembled packet, its last fragment. */
  readonly frame: number;
  /** Nanoseconds since the epoch. */
  readonly timestampNs: bigint;
  readonly ipVersion: 4 | 6;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** The whole UDP payload (for `isakmp` on a NAT-T port still including the non-ESP marker). */
  readonly payload: Buffer;
  /** Reassembled from IP fragments (the first fragment was in `firstFrame`). */
  readonly reassembledFrom?: number;
}

/** A UDP datagram on an IKE port, classified. */
export type UdpDatagram = DatagramBase & Classification;

export interface SkippedFrame {
  readonly frame: number;
  readonly reason: string;
  /** True for frames that are broken (truncated headers, bad lengths), false for frames that are merely not IKE. */
  readonly malformed: boolean;
}

export interface CaptureReadResult {
  readonly format: 'pcap' | 'pcapng';
  readonly littleEndian: boolean;
  readonly interfaces: readonly CaptureInterface[];
  readonly frameCount: number;
  readonly datagrams: readonly UdpDatagram[];
  readonly skipped: readonly SkippedFrame[];
}

export interface ReadOptions {
  /** Which UDP ports are IKE and NAT-T (default 500 and 4500). */
  readonly ports?: IkePorts;
  /** Also list UDP datagrams on other ports (kind `other`) instead of skipping them. */
  readonly includeOther?: boolean;
  /** Throw ERR_CAPTURE_BAD_PACKET for a malformed frame instead of listing it in `skipped`. */
  readonly strict?: boolean;
}

/** Parses the container only (pcap or pcapng, by magic number). */
export function parseContainer(input: Uint8Array): ParsedContainer {
  if (isPcapng(input)) return parsePcapng(input);
  if (isPcap(input)) return parsePcap(input);
  throw new CaptureError('ERR_CAPTURE_BAD_MAGIC', 0, 'neither pcap nor pcapng (unknown magic number)');
}

/** Reads a pcap or pcapng capture into the UDP datagrams on the IKE ports. */
export function readCapture(input: Uint8Array, options: ReadOptions = {}): CaptureReadResult {
  const container = parseContainer(input);
  const ports = options.ports ?? DEFAULT_PORTS;
  const datagrams: UdpDatagram[] = [];
  const skipped: SkippedFrame[] = [];
  const reassembler = new Reassembler();
  const skip = (f: RawFrame, reason: string, malformed: boolean): void => {
    if (malformed && options.strict) {
      throw new CaptureError('ERR_CAPTURE_BAD_PACKET', f.dataOffset, `frame ${f.frame}: ${reason}`);
    }
    skipped.push({ frame: f.frame, reason, malformed });
  };

  for (const f of container.frames) {
    const link = decodeLink(f.linkType, f.data);
    if (!link.ok) {
      skip(f, link.reason, link.reason.startsWith('frame too short'));
      continue;
    }
    const ip = link.network === 'ipv4' ? decodeIpv4(f.data, link.offset) : decodeIpv6(f.data, link.offset);
    if (!ip.ok) {
      skip(f, ip.reason, true);
      continue;
    }
    const pkt: IpPacket = ip.packet;
    if (pkt.protocol !== UDP) {
      skip(f, `not UDP (IP protocol ${pkt.protocol})`, false);
      continue;
    }
    let transport = f.data.subarray(pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLength);
    let reassembledFrom: number | undefined;
    if (pkt.fragment !== undefined) {
      const key = `${pkt.version}|${pkt.src}|${pkt.dst}|${pkt.protocol}|${pkt.fragment.id}`;
      const done = reassembler.add(key, f.frame, pkt.fragment.offset, pkt.fragment.more, transport);
      if (done === undefined) continue;
      if (typeof done === 'string') {
        skip(f, done, true);
        continue;
      }
      transport = done.payload;
      reassembledFrom = done.firstFrame;
    }
    if (transport.length < 8) {
      skip(f, 'frame too short for a UDP header', true);
      continue;
    }
    const udpLength = transport.readUInt16BE(4);
    if (udpLength < 8) {
      skip(f, `UDP length ${udpLength} below 8`, true);
      continue;
    }
    if (udpLength > transport.length) {
      skip(f, `UDP datagram truncated (${transport.length} of ${udpLength} bytes captured)`, true);
      continue;
    }
    const srcPort = transport.readUInt16BE(0);
    const dstPort = transport.readUInt16BE(2);
    const payload = transport.subarray(8, udpLength);
    const c = classifyUdp(srcPort, dstPort, payload, ports);
    if (c.kind === 'other' && !options.includeOther) {
      skip(f, `UDP ${srcPort} -> ${dstPort}: ${c.reason}`, false);
      continue;
    }
    datagrams.push({
      frame: f.frame,
      timestampNs: f.timestampNs,
      ipVersion: pkt.version,
      src: { address: pkt.src, port: srcPort },
      dst: { address: pkt.dst, port: dstPort },
      payload,
      ...(reassembledFrom === undefined ? {} : { reassembledFrom }),
      ...c,
    });
  }
  for (const frame of reassembler.incomplete()) {
    if (options.strict)
      throw new CaptureError('ERR_CAPTURE_BAD_PACKET', 0, `frame ${frame}: incomplete IP fragments`);
    skipped.push({ frame, reason: 'incomplete IP fragments', malformed: true });
  }
  return {
    format: container.format,
    littleEndian: container.littleEndian,
    interfaces: container.interfaces,
    frameCount: container.frames.length,
    datagrams,
    skipped,
  };
}

/** Only the ISAKMP messages of a capture, in order. */
export function isakmpDatagrams(result: CaptureReadResult): Array<UdpDatagram & { readonly kind: 'isakmp' }> {
  return result.datagrams.filter((d): d is UdpDatagram & { readonly kind: 'isakmp' } => d.kind === 'isakmp');
}
