/**
 * netlink framing (RFC 3549 section 2.3.2; include/uapi/linux/netlink.h): the 16-byte message header,
 * 4-byte aligned attributes (type-length-value), and the error/ACK message. Pure functions.
 */
import { NLA_HDRLEN, NLMSG_ERROR, NLMSG_HDRLEN } from './xfrm-constants.js';

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** One attribute: nla_len (header + data, unpadded), nla_type, data padded to 4 bytes. */
export function attribute(type: number, data: Buffer): Buffer {
  const out = Buffer.alloc(align4(NLA_HDRLEN + data.length));
  out.writeUInt16LE(NLA_HDRLEN + data.length, 0);
  out.writeUInt16LE(type, 2);
  data.copy(out, NLA_HDRLEN);
  return out;
}

/** A message: header (length, type, flags, sequence, port id 0) then the payload parts. */
export function message(type: number, flags: number, seq: number, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(
    parts.map((p) =>
      p.length % 4 === 0 ? p : Buffer.concat([p, Buffer.alloc(align4(p.length) - p.length)]),
    ),
  );
  const header = Buffer.alloc(NLMSG_HDRLEN);
  header.writeUInt32LE(NLMSG_HDRLEN + body.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt32LE(seq >>> 0, 8);
  header.writeUInt32LE(0, 12);
  return Buffer.concat([header, body]);
}

export interface ParsedMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** The payload after the 16-byte header. */
  readonly payload: Buffer;
}

/** Splits a datagram read from a netlink socket into its messages (stops at a truncated one). */
export function parseMessages(data: Buffer): ParsedMessage[] {
  const out: ParsedMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= data.length) {
    const length = data.readUInt32LE(offset);
    if (length < NLMSG_HDRLEN || offset + length > data.length) break;
    out.push({
      type: data.readUInt16LE(offset + 4),
      flags: data.readUInt16LE(offset + 6),
      seq: data.readUInt32LE(offset + 8),
      payload: data.subarray(offset + NLMSG_HDRLEN, offset + length),
    });
    offset += align4(length);
  }
  return out;
}

/** The attributes after a fixed-size structure of `fixed` bytes: type -> data (first of each type). */
export function parseAttributes(payload: Buffer, fixed: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let offset = align4(fixed);
  while (offset + NLA_HDRLEN <= payload.length) {
    const length = payload.readUInt16LE(offset);
    const type = payload.readUInt16LE(offset + 2) & 0x3fff; // NLA_F_NESTED / NLA_F_NET_BYTEORDER off
    if (length < NLA_HDRLEN || offset + length > payload.length) break;
    if (!out.has(type)) out.set(type, payload.subarray(offset + NLA_HDRLEN, offset + length));
    offset += align4(length);
  }
  return out;
}

/** The errno of an NLMSG_ERROR message (0 = ACK), or undefined for any other message. */
export function errorOf(msg: ParsedMessage): number | undefined {
  if (msg.type !== NLMSG_ERROR || msg.payload.length < 4) return undefined;
  const error = msg.payload.readInt32LE(0);
  return error === 0 ? 0 : -error;
}
