/**
 * Data attributes, RFC 2408 section 3.3: AF bit set = Type/Value (Basic, 2-byte value), AF clear =
 * Type/Length/Value (Variable). The exact value bytes of a TLV attribute are kept, so non-minimal integer
 * encodings (e.g. a Life Duration sent as 8 bytes) re-encode identically.
 *
 * Basic classes (RFC 2409 Appendix A, RFC 2407 section 4.5: "Attributes described as basic MUST NOT be
 * encoded as variable") found in TLV form are rejected with ATTRIBUTES-NOT-SUPPORTED.
 */
import { type ByteWriter, checkBytes, need, readU16 } from './bytes.js';
import { DecodeError, EncodeError } from './errors.js';
import { IKE_VARIABLE_CLASSES, IPSEC_VARIABLE_CLASSES, NotifyType } from './numbers.js';
import type { DataAttribute } from './types.js';

/** Which attribute registry applies: phase 1 (PROTO_ISAKMP transforms), phase 2, or Mode-Config. */
export type AttributeContext = 'ike' | 'ipsec' | 'config';

const IKE_BASIC = new Set([1, 2, 3, 4, 5, 11, 13, 14, 15]);
const IPSEC_BASIC = new Set([1, 3, 4, 5, 6, 7, 8, 10, 11]);

/** True if `type` is a known Basic class in this context (it may only use the TV form). */
export function isBasicClass(context: AttributeContext, type: number): boolean {
  if (context === 'ike') return IKE_BASIC.has(type);
  if (context === 'ipsec') return IPSEC_BASIC.has(type);
  return false;
}

/** True if `type` is a known Variable class in this context (TV allowed when the value fits, RFC 2407 4.5). */
export function isVariableClass(context: AttributeContext, type: number): boolean {
  if (context === 'ike') return IKE_VARIABLE_CLASSES.includes(type);
  if (context === 'ipsec') return IPSEC_VARIABLE_CLASSES.includes(type);
  return false;
}

/** Decodes the attributes filling [start, end) of `b` exactly. */
export function decodeAttributes(
  b: Uint8Array,
  start: number,
  end: number,
  context: AttributeContext,
): DataAttribute[] {
  const out: DataAttribute[] = [];
  let o = start;
  while (o < end) {
    need(end, o, 4, 'data attribute header');
    const word = readU16(b, o);
    const type = word & 0x7fff;
    if ((word & 0x8000) !== 0) {
      out.push({ form: 'tv', type, value: readU16(b, o + 2) });
      o += 4;
      continue;
    }
    const length = readU16(b, o + 2);
    if (o + 4 + length > end) {
      throw new DecodeError(
        'ERR_ISAKMP_BAD_ATTRIBUTE',
        o + 2,
        `attribute length ${length} runs past its payload (${end - o - 4} bytes left)`,
        NotifyType.PAYLOAD_MALFORMED,
      );
    }
    if (isBasicClass(context, type)) {
      throw new DecodeError(
        'ERR_ISAKMP_ATTRIBUTE_FORM',
        o,
        `basic attribute class ${type} encoded in TLV form`,
        NotifyType.ATTRIBUTES_NOT_SUPPORTED,
      );
    }
    out.push({ form: 'tlv', type, value: b.subarray(o + 4, o + 4 + length) });
    o += 4 + length;
  }
  return out;
}

export function encodeAttributes(w: ByteWriter, attrs: readonly DataAttribute[], path: string): void {
  attrs.forEach((a, i) => {
    const p = `${path}[${i}]`;
    if (!Number.isInteger(a.type) || a.type < 0 || a.type > 0x7fff) {
      throw new EncodeError(`${p}.type`, `attribute type ${a.type} is not in 0..32767`);
    }
    if (a.form === 'tv') {
      w.u16(0x8000 | a.type, `${p}.type`);
      w.u16(a.value, `${p}.value`);
    } else {
      const v = checkBytes(a.value, `${p}.value`);
      w.u16(a.type, `${p}.type`);
      w.u16(v.length, `${p}.value.length`);
      w.bytes(v);
    }
  });
}

/** The value of an attribute as an unsigned integer (TLV: big-endian of any length). */
export function attributeInteger(a: DataAttribute): bigint {
  if (a.form === 'tv') return BigInt(a.value);
  let n = 0n;
  for (const x of a.value) n = (n << 8n) | BigInt(x);
  return n;
}

/** `attributeInteger` as a number, or undefined when it exceeds Number.MAX_SAFE_INTEGER. */
export function attributeNumber(a: DataAttribute): number | undefined {
  const n = attributeInteger(a);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

/** A Basic (TV) attribute. */
export function tvAttribute(type: number, value: number): DataAttribute {
  return { form: 'tv', type, value };
}

/** A Variable (TLV) attribute carrying an integer in `byteLength` bytes (default: 4, or more if needed). */
export function tlvIntegerAttribute(
  type: number,
  value: bigint | number,
  byteLength?: number,
): DataAttribute {
  let n = BigInt(value);
  if (n < 0n) throw new EncodeError('value', 'negative integer');
  let minimal = 0;
  for (let m = n; m > 0n; m >>= 8n) minimal++;
  const size = byteLength ?? Math.max(4, minimal);
  if (size < minimal || size > 0xffff)
    throw new EncodeError('value', `${value} does not fit in ${size} bytes`);
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return { form: 'tlv', type, value: out };
}

/** A lifetime-style attribute: TV when the value fits in 16 bits, else a 4-byte (or longer) TLV. */
export function integerAttribute(type: number, value: bigint | number): DataAttribute {
  const n = BigInt(value);
  return n >= 0n && n <= 0xffffn ? tvAttribute(type, Number(n)) : tlvIntegerAttribute(type, n);
}
