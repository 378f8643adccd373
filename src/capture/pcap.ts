/**
 * Classic libpcap files: a 24-byte global header, then 16-byte record headers each followed by the
 * captured bytes. Both byte orders, microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) variants.
 */
import { CaptureError, need } from './errors.js';
import type { ParsedContainer, RawFrame } from './types.js';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

/** Upper bound for one record; libpcap itself refuses records above 256 KiB unless the snaplen is larger. */
const MAX_RECORD = 0x4000000;

/** True if the input starts with a classic pcap magic number (either byte order, either resolution). */
export function isPcap(buf: Uint8Array): boolean {
  if (buf.length < 4) return false;
  const b = Buffer.from(buf.buffer, buf.byteOffset, 4);
  const be = b.readUInt32BE(0);
  const le = b.readUInt32LE(0);
  return be === MAGIC_US || be === MAGIC_NS || le === MAGIC_US || le === MAGIC_NS;
}

export function parsePcap(input: Uint8Array): ParsedContainer {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  need(buf, 0, 24, 'pcap global header');
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  let littleEndian: boolean;
  let nanos: boolean;
  if (be === MAGIC_US || be === MAGIC_NS) {
    littleEndian = false;
    nanos = be === MAGIC_NS;
  } else if (le === MAGIC_US || le === MAGIC_NS) {
    littleEndian = true;
    nanos = le === MAGIC_NS;
  } else {
    throw new CaptureError('ERR_CAPTURE_BAD_MAGIC', 0, `not a pcap file (magic 0x${be.toString(16)})`);
  }
  const u16 = (o: number): number => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const major = u16(4);
  if (major !== 2) throw new CaptureError('ERR_CAPTURE_BAD_FIELD', 4, `unsupported pcap version ${major}`);
  const snaplen = u32(16);
  // The link-type field's upper 4 bits may carry FCS information (pcap spec, "LinkType and additional information").
  const linkType = u32(20) & 0x0fffffff;
  const unitsPerSecond = nanos ? 1_000_000_000n : 1_000_000n;
  const frames: RawFrame[] = [];
  let offset = 24;
  while (offset < buf.length) {
    need(buf, offset, 16, 'pcap record header');
    const seconds = BigInt(u32(offset));
    const fraction = u32(offset + 4);
    const capLen = u32(offset + 8);
    const origLen = u32(offset + 12);
    if (fraction >= Number(unitsPerSecond)) {
      throw new CaptureError(
        'ERR_CAPTURE_BAD_FIELD',
        offset + 4,
        `timestamp fraction ${fraction} out of range`,
      );
    }
    if (capLen > MAX_RECORD) {
      throw new CaptureError('ERR_CAPTURE_BAD_FIELD', offset + 8, `record length ${capLen} is implausible`);
    }
    need(buf, offset + 16, capLen, `pcap record ${frames.length + 1}`);
    const dataOffset = offset + 16;
    frames.push({
      frame: frames.length + 1,
      interfaceId: 0,
      linkType,
      timestampNs: seconds * 1_000_000_000n + BigInt(fraction) * (nanos ? 1n : 1000n),
      originalLength: origLen,
      data: buf.subarray(dataOffset, dataOffset + capLen),
      dataOffset,
    });
    offset = dataOffset + capLen;
  }
  return {
    format: 'pcap',
    littleEndian,
    interfaces: [{ id: 0, linkType, snaplen, unitsPerSecond }],
    frames,
  };
}
