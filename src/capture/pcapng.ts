/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks `type, length, body, length`. A Section
 * Header Block (SHB) starts each section and fixes its byte order; Interface Description Blocks
 * (IDB) give link type, snaplen and timestamp resolution; packets come in Enhanced (EPB), Simple
 * (SPB) or the obsolete Packet Blocks. Every other block type is skipped.
 */
import { CaptureError, need } from './errors.js';
import type { CaptureInterface, ParsedContainer, RawFrame } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** True if the input starts with a pcapng Section Header Block type. */
export function isPcapng(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x0a && buf[1] === 0x0d && buf[2] === 0x0d && buf[3] === 0x0a;
}

interface SectionInterface extends CaptureInterface {
  readonly tsOffsetSeconds: bigint;
}

interface Option {
  readonly code: number;
  readonly value: Buffer;
  readonly offset: number;
}

export function parsePcapng(input: Uint8Array): ParsedContainer {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!isPcapng(buf)) {
    throw new CaptureError('ERR_CAPTURE_BAD_MAGIC', 0, 'not a pcapng file (no Section Header Block)');
  }
  const interfaces: CaptureInterface[] = [];
  const frames: RawFrame[] = [];
  let section: SectionInterface[] = [];
  let littleEndian = true;
  let firstLittleEndian: boolean | undefined;
  let offset = 0;
  const u16 = (o: number): number => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));

  while (offset < buf.length) {
    need(buf, offset, 12, 'pcapng block header');
    const rawType = buf.readUInt32LE(offset);
    if (rawType === SHB) {
      need(buf, offset, 16, 'Section Header Block');
      const bom = buf.readUInt32LE(offset + 8);
      if (bom === BYTE_ORDER_MAGIC) littleEndian = true;
      else if (buf.readUInt32BE(offset + 8) === BYTE_ORDER_MAGIC) littleEndian = false;
      else
        throw new CaptureError(
          'ERR_CAPTURE_BAD_MAGIC',
          offset + 8,
          'bad byte-order magic in Section Header Block',
        );
      firstLittleEndian ??= littleEndian;
      section = [];
    } else if (firstLittleEndian === undefined) {
      throw new CaptureError(
        'ERR_CAPTURE_BAD_MAGIC',
        offset,
        'pcapng file does not start with a Section Header Block',
      );
    }
    const type = u32(offset);
    const length = u32(offset + 4);
    if (length < 12 || length % 4 !== 0) {
      throw new CaptureError('ERR_CAPTURE_BAD_BLOCK', offset + 4, `block length ${length} is invalid`);
    }
    need(buf, offset, length, `pcapng block of type ${type}`);
    if (u32(offset + length - 4) !== length) {
      throw new CaptureError(
        'ERR_CAPTURE_BAD_BLOCK',
        offset + length - 4,
        'block trailer length differs from header',
      );
    }
    const body = offset + 8;
    const bodyEnd = offset + length - 4;
    const needBody = (n: number, what: string): void => {
      if (body + n > bodyEnd)
        throw new CaptureError('ERR_CAPTURE_BAD_BLOCK', body, `${what} longer than its block`);
    };

    if (type === SHB) {
      needBody(16, 'Section Header Block');
      const major = u16(body + 4);
      if (major !== 1)
        throw new CaptureError('ERR_CAPTURE_BAD_FIELD', body + 4, `unsupported pcapng version ${major}`);
      readOptions(buf, body + 16, bodyEnd, u16);
    } else if (type === IDB) {
      needBody(8, 'Interface Description Block');
      const linkType = u16(body);
      const snaplen = u32(body + 4);
      let unitsPerSecond = 1_000_000n;
      let tsOffsetSeconds = 0n;
      let name: string | undefined;
      for (const opt of readOptions(buf, body + 8, bodyEnd, u16)) {
        if (opt.code === IF_TSRESOL) unitsPerSecond = tsresol(opt);
        else if (opt.code === IF_TSOFFSET) {
          if (opt.value.length !== 8)
            throw new CaptureError('ERR_CAPTURE_BAD_BLOCK', opt.offset, 'if_tsoffset is not 8 bytes');
          tsOffsetSeconds = littleEndian ? opt.value.readBigInt64LE(0) : opt.value.readBigInt64BE(0);
        } else if (opt.code === IF_NAME) name = opt.value.toString('utf8');
      }
      const iface: SectionInterface = {
        id: interfaces.length,
        linkType,
        snaplen,
        unitsPerSecond,
        tsOffsetSeconds,
        ...(name === undefined ? {} : { name }),
      };
      section.push(iface);
      interfaces.push({
        id: iface.id,
        linkType,
        snaplen,
        unitsPerSecond,
        ...(name === undefined ? {} : { name }),
      });
    } else if (type === EPB || type === OPB) {
      needBody(20, type === EPB ? 'Enhanced Packet Block' : 'Packet Block');
      const ifaceId = type === EPB ? u32(body) : u16(body);
      const iface = section[ifaceId];
      if (iface === undefined) {
        throw new CaptureError(
          'ERR_CAPTURE_BAD_INTERFACE',
          body,
          `packet on undescribed interface ${ifaceId}`,
        );
      }
      const ts = (BigInt(u32(body + 4)) << 32n) | BigInt(u32(body + 8));
      const capLen = u32(body + 12);
      const origLen = u32(body + 16);
      const dataOffset = body + 20;
      if (capLen > bodyEnd - dataOffset) {
        throw new CaptureError(
          'ERR_CAPTURE_BAD_BLOCK',
          body + 12,
          `captured length ${capLen} exceeds its block`,
        );
      }
      readOptions(buf, dataOffset + pad4(capLen), bodyEnd, u16);
      frames.push(frame(frames.length + 1, iface, ts, origLen, buf, dataOffset, capLen));
    } else if (type === SPB) {
      needBody(4, 'Simple Packet Block');
      const iface = section[0];
      if (iface === undefined) {
        throw new CaptureError('ERR_CAPTURE_BAD_INTERFACE', body, 'Simple Packet Block without interface 0');
      }
      const origLen = u32(body);
      const dataOffset = body + 4;
      let capLen = Math.min(origLen, bodyEnd - dataOffset);
      if (iface.snaplen !== 0) capLen = Math.min(capLen, iface.snaplen);
      frames.push(frame(frames.length + 1, iface, 0n, origLen, buf, dataOffset, capLen));
    }
    offset += length;
  }
  return { format: 'pcapng', littleEndian: firstLittleEndian ?? true, interfaces, frames };
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function frame(
  n: number,
  iface: SectionInterface,
  ts: bigint,
  originalLength: number,
  buf: Buffer,
  dataOffset: number,
  capLen: number,
): RawFrame {
  return {
    frame: n,
    interfaceId: iface.id,
    linkType: iface.linkType,
    timestampNs: (ts * 1_000_000_000n) / iface.unitsPerSecond + iface.tsOffsetSeconds * 1_000_000_000n,
    originalLength,
    data: buf.subarray(dataOffset, dataOffset + capLen),
    dataOffset,
  };
}

