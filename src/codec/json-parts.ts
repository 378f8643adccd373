/**
 * JSON form of data attributes and identification data (see docs/json-format.md).
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6, prefixLengthOfMask } from './address.js';
import { type AttributeContext, attributeInteger, tlvIntegerAttribute } from './attributes.js';
import {
  enumName,
  JsonError,
  type JsonObject,
  readEnum,
  readHex,
  readObject,
  readString,
  readUint,
  toHex,
} from './json-values.js';
import {
  attributeClassRegistry,
  attributeValueRegistry,
  isAddressClass,
  isIntegerClass,
  isTextClass,
} from './names.js';
import { IdType } from './numbers.js';
import type { DataAttribute, IdentificationData } from './types.js';

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function printable(b: Uint8Array): boolean {
  for (const x of b) if (x < 0x20 || x > 0x7e) return false;
  return true;
}

export function attributeToJson(a: DataAttribute, context: AttributeContext): JsonObject {
  const type = enumName(attributeClassRegistry(context), a.type);
  if (a.form === 'tv') return { type, value: enumName(attributeValueRegistry(context, a.type), a.value) };
  const v = a.value;
  if (isIntegerClass(context, a.type) && v.length > 0) {
    const n = attributeInteger(a);
    const value = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    return { type, form: 'tlv', value, length: v.length };
  }
  if (isAddressClass(context, a.type) && v.length === 4) return { type, form: 'tlv', address: formatIpv4(v) };
  if (isAddressClass(context, a.type) && v.length === 16)
    return { type, form: 'tlv', address: formatIpv6(v) };
  if (isTextClass(context, a.type) && printable(v))
    return { type, form: 'tlv', text: Buffer.from(v).toString('latin1') };
  return { type, form: 'tlv', hex: toHex(v) };
}

const ATTR_KEYS = ['type', 'form', 'value', 'length', 'hex', 'text', 'address'];

export function attributeFromJson(v: unknown, path: string, context: AttributeContext): DataAttribute {
  const o = readObject(v, path, ATTR_KEYS);
  const type = readEnum(o.type, `${path}.type`, attributeClassRegistry(context), 0x7fff);
  const tlvHint =
    o.hex !== undefined || o.text !== undefined || o.address !== undefined || o.length !== undefined;
  const form = o.form === undefined ? (tlvHint ? 'tlv' : 'tv') : o.form;
  if (form === 'tv') {
    for (const k of ['hex', 'text', 'address', 'length']) {
      if (o[k] !== undefined) throw new JsonError(`${path}.${k}`, 'not allowed in a TV attribute');
    }
    const value = readEnum(o.value, `${path}.value`, attributeValueRegistry(context, type), 0xffff);
    return { form: 'tv', type, value };
  }
  if (form !== 'tlv') throw new JsonError(`${path}.form`, 'expected "tv" or "tlv"');
  const given = ['value', 'hex', 'text', 'address'].filter((k) => o[k] !== undefined);
  if (given.length !== 1)
    throw new JsonError(path, 'a TLV attribute needs exactly one of value, hex, text, address');
  if (o.hex !== undefined) return { form: 'tlv', type, value: readHex(o.hex, `${path}.hex`) };
  if (o.text !== undefined) {
    const s = readString(o.text, `${path}.text`);
    if (!isLatin1(s)) throw new JsonError(`${path}.text`, 'only latin1 characters (one byte each)');
    return { form: 'tlv', type, value: Uint8Array.from(Buffer.from(s, 'latin1')) };
  }
  if (o.address !== undefined) {
    const s = readString(o.address, `${path}.address`);
    const b = parseIpv4(s) ?? parseIpv6(s);
    if (b === undefined) throw new JsonError(`${path}.address`, 'not an IPv4 or IPv6 address');
    return { form: 'tlv', type, value: b };
  }
  let n: bigint;
  const raw = o.value;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) n = BigInt(raw);
  else if (typeof raw === 'string' && /^[0-9]+$/.test(raw)) n = BigInt(raw);
  else if (typeof raw === 'string' && /^0x[0-9a-fA-F]+$/.test(raw)) n = BigInt(raw);
  else throw new JsonError(`${path}.value`, 'expected a non-negative integer (number or decimal string)');
  const length = o.length === undefined ? undefined : readUint(o.length, `${path}.length`, 0xffff);
  try {
    return tlvIntegerAttribute(type, n, length);
  } catch {
    throw new JsonError(`${path}.length`, `${n} does not fit in ${length} bytes`);
  }
}

const ID_KINDS = Object.keys(IdType);

/** The flattened JSON fields of ID data (merged into the payload or NAT-OA object). */
export function idToJson(id: IdentificationData): JsonObject {
  switch (id.kind) {
    case 'ID_IPV4_ADDR':
    case 'ID_IPV6_ADDR':
      return { idType: id.kind, address: id.address };
    case 'ID_FQDN':
    case 'ID_USER_FQDN':
      return { idType: id.kind, name: id.name };
    case 'ID_IPV4_ADDR_SUBNET':
    case 'ID_IPV6_ADDR_SUBNET': {
      const m = id.kind === 'ID_IPV4_ADDR_SUBNET' ? parseIpv4(id.mask) : parseIpv6(id.mask);
      const prefix = m === undefined ? undefined : prefixLengthOfMask(m);
      return prefix === undefined
        ? { idType: id.kind, address: id.address, mask: id.mask }
        : { idType: id.kind, address: id.address, prefix };
    }
    case 'ID_IPV4_ADDR_RANGE':
    case 'ID_IPV6_ADDR_RANGE':
      return { idType: id.kind, start: id.start, end: id.end };
    case 'ID_DER_ASN1_DN':
    case 'ID_DER_ASN1_GN':
    case 'ID_KEY_ID':
      return { idType: id.kind, data: toHex(id.data) };
    case 'unknown':
      return { idType: id.idType, data: toHex(id.data) };
  }
}

