/**
 * ESP packet processing (RFC 4303), sans-I/O: an IP packet in, the ESP packet (SPI onwards, what a
 * UDP datagram carries after NAT-T, RFC 3948 section 2.1) out, and back. Tunnel mode carries the
 * whole inner packet (next header 4 or 41, RFC 4301 section 5.1.2); transport mode the upper-layer
 * payload, the receiver rebuilding the IP header from the SA's addresses (RFC 3948 section 3.1.2).
 *
 * Inbound order (RFC 4303 section 3.4): length checks, the replay check (section 3.4.3: a duplicate
 * is refused before the costly ICV), the ICV or AEAD tag (section 3.4.4), only then the window
 * update, decryption, the padding check (section 2.4) and the selector check (RFC 4301 section 5.2).
 * A failure is a typed drop reason counted on the SA, never an exception.
 */
import { timingSafeEqual } from 'node:crypto';
import type { DropReason } from './drop.js';
import {
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  packetFlow,
  refreshTransportChecksum,
  selectorMatches,
  writeIpv4Header,
  writeIpv6Header,
} from './ip.js';
import type { IpsecSa, IvSource } from './sa.js';

const HEADER = 8; // SPI and sequence number (RFC 4303 section 2)
const MAX_SEQUENCE_32 = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;
/** RFC 4303 section 2.6: "no next header", a dummy packet for traffic flow confidentiality. */
const NO_NEXT_HEADER = 59;
/** TTL / hop limit of a header rebuilt after transport-mode decapsulation. */
const DEFAULT_TTL = 64;

/** The SPI of an ESP packet (RFC 4303 section 2.1), or undefined when shorter than the header. */
export function espSpi(esp: Uint8Array): number | undefined {
  if (esp.length < HEADER) return undefined;
  return (((esp[0] ?? 0) << 24) | ((esp[1] ?? 0) << 16) | ((esp[2] ?? 0) << 8) | (esp[3] ?? 0)) >>> 0;
}

/** Where transport mode puts ESP: after the IPv4 header, or after IPv6's hop-by-hop, routing and fragment headers (RFC 4303 section 3.1.1). */
export function transportSplit(p: Uint8Array): { headerLength: number; nextHeader: number } | undefined {
  const version = (p[0] ?? 0) >>> 4;
  if (version === 4) {
    const ihl = ((p[0] ?? 0) & 0x0f) * 4;
    if (ihl < 20 || p.length < ihl) return undefined;
    return { headerLength: ihl, nextHeader: p[9] ?? 0 };
  }
  if (version !== 6 || p.length < 40) return undefined;
  let next = p[6] ?? 0;
  let offset = 40;
  while (next === 0 || next === 43 || next === 44) {
    if (offset + 8 > p.length) return undefined;
    const n = p[offset] ?? 0;
    offset += next === 44 ? 8 : ((p[offset + 1] ?? 0) + 1) * 8;
    next = n;
  }
  return offset <= p.length ? { headerLength: offset, nextHeader: next } : undefined;
}

/**
 * Whether a packet is a fragment. Transport mode cannot carry one: the receiver rebuilds the IP
 * header from the SA (RFC 3948 section 3.1.2) and would lose the fragment's offset; tunnel mode
 * carries fragments whole.
 */
function isFragment(p: Uint8Array): boolean {
  if ((p[0] ?? 0) >>> 4 === 4) return ((((p[6] ?? 0) & 0x3f) << 8) | (p[7] ?? 0)) !== 0;
  let next = p[6] ?? 0;
  let offset = 40;
  while (next === 0 || next === 43 || next === 60) {
    if (offset + 2 > p.length) return false;
    next = p[offset] ?? 0;
    offset += ((p[offset + 1] ?? 0) + 1) * 8;
  }
  return next === 44;
}

/** The 8-byte big-endian IV of counter modes: the 64-bit sequence number, never repeated under one key (RFC 4106 section 3.1, RFC 3686 section 3.1). */
function sequenceIv(out: Buffer, offset: number, sequence: number): void {
  out.writeUInt32BE(Math.floor(sequence / TWO_32), offset);
  out.writeUInt32BE(sequence % TWO_32, offset + 4);
}

/** Scratch for the ESP trailer (padding up to 255, pad length, next header) and the ESN high bits. */
const trailer = Buffer.alloc(258);
const esnHigh = Buffer.alloc(4);
const esnAad = Buffer.alloc(12);

/**
 * Protects one IP packet (tunnel: the whole packet; transport: its payload after `transportSplit`)
 * with an outbound ESP SA. Returns the ESP packet, or the drop reason (sequence overflow, hard limit).
 * `random` fills CBC IVs; counter modes (CTR, GCM, ChaCha20-Poly1305) use the sequence number.
 */
