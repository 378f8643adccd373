// Hand-built capture bytes for the capture reader's tests: UDP/IP/link headers and pcap/pcapng
// containers in either byte order. Checksums are left zero (the reader does not check them).

export function udp(srcPort: number, dstPort: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt16BE(srcPort, 0);
  b.writeUInt16BE(dstPort, 2);
  b.writeUInt16BE(8 + payload.length, 4);
  b.set(payload, 8);
  return b;
}

function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

export function ipv6Bytes(a: string): Buffer {
  const [head = '', tail] = a.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    b.writeUInt16BE(g, 2 * i);
  });
  return b;
}

export interface Ipv4Options {
  readonly options?: Uint8Array;
  readonly id?: number;
  /** Fragment offset in bytes (multiple of 8). */
  readonly fragmentOffset?: number;
  readonly moreFragments?: boolean;
  /** Override the total-length field. */
  readonly totalLength?: number;
}

export function ipv4(
  src: string,
  dst: string,
  protocol: number,
  payload: Uint8Array,
  o: Ipv4Options = {},
): Buffer {
  const opts = o.options ?? new Uint8Array(0);
  const ihl = 20 + opts.length;
  const b = Buffer.alloc(ihl + payload.length);
  b[0] = 0x40 | (ihl / 4);
  b.writeUInt16BE(o.totalLength ?? ihl + payload.length, 2);
  b.writeUInt16BE(o.id ?? 0x1234, 4);
  b.writeUInt16BE(((o.fragmentOffset ?? 0) / 8) | (o.moreFragments ? 0x2000 : 0), 6);
  b[8] = 64;
  b[9] = protocol;
  b.set(ipv4Bytes(src), 12);
  b.set(ipv4Bytes(dst), 16);
  b.set(opts, 20);
  b.set(payload, ihl);
  return b;
}

export interface Ipv6Extension {
  readonly type: number;
  /** Whole extension header after the next-header byte (length byte included). */
  readonly rest: Uint8Array;
}

/** Generic extension header (hop-by-hop, routing, destination options) of `units` 8-byte units. */
export function genericExtension(type: number, units = 1): Ipv6Extension {
  const rest = Buffer.alloc(units * 8 - 1);
  rest[0] = units - 1;
  return { type, rest };
}

export function fragmentExtension(offset: number, more: boolean, id: number): Ipv6Extension {
  const rest = Buffer.alloc(7);
  rest.writeUInt16BE(offset | (more ? 1 : 0), 1);
  rest.writeUInt32BE(id, 3);
  return { type: 44, rest };
}

/** AH: length field in 4-byte units minus 2; `words` 4-byte words in total. */
export function ahExtension(words = 6): Ipv6Extension {
  const rest = Buffer.alloc(words * 4 - 1);
  rest[0] = words - 2;
  return { type: 51, rest };
}

export function ipv6(
  src: string,
  dst: string,
  protocol: number,
  payload: Uint8Array,
  ext: readonly Ipv6Extension[] = [],
): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < ext.length; i++) {
    const e = ext[i];
    if (!e) continue;
    parts.push(Buffer.from([ext[i + 1]?.type ?? protocol]), Buffer.from(e.rest));
  }
  const body = Buffer.concat([...parts, payload]);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(body.length, 4);
  h[6] = ext[0]?.type ?? protocol;
  h[7] = 64;
  ipv6Bytes(src).copy(h, 8);
  ipv6Bytes(dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;

export function ethernet(
  ethertype: number,
  payload: Uint8Array,
  vlans: readonly number[] = [],
  padTo = 0,
): Buffer {
  const tags = vlans.map((tpid) => Buffer.from([tpid >> 8, tpid & 0xff, 0x00, 0x2a]));
  const h = Buffer.alloc(14);
  h.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]);
  const type = Buffer.from([ethertype >> 8, ethertype & 0xff]);
  const frame = Buffer.concat([h.subarray(0, 12), ...tags, type, payload]);
  return frame.length >= padTo ? frame : Buffer.concat([frame, Buffer.alloc(padTo - frame.length)]);
}