function addr(o: Record<string, unknown>, key: string, path: string, v6: boolean): string {
  const s = readString(o[key], `${path}.${key}`);
  const b = v6 ? parseIpv6(s) : parseIpv4(s);
  if (b === undefined) throw new JsonError(`${path}.${key}`, `not an ${v6 ? 'IPv6' : 'IPv4'} address`);
  return v6 ? formatIpv6(b) : formatIpv4(b);
}

/** Reads ID data from the fields of `o` (already checked for unknown keys by the caller). */
export function idFromJson(o: Record<string, unknown>, path: string): IdentificationData {
  const idType = readEnum(o.idType, `${path}.idType`, IdType, 255);
  const name = ID_KINDS.find((k) => IdType[k as keyof typeof IdType] === idType);
  const v6 = name?.includes('IPV6') ?? false;
  switch (name) {
    case 'ID_IPV4_ADDR':
    case 'ID_IPV6_ADDR':
      return { kind: name, address: addr(o, 'address', path, v6) };
    case 'ID_FQDN':
    case 'ID_USER_FQDN': {
      const s = readString(o.name, `${path}.name`);
      if (!isLatin1(s)) throw new JsonError(`${path}.name`, 'only latin1 characters (one byte each)');
      return { kind: name, name: s };
    }
    case 'ID_IPV4_ADDR_SUBNET':
    case 'ID_IPV6_ADDR_SUBNET': {
      const address = addr(o, 'address', path, v6);
      if ((o.prefix === undefined) === (o.mask === undefined)) {
        throw new JsonError(path, 'a subnet needs exactly one of prefix, mask');
      }
      if (o.mask !== undefined) return { kind: name, address, mask: addr(o, 'mask', path, v6) };
      const prefix = readUint(o.prefix, `${path}.prefix`, v6 ? 128 : 32);
      const size = v6 ? 16 : 4;
      const m = new Uint8Array(size);
      for (let i = 0; i < size; i++) m[i] = (0xff00 >>> Math.max(0, Math.min(8, prefix - 8 * i))) & 0xff;
      return { kind: name, address, mask: v6 ? formatIpv6(m) : formatIpv4(m) };
    }
    case 'ID_IPV4_ADDR_RANGE':
    case 'ID_IPV6_ADDR_RANGE':
      return { kind: name, start: addr(o, 'start', path, v6), end: addr(o, 'end', path, v6) };
    case 'ID_DER_ASN1_DN':
    case 'ID_DER_ASN1_GN':
    case 'ID_KEY_ID':
      return { kind: name, data: readHex(o.data, `${path}.data`) };
    default:
      return { kind: 'unknown', idType, data: readHex(o.data, `${path}.data`) };
  }
}

/** Keys idFromJson may read. */
export const ID_KEYS = ['idType', 'address', 'name', 'prefix', 'mask', 'start', 'end', 'data'];

/** The ID fields that belong to the ID type named by `idType` (others are rejected as unknown fields). */
export function idKeysFor(idType: unknown): string[] {
  const name =
    typeof idType === 'string' ? idType : ID_KINDS.find((k) => IdType[k as keyof typeof IdType] === idType);
  switch (name) {
    case 'ID_IPV4_ADDR':
    case 'ID_IPV6_ADDR':
      return ['idType', 'address'];
    case 'ID_FQDN':
    case 'ID_USER_FQDN':
      return ['idType', 'name'];
    case 'ID_IPV4_ADDR_SUBNET':
    case 'ID_IPV6_ADDR_SUBNET':
      return ['idType', 'address', 'prefix', 'mask'];
    case 'ID_IPV4_ADDR_RANGE':
    case 'ID_IPV6_ADDR_RANGE':
      return ['idType', 'start', 'end'];
    default:
      return ['idType', 'data'];
  }
}
