/**
 * Identification payload body, RFC 2408 section 3.8 with the IPsec DOI fields of RFC 2407 section 4.6.2
 * (ID Type, Protocol ID, Port) and the ID types of section 4.6.2.1. Addresses of the wrong size for their
 * ID type are answered with INVALID-ID-INFORMATION; unknown ID types are kept as raw bytes.
 */
import {
  formatIpv4,
  formatIpv6,
  maskOfPrefixLength,
  parseIpv4,
  parseIpv6,
  prefixLengthOfMask,
} from './address.js';
import { type ByteWriter, checkBytes, need, readU8, readU16 } from './bytes.js';
import { DecodeError, EncodeError } from './errors.js';
import { IdType, NotifyType } from './numbers.js';
import type { IdentificationData, IdentificationPayload } from './types.js';

/** Size of the ID data for the fixed-size ID types. */
const FIXED_SIZE: Readonly<Record<number, number>> = {
  [IdType.ID_IPV4_ADDR]: 4,
  [IdType.ID_IPV6_ADDR]: 16,
  [IdType.ID_IPV4_ADDR_SUBNET]: 8,
  [IdType.ID_IPV6_ADDR_SUBNET]: 32,
  [IdType.ID_IPV4_ADDR_RANGE]: 8,
  [IdType.ID_IPV6_ADDR_RANGE]: 32,
};

export function decodeIdentification(b: Uint8Array, start: number, end: number): IdentificationPayload {
  need(end, start, 4, 'identification payload');
  const idType = readU8(b, start);
  const protocolId = readU8(b, start + 1);
  const port = readU16(b, start + 2);
  return { type: 'identification', protocolId, port, id: decodeIdData(b, idType, start + 4, end) };
}

/** Decodes ID data of `idType` filling [start, end). */
export function decodeIdData(b: Uint8Array, idType: number, start: number, end: number): IdentificationData {
  const data = b.subarray(start, end);
  const size = FIXED_SIZE[idType];
  if (size !== undefined && data.length !== size) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_ID',
      start,
      `ID type ${idType} needs ${size} bytes of data, not ${data.length}`,
      NotifyType.INVALID_ID_INFORMATION,
    );
  }
  const v4 = (o: number) => formatIpv4(data.subarray(o, o + 4));
  const v6 = (o: number) => formatIpv6(data.subarray(o, o + 16));
  switch (idType) {
    case IdType.ID_IPV4_ADDR:
      return { kind: 'ID_IPV4_ADDR', address: v4(0) };
    case IdType.ID_IPV6_ADDR:
      return { kind: 'ID_IPV6_ADDR', address: v6(0) };
    case IdType.ID_FQDN:
      return { kind: 'ID_FQDN', name: latin1(data) };
    case IdType.ID_USER_FQDN:
      return { kind: 'ID_USER_FQDN', name: latin1(data) };
    case IdType.ID_IPV4_ADDR_SUBNET:
      return { kind: 'ID_IPV4_ADDR_SUBNET', address: v4(0), mask: v4(4) };
    case IdType.ID_IPV6_ADDR_SUBNET:
      return { kind: 'ID_IPV6_ADDR_SUBNET', address: v6(0), mask: v6(16) };
    case IdType.ID_IPV4_ADDR_RANGE:
      return { kind: 'ID_IPV4_ADDR_RANGE', start: v4(0), end: v4(4) };
    case IdType.ID_IPV6_ADDR_RANGE:
      return { kind: 'ID_IPV6_ADDR_RANGE', start: v6(0), end: v6(16) };
    case IdType.ID_DER_ASN1_DN:
      return { kind: 'ID_DER_ASN1_DN', data };
    case IdType.ID_DER_ASN1_GN:
      return { kind: 'ID_DER_ASN1_GN', data };
    case IdType.ID_KEY_ID:
      return { kind: 'ID_KEY_ID', data };
    default:
      return { kind: 'unknown', idType, data };
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function fromLatin1(s: string, path: string): Uint8Array {
  if (typeof s !== 'string') throw new EncodeError(path, 'not a string');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new EncodeError(path, `character ${i} is outside latin1 (one byte per character)`);
    out[i] = c;
  }
  return out;
}