export function espProtect(
  sa: IpsecSa,
  packet: Uint8Array,
  now: number,
  random: IvSource,
  /** An explicit IV instead of the generated one: for known-answer tests only. */
  fixedIv?: Uint8Array,
): Buffer | DropReason {
  if (sa.hardExpired) return sa.drop('hard-limit');
  let payload: Uint8Array;
  let nextHeader: number;
  const version = (packet[0] ?? 0) >>> 4;
  if (sa.mode === 'tunnel') {
    if ((version !== 4 || packet.length < 20) && (version !== 6 || packet.length < 40))
      return sa.drop('malformed');
    payload = packet;
    nextHeader = version === 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
  } else {
    const split = transportSplit(packet);
    if (split === undefined || isFragment(packet)) return sa.drop('malformed');
    payload = packet.subarray(split.headerLength);
    nextHeader = split.nextHeader;
  }

  // RFC 4303 section 3.3.3: the counter never cycles; the SA must be replaced first.
  const sequence = sa.sequence + 1;
  if (sequence > (sa.esn ? Number.MAX_SAFE_INTEGER : MAX_SEQUENCE_32)) {
    sa.expire(true);
    return sa.drop('sequence-overflow');
  }
  sa.sequence = sequence;

  const t = sa.transforms;
  // RFC 4303 section 2.4: pad so that payload | padding | pad length | next header ends on the
  // cipher's block (4 bytes at least); the padding bytes are 1, 2, 3, ...
  const unpadded = payload.length + 2;
  const padded = Math.ceil(unpadded / t.alignment) * t.alignment;
  const padLength = padded - unpadded;
  for (let i = 0; i < padLength; i++) trailer[i] = i + 1;
  trailer[padLength] = padLength;
  trailer[padLength + 1] = nextHeader;
  const trail = trailer.subarray(0, padLength + 2);

  const out = Buffer.allocUnsafe(HEADER + t.ivLength + padded + t.icvLength);
  out.writeUInt32BE(sa.spi, 0);
  out.writeUInt32BE(sequence % TWO_32, 4);
  const iv = out.subarray(HEADER, HEADER + t.ivLength);
  if (t.ivLength > 0) {
    if (fixedIv !== undefined) iv.set(fixedIv.subarray(0, t.ivLength));
    else if (t.counterIv) sequenceIv(out, HEADER, sequence);
    else random(iv);
  }
  const high = Math.floor(sequence / TWO_32);
  let aad: Buffer = out.subarray(0, HEADER);
  if (sa.esn && t.aead) {
    // RFC 4106 section 5.2: with ESN the AAD is SPI | high 32 bits | low 32 bits.
    out.copy(esnAad, 0, 0, 4);
    esnAad.writeUInt32BE(high, 4);
    out.copy(esnAad, 8, 4, 8);
    aad = esnAad;
  }
  let end = t.encrypt(iv, payload, trail, aad, out, HEADER + t.ivLength);
  if (!t.aead && t.icvLength > 0) {
    // RFC 4303 section 2.8 / 3.3.4: the ICV covers SPI through next header; with ESN the high
    // sequence bits are appended to the ICV input without being sent (section 2.2.1).
    const parts = [out.subarray(0, end)];
    if (sa.esn) {
      esnHigh.writeUInt32BE(high, 0);
      parts.push(esnHigh);
    }
    const icv = t.icv(parts);
    icv.copy(out, end, 0, t.icvLength);
    end += t.icvLength;
  }
  sa.account(packet.length, now);
  return out;
}

/**
 * Verifies and decrypts one ESP packet of an inbound SA (the caller found it by SPI). Returns the
 * IP packet to deliver (an empty buffer for a dummy packet, next header 59) or the drop reason.
 */