/** if_tsresol: high bit clear = 10^-v seconds, set = 2^-v seconds. */
function tsresol(opt: Option): bigint {
  const v = opt.value[0];
  if (opt.value.length !== 1 || v === undefined) {
    throw new CaptureError('ERR_CAPTURE_BAD_BLOCK', opt.offset, 'if_tsresol is not 1 byte');
  }
  const exp = v & 0x7f;
  if (v & 0x80) {
    if (exp > 63)
      throw new CaptureError('ERR_CAPTURE_BAD_FIELD', opt.offset, `if_tsresol 2^-${exp} out of range`);
    return 1n << BigInt(exp);
  }
  if (exp > 19)
    throw new CaptureError('ERR_CAPTURE_BAD_FIELD', opt.offset, `if_tsresol 10^-${exp} out of range`);
  return 10n ** BigInt(exp);
}

/** Options: `code(2) length(2) value` padded to 4 bytes, up to opt_endofopt or the end of the body. */
function readOptions(buf: Buffer, start: number, end: number, u16: (o: number) => number): Option[] {
  const out: Option[] = [];
  let o = start;
  while (o < end) {
    if (o + 4 > end) throw new CaptureError('ERR_CAPTURE_BAD_BLOCK', o, 'option header runs past its block');
    const code = u16(o);
    const len = u16(o + 2);
    if (code === OPT_END) break;
    if (o + 4 + len > end)
      throw new CaptureError('ERR_CAPTURE_BAD_BLOCK', o, `option ${code} runs past its block`);
    out.push({ code, value: buf.subarray(o + 4, o + 4 + len), offset: o + 4 });
    o += 4 + pad4(len);
  }
  return out;
}