export function sll(ethertype: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(ethertype, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(ethertype: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ethertype, 0);
  h.writeUInt32BE(3, 4); // ifindex
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = 4; // outgoing
  h[11] = 6;
  return Buffer.concat([h, payload]);
}

export function nullLoopback(family: number, payload: Uint8Array, littleEndian: boolean): Buffer {
  const h = Buffer.alloc(4);
  if (littleEndian) h.writeUInt32LE(family, 0);
  else h.writeUInt32BE(family, 0);
  return Buffer.concat([h, payload]);
}

export interface PcapRecord {
  readonly seconds: number;
  /** Micro- or nanoseconds, per the file's resolution. */
  readonly fraction: number;
  readonly data: Uint8Array;
  readonly originalLength?: number;
}

export function pcapFile(
  linkType: number,
  records: readonly PcapRecord[],
  o: { readonly littleEndian: boolean; readonly nanos?: boolean; readonly snaplen?: number },
): Buffer {
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (o.littleEndian) b.writeUInt32LE(v >>> 0, 0);
    else b.writeUInt32BE(v >>> 0, 0);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (o.littleEndian) b.writeUInt16LE(v, 0);
    else b.writeUInt16BE(v, 0);
    return b;
  };
  const parts: Buffer[] = [
    u32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4),
    u16(2),
    u16(4),
    u32(0),
    u32(0),
    u32(o.snaplen ?? 262144),
    u32(linkType),
  ];
  for (const r of records) {
    parts.push(
      u32(r.seconds),
      u32(r.fraction),
      u32(r.data.length),
      u32(r.originalLength ?? r.data.length),
      Buffer.from(r.data),
    );
  }
  return Buffer.concat(parts);
}

/** pcapng writer for one byte order; blocks are concatenated by the caller. */
export class PcapngWriter {
  constructor(readonly littleEndian: boolean) {}

  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.littleEndian) b.writeUInt16LE(v, 0);
    else b.writeUInt16BE(v, 0);
    return b;
  }
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.littleEndian) b.writeUInt32LE(v >>> 0, 0);
    else b.writeUInt32BE(v >>> 0, 0);
    return b;
  }
  private pad(b: Uint8Array): Buffer {
    return Buffer.concat([Buffer.from(b), Buffer.alloc((4 - (b.length % 4)) % 4)]);
  }
  option(code: number, value: Uint8Array): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }
  endOfOptions(): Buffer {
    return Buffer.alloc(4);
  }
  block(type: number, body: Uint8Array): Buffer {
    const padded = this.pad(body);
    const len = 12 + padded.length;
    return Buffer.concat([this.u32(type), this.u32(len), padded, this.u32(len)]);
  }
  shb(options: Uint8Array = new Uint8Array(0)): Buffer {
    const body = Buffer.concat([
      this.u32(0x1a2b3c4d),
      this.u16(1),
      this.u16(0),
      Buffer.alloc(8, 0xff),
      options,
    ]);
    return this.block(0x0a0d0d0a, body);
  }
  idb(linkType: number, snaplen = 0, options: Uint8Array = new Uint8Array(0)): Buffer {
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snaplen), options]));
  }
  /** `ts` in the interface's units. */
  epb(
    iface: number,
    ts: bigint,
    data: Uint8Array,
    originalLength = data.length,
    options: Uint8Array = new Uint8Array(0),
  ): Buffer {
    const body = Buffer.concat([
      this.u32(iface),
      this.u32(Number(ts >> 32n)),
      this.u32(Number(ts & 0xffffffffn)),
      this.u32(data.length),
      this.u32(originalLength),
      this.pad(data),
      options,
    ]);
    return this.block(6, body);
  }
  spb(data: Uint8Array, originalLength = data.length): Buffer {
    return this.block(3, Buffer.concat([this.u32(originalLength), this.pad(data)]));
  }
  /** Obsolete Packet Block (type 2). */
  opb(iface: number, ts: bigint, data: Uint8Array): Buffer {
    const body = Buffer.concat([
      this.u16(iface),
      this.u16(0),
      this.u32(Number(ts >> 32n)),
      this.u32(Number(ts & 0xffffffffn)),
      this.u32(data.length),
      this.u32(data.length),
      this.pad(data),
    ]);
    return this.block(2, body);
  }
}

/** A minimal ISAKMP-looking message: 28-byte header with the length field, exchange type `exch`. */
export function isakmpMessage(exch = 2, bodyLength = 0, cookieByte = 0x11): Buffer {
  const b = Buffer.alloc(28 + bodyLength);
  b.fill(cookieByte, 0, 8);
  b[17] = 0x10;
  b[18] = exch;
  b.writeUInt32BE(28 + bodyLength, 24);
  return b;
}

export const NON_ESP_MARKER = Buffer.alloc(4);

export function withMarker(message: Uint8Array): Buffer {
  return Buffer.concat([NON_ESP_MARKER, message]);
}

export function espPacket(spi: number, seq: number, bodyLength = 32): Buffer {
  const b = Buffer.alloc(8 + bodyLength, 0xab);
  b.writeUInt32BE(spi, 0);
  b.writeUInt32BE(seq, 4);
  return b;
}