function v4bytes(s: string, path: string): Uint8Array {
  const b = typeof s === 'string' ? parseIpv4(s) : undefined;
  if (b === undefined) throw new EncodeError(path, `not an IPv4 address: ${String(s)}`);
  return b;
}

function v6bytes(s: string, path: string): Uint8Array {
  const b = typeof s === 'string' ? parseIpv6(s) : undefined;
  if (b === undefined) throw new EncodeError(path, `not an IPv6 address: ${String(s)}`);
  return b;
}

/** The ID type number of typed ID data. */
export function idTypeOf(id: IdentificationData): number {
  return id.kind === 'unknown' ? id.idType : IdType[id.kind];
}

export function encodeIdentification(w: ByteWriter, p: IdentificationPayload, path: string): void {
  w.u8(idTypeOf(p.id), `${path}.id.idType`);
  w.u8(p.protocolId, `${path}.protocolId`);
  w.u16(p.port, `${path}.port`);
  w.bytes(encodeIdData(p.id, `${path}.id`));
}

export function encodeIdData(id: IdentificationData, path: string): Uint8Array {
  switch (id.kind) {
    case 'ID_IPV4_ADDR':
      return v4bytes(id.address, `${path}.address`);
    case 'ID_IPV6_ADDR':
      return v6bytes(id.address, `${path}.address`);
    case 'ID_FQDN':
    case 'ID_USER_FQDN':
      return fromLatin1(id.name, `${path}.name`);
    case 'ID_IPV4_ADDR_SUBNET':
      return concat(v4bytes(id.address, `${path}.address`), v4bytes(id.mask, `${path}.mask`));
    case 'ID_IPV6_ADDR_SUBNET':
      return concat(v6bytes(id.address, `${path}.address`), v6bytes(id.mask, `${path}.mask`));
    case 'ID_IPV4_ADDR_RANGE':
      return concat(v4bytes(id.start, `${path}.start`), v4bytes(id.end, `${path}.end`));
    case 'ID_IPV6_ADDR_RANGE':
      return concat(v6bytes(id.start, `${path}.start`), v6bytes(id.end, `${path}.end`));
    case 'ID_DER_ASN1_DN':
    case 'ID_DER_ASN1_GN':
    case 'ID_KEY_ID':
      return checkBytes(id.data, `${path}.data`);
    case 'unknown': {
      const data = checkBytes(id.data, `${path}.data`);
      if (!Number.isInteger(id.idType) || id.idType < 0 || id.idType > 255) {
        throw new EncodeError(`${path}.idType`, 'not in 0..255');
      }
      if (FIXED_SIZE[id.idType] !== undefined || (id.idType >= 1 && id.idType <= 11)) {
        throw new EncodeError(`${path}.idType`, `ID type ${id.idType} is known: use its typed form`);
      }
      return data;
    }
    default: {
      const never: never = id;
      throw new EncodeError(path, `unknown ID kind ${(never as { kind: string }).kind}`);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The prefix length of a subnet ID's mask (undefined if the mask is not contiguous). */
export function subnetPrefixLength(
  id: Extract<IdentificationData, { kind: 'ID_IPV4_ADDR_SUBNET' | 'ID_IPV6_ADDR_SUBNET' }>,
): number | undefined {
  const m = id.kind === 'ID_IPV4_ADDR_SUBNET' ? parseIpv4(id.mask) : parseIpv6(id.mask);
  return m === undefined ? undefined : prefixLengthOfMask(m);
}

/** A subnet ID for `address/prefix`, e.g. `subnetId('10.0.0.0', 24)`. */
export function subnetId(address: string, prefix: number): IdentificationData {
  if (address.includes(':')) {
    return { kind: 'ID_IPV6_ADDR_SUBNET', address, mask: formatIpv6(maskOfPrefixLength(prefix, 16)) };
  }
  return { kind: 'ID_IPV4_ADDR_SUBNET', address, mask: formatIpv4(maskOfPrefixLength(prefix, 4)) };
}