export function espUnprotect(sa: IpsecSa, esp: Uint8Array, now: number): Buffer | DropReason {
  const t = sa.transforms;
  const ctStart = HEADER + t.ivLength;
  const ctEnd = esp.length - t.icvLength;
  const ctLength = ctEnd - ctStart;
  // At least pad length and next header, and a ciphertext on the cipher's alignment (section 2.4).
  if (ctLength < 2 || ctLength % t.alignment !== 0) return sa.drop('truncated');
  const low =
    ((esp[4] ?? 0) * 0x100_0000 + (((esp[5] ?? 0) << 16) | ((esp[6] ?? 0) << 8) | (esp[7] ?? 0))) >>> 0;
  const sequence = sa.esn ? sa.replay.extend(low) : low;
  if (!sa.replay.check(sequence)) return sa.drop('replayed');
  if (sa.hardExpired) return sa.drop('hard-limit');
  const high = Math.floor(sequence / TWO_32);
  const header = esp.subarray(0, HEADER);

  let plaintext: Buffer | undefined;
  const iv = esp.subarray(HEADER, ctStart);
  const ciphertext = esp.subarray(ctStart, ctEnd);
  if (t.aead) {
    let aad: Uint8Array = header;
    if (sa.esn) {
      esnAad.set(header.subarray(0, 4), 0);
      esnAad.writeUInt32BE(high, 4);
      esnAad.set(header.subarray(4, 8), 8);
      aad = esnAad;
    }
    plaintext = t.decrypt(iv, ciphertext, aad, esp.subarray(ctEnd));
    if (plaintext === undefined) return sa.drop('bad-icv');
  } else {
    if (t.icvLength > 0) {
      const parts = [esp.subarray(0, ctEnd)];
      if (sa.esn) {
        esnHigh.writeUInt32BE(high, 0);
        parts.push(esnHigh);
      }
      const icv = t.icv(parts);
      // Constant-time comparison of the received ICV (DEVELOPERS.md: timingSafeEqual for MACs).
      if (!timingSafeEqual(icv.subarray(0, t.icvLength), esp.subarray(ctEnd))) return sa.drop('bad-icv');
    }
    plaintext = t.decrypt(iv, ciphertext, header, esp.subarray(ctEnd));
    if (plaintext === undefined) return sa.drop('bad-icv');
  }
  // Authentic: only now may the window move (RFC 4303 section 3.4.3).
  sa.replay.update(sequence);

  const n = plaintext.length;
  const padLength = plaintext[n - 2] ?? 0;
  const nextHeader = plaintext[n - 1] ?? 0;
  const payloadLength = n - 2 - padLength;
  if (payloadLength < 0) return sa.drop('bad-padding');
  // RFC 4303 section 2.4: padding from ikets and strongSwan is 1, 2, 3, ...; anything else is refused.
  for (let i = 0; i < padLength; i++) {
    if (plaintext[payloadLength + i] !== i + 1) return sa.drop('bad-padding');
  }
  if (nextHeader === NO_NEXT_HEADER) {
    sa.account(0, now);
    return Buffer.alloc(0);
  }
  const payload = plaintext.subarray(0, payloadLength);
  if (sa.mode === 'tunnel') return deliverTunnel(sa, payload, nextHeader, now);
  return deliverTransport(sa, payload, nextHeader, now);
}

/** Tunnel mode: the inner packet, trimmed of TFC padding (RFC 4303 section 2.7), checked against the SA's selectors. */
export function deliverTunnel(
  sa: IpsecSa,
  payload: Buffer,
  nextHeader: number,
  now: number,
): Buffer | DropReason {
  const version = (payload[0] ?? 0) >>> 4;
  let length: number;
  if (nextHeader === IPPROTO_IPIP && version === 4 && payload.length >= 20) length = payload.readUInt16BE(2);
  else if (nextHeader === IPPROTO_IPV6 && version === 6 && payload.length >= 40)
    length = 40 + payload.readUInt16BE(4);
  else return sa.drop('malformed');
  if (length > payload.length || length < (version === 4 ? 20 : 40)) return sa.drop('malformed');
  const inner = length === payload.length ? payload : payload.subarray(0, length);
  if (!innerMatches(sa, inner)) return sa.drop('selector-mismatch');
  sa.account(inner.length, now);
  return inner;
}

/** RFC 4301 section 5.2 step 4: the inner source must lie in a remote selector, the destination in a local one. */
function innerMatches(sa: IpsecSa, inner: Uint8Array): boolean {
  if (sa.localTs.length === 0 && sa.remoteTs.length === 0) return true;
  const flow = packetFlow(inner);
  if (flow === undefined) return false;
  let source = sa.remoteTs.length === 0;
  for (const s of sa.remoteTs) {
    if (selectorMatches(s, flow.family, flow.source, flow.protocol, flow.sourcePort)) {
      source = true;
      break;
    }
  }
  if (!source) return false;
  if (sa.localTs.length === 0) return true;
  for (const s of sa.localTs) {
    if (selectorMatches(s, flow.family, flow.destination, flow.protocol, flow.destinationPort)) return true;
  }
  return false;
}

/**
 * Transport mode: the IP header is rebuilt from the SA's outer addresses (the peer as source, this
 * host as destination) and the TCP/UDP checksum recomputed over them (RFC 3948 section 3.1.2).
 * The selectors are not checked against the rebuilt addresses: they are the SA's own.
 */
function deliverTransport(
  sa: IpsecSa,
  payload: Buffer,
  nextHeader: number,
  now: number,
): Buffer | DropReason {
  const headerLength = sa.family === 4 ? 20 : 40;
  const total = headerLength + payload.length;
  if (total > 0xffff + (sa.family === 6 ? 40 : 0)) return sa.drop('malformed');
  const out = Buffer.allocUnsafe(total);
  if (sa.family === 4) {
    writeIpv4Header(out, 0, total, {
      tos: 0,
      id: 0,
      ttl: DEFAULT_TTL,
      protocol: nextHeader,
      source: sa.sourceBytes,
      destination: sa.destinationBytes,
    });
  } else {
    writeIpv6Header(out, 0, payload.length, {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: DEFAULT_TTL,
      nextHeader,
      source: sa.sourceBytes,
      destination: sa.destinationBytes,
    });
  }
  payload.copy(out, headerLength);
  const flow = packetFlow(out);
  if (flow !== undefined) refreshTransportChecksum(out, flow);
  sa.account(out.length, now);
  return out;
}
