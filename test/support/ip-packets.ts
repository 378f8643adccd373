import type { Selector } from '../../src/dataplane/backend.js';
import {
  addressBytes,
  packetFlow,
  refreshTransportChecksum,
  writeIpv4Header,
  writeIpv6Header,
} from '../../src/dataplane/esp/ip.js';

// IP packets for the data plane tests: a UDP datagram in IPv4 or IPv6 with a valid header.

export function udpPacket(
  source: string,
  destination: string,
  payload: Uint8Array,
  ports = [4242, 53],
): Buffer {
  const src = addressBytes(source);
  const dst = addressBytes(destination);
  const v4 = src.length === 4;
  const header = v4 ? 20 : 40;
  const udpLength = 8 + payload.length;
  const p = Buffer.alloc(header + udpLength);
  if (v4) {
    writeIpv4Header(p, 0, p.length, { tos: 0, id: 0, ttl: 64, protocol: 17, source: src, destination: dst });
  } else {
    writeIpv6Header(p, 0, udpLength, {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 64,
      nextHeader: 17,
      source: src,
      destination: dst,
    });
  }
  p.writeUInt16BE(ports[0] ?? 0, header);
  p.writeUInt16BE(ports[1] ?? 0, header + 2);
  p.writeUInt16BE(udpLength, header + 4);
  p.set(payload, header + 8);
  p.writeUInt16BE(1, header + 6);
  const flow = packetFlow(p);
  if (flow !== undefined) refreshTransportChecksum(p, flow);
  return p;
}

/** The selector of `address/prefix` (any protocol and port). */
export function subnet(address: string, prefix: number): Selector {
  const bytes = addressBytes(address);
  const bits = bytes.length * 8;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const host = (1n << BigInt(bits - prefix)) - 1n;
  return {
    family: bytes.length === 4 ? 4 : 6,
    start: value & ~host,
    end: value | host,
    protocol: 0,
    port: 0,
  };
}
