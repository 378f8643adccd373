/**
 * Payload chains: the generic payload header (RFC 2408 section 3.2) and every payload body.
 *
 * Decoding rules: the generic header's RESERVED byte must be zero; a payload length below 4 (which would loop)
 * or running past the data is rejected; a payload type not known here and outside the private-use range
 * 128-255 is rejected with INVALID-PAYLOAD-TYPE (RFC 2408 section 5.2 step 2 / 5.1), as are Proposal and
 * Transform payloads outside an SA payload. Unknown private-use payloads are kept raw.
 */

import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './address.js';
import { decodeAttributes, encodeAttributes } from './attributes.js';
import { type ByteWriter, checkBytes, need, needZero, readU8, readU16, readU32 } from './bytes.js';
import { DecodeError, EncodeError } from './errors.js';
import { decodeIdentification, encodeIdentification } from './identification.js';
import { IdType, NotifyType, PayloadType } from './numbers.js';
import { decodeSa, encodeSa } from './sa.js';
import type { Payload } from './types.js';

const KNOWN = new Set<number>(Object.values(PayloadType));

/** True if a payload of this type can be decoded (known, or private use and kept raw). */
export function isDecodablePayloadType(t: number): boolean {
  if (t === PayloadType.NONE || t === PayloadType.PROPOSAL || t === PayloadType.TRANSFORM) return false;
  return KNOWN.has(t) || (t >= 128 && t <= 255);
}

/** The payload type number of a typed payload. */
export function payloadTypeOf(p: Payload): number {
  switch (p.type) {
    case 'sa':
      return PayloadType.SA;
    case 'key_exchange':
      return PayloadType.KEY_EXCHANGE;
    case 'identification':
      return PayloadType.IDENTIFICATION;
    case 'certificate':
      return PayloadType.CERTIFICATE;
    case 'certificate_request':
      return PayloadType.CERTIFICATE_REQUEST;
    case 'hash':
      return PayloadType.HASH;
    case 'signature':
      return PayloadType.SIGNATURE;
    case 'nonce':
      return PayloadType.NONCE;
    case 'notification':
      return PayloadType.NOTIFICATION;
    case 'delete':
      return PayloadType.DELETE;
    case 'vendor_id':
      return PayloadType.VENDOR_ID;
    case 'attributes':
      return PayloadType.ATTRIBUTES;
    case 'nat_d':
      return p.draft ? PayloadType.NAT_D_DRAFT : PayloadType.NAT_D;
    case 'nat_oa':
      return p.draft ? PayloadType.NAT_OA_DRAFT : PayloadType.NAT_OA;
    case 'fragment':
      return PayloadType.FRAGMENT;
    case 'unknown':
    case 'sealed':
      return p.payloadType;
    default: {
      const never: never = p;
      throw new EncodeError('payload', `unknown payload kind ${(never as { type: string }).type}`);
    }
  }
}

export interface DecodedChain {
  readonly payloads: Payload[];
  /** Offset just after the last payload. */
  readonly end: number;
}

/**
 * Decodes the chain starting with payload type `first` at `start`, within `end`. Stops after the payload whose
 * next-payload field is NONE; the caller decides what may follow (nothing, or encryption padding).
 * `typeOffset` is where `first` was read (the header's Next Payload byte), for error offsets.
 */
export function decodeChain(
  b: Uint8Array,
  first: number,
  typeOffset: number,
  start: number,
  end: number,
): DecodedChain {
  const payloads: Payload[] = [];
  let type = first;
  let typeAt = typeOffset;
  let o = start;
  while (type !== PayloadType.NONE) {
    if (!isDecodablePayloadType(type)) {
      throw new DecodeError(
        'ERR_ISAKMP_INVALID_PAYLOAD_TYPE',
        typeAt,
        `payload type ${type} is not valid here`,
        NotifyType.INVALID_PAYLOAD_TYPE,
      );
    }
    need(end, o, 4, 'generic payload header');
    const next = readU8(b, o);
    needZero(b, o + 1, 1, 'generic payload header');
    const length = readU16(b, o + 2);
    if (length < 4) {
      throw new DecodeError(
        'ERR_ISAKMP_BAD_PAYLOAD_LENGTH',
        o + 2,
        `payload length ${length} is shorter than the generic header`,
        NotifyType.PAYLOAD_MALFORMED,
      );
    }
    if (o + length > end) {
      throw new DecodeError(
        'ERR_ISAKMP_BAD_PAYLOAD_LENGTH',
        o + 2,
        `payload length ${length} runs past the message (${end - o} bytes left)`,
        NotifyType.PAYLOAD_MALFORMED,
      );
    }
    payloads.push(decodeBody(b, type, o + 4, o + length));
    typeAt = o;
    type = next;
    o += length;
  }
  return { payloads, end: o };
}

function rest(b: Uint8Array, start: number, end: number): Uint8Array {
  return b.subarray(start, end);
}

/** Decodes the body [start, end) of a payload of type `type` (generic header excluded). */
function decodeBody(b: Uint8Array, type: number, start: number, end: number): Payload {
  switch (type) {
    case PayloadType.SA:
      return decodeSa(b, start, end);
    case PayloadType.KEY_EXCHANGE:
      return { type: 'key_exchange', data: rest(b, start, end) };
    case PayloadType.IDENTIFICATION:
      try {
        return decodeIdentification(b, start, end);
      } catch (error) {
        // RFC 2409 sections 5.2/5.3 encrypt the ID body: kept sealed for the authenticator, which
        // refuses it unless its method encrypts IDs (payload-rules.ts).
        if (!(error instanceof DecodeError)) throw error;
        return { type: 'sealed', payloadType: type, data: rest(b, start, end) };
      }
    case PayloadType.CERTIFICATE:
      need(end, start, 1, 'certificate encoding');
      return { type: 'certificate', encoding: readU8(b, start), data: rest(b, start + 1, end) };
    case PayloadType.CERTIFICATE_REQUEST:
      need(end, start, 1, 'certificate request encoding');
      return { type: 'certificate_request', encoding: readU8(b, start), authority: rest(b, start + 1, end) };
    case PayloadType.HASH:
      return { type: 'hash', data: rest(b, start, end) };
    case PayloadType.SIGNATURE:
      return { type: 'signature', data: rest(b, start, end) };
    case PayloadType.NONCE:
      return { type: 'nonce', data: rest(b, start, end) };
    case PayloadType.NOTIFICATION: {
      need(end, start, 8, 'notification fields');
      const spiSize = readU8(b, start + 5);
      if (start + 8 + spiSize > end) {
        throw new DecodeError(
          'ERR_ISAKMP_INVALID_SPI',
          start + 5,
          'SPI runs past the notification',
          NotifyType.INVALID_SPI,
        );
      }
      return {
        type: 'notification',
        doi: readU32(b, start),
        protocolId: readU8(b, start + 4),
        notifyType: readU16(b, start + 6),
        spi: rest(b, start + 8, start + 8 + spiSize),
        data: rest(b, start + 8 + spiSize, end),
      };
    }
    case PayloadType.DELETE:
      return decodeDelete(b, start, end);
    case PayloadType.VENDOR_ID:
      return { type: 'vendor_id', data: rest(b, start, end) };
    case PayloadType.ATTRIBUTES:
      need(end, start, 4, 'attributes payload fields');
      needZero(b, start + 1, 1, 'attributes payload');
      return {
        type: 'attributes',
        cfgType: readU8(b, start),
        identifier: readU16(b, start + 2),
        attributes: decodeAttributes(b, start + 4, end, 'config'),
      };
    case PayloadType.NAT_D:
    case PayloadType.NAT_D_DRAFT:
      return { type: 'nat_d', draft: type === PayloadType.NAT_D_DRAFT, hash: rest(b, start, end) };
    case PayloadType.NAT_OA:
    case PayloadType.NAT_OA_DRAFT:
      return decodeNatOa(b, start, end, type === PayloadType.NAT_OA_DRAFT);
    case PayloadType.FRAGMENT:
      need(end, start, 4, 'fragment payload fields');
      return {
        type: 'fragment',
        fragmentId: readU16(b, start),
        fragmentNumber: readU8(b, start + 2),
        flags: readU8(b, start + 3),
        data: rest(b, start + 4, end),
      };
    default:
      return { type: 'unknown', payloadType: type, data: rest(b, start, end) };
  }
}

/** Delete payload, RFC 2408 section 3.15: the SPIs must fill the payload exactly. */
function decodeDelete(b: Uint8Array, start: number, end: number): Payload {
  need(end, start, 8, 'delete fields');
  const spiSize = readU8(b, start + 5);
  const count = readU16(b, start + 6);
  if (spiSize === 0 && count > 0) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_SPI',
      start + 5,
      'SPI size 0 with SPIs to delete',
      NotifyType.INVALID_SPI,
    );
  }
  if (start + 8 + spiSize * count !== end) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_SPI',
      start + 6,
      `${count} SPIs of ${spiSize} bytes do not fill the ${end - start - 8} bytes of the delete payload`,
      NotifyType.INVALID_SPI,
    );
  }
  const spis: Uint8Array[] = [];
  for (let i = 0; i < count; i++) spis.push(rest(b, start + 8 + i * spiSize, start + 8 + (i + 1) * spiSize));
  return { type: 'delete', doi: readU32(b, start), protocolId: readU8(b, start + 4), spiSize, spis };
}

/** NAT-OA, RFC 3947 section 5.2: ID type (IPv4 or IPv6 address), 3 RESERVED bytes, the address. */
function decodeNatOa(b: Uint8Array, start: number, end: number, draft: boolean): Payload {
  need(end, start, 4, 'NAT-OA fields');
  const idType = readU8(b, start);
  needZero(b, start + 1, 3, 'NAT-OA payload');
  const size = end - start - 4;
  if (idType === IdType.ID_IPV4_ADDR && size === 4) {
    return { type: 'nat_oa', draft, address: formatIpv4(b.subarray(start + 4, end)) };
  }
  if (idType === IdType.ID_IPV6_ADDR && size === 16) {
    return { type: 'nat_oa', draft, address: formatIpv6(b.subarray(start + 4, end)) };
  }
  throw new DecodeError(
    'ERR_ISAKMP_INVALID_ID',
    start,
    `NAT-OA with ID type ${idType} and ${size} address bytes`,
    NotifyType.INVALID_ID_INFORMATION,
  );
}

/** Encodes the payloads, each with its generic header, chaining next-payload fields. Returns the first type. */
export function encodeChain(w: ByteWriter, payloads: readonly Payload[], path: string): number {
  // Plain loops, no closures: every message sent runs through here (issue 12, CPU per setup).
  const types: number[] = [];
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i] as Payload;
    const t = payloadTypeOf(p);
    if (!isDecodablePayloadType(t) || (p.type === 'unknown' && KNOWN.has(t))) {
      throw new EncodeError(`${path}[${i}]`, `payload type ${t} cannot be encoded as ${p.type}`);
    }
    types.push(t);
  }
  for (let i = 0; i < payloads.length; i++) {
    const pp = `${path}[${i}]`;
    const start = w.length;
    w.u8(types[i + 1] ?? PayloadType.NONE, pp);
    w.u8(0, pp);
    w.u16(0, pp);
    encodeBody(w, payloads[i] as Payload, pp);
    w.patchU16(start + 2, w.length - start, pp);
  }
  return types[0] ?? PayloadType.NONE;
}

function encodeBody(w: ByteWriter, p: Payload, path: string): void {
  switch (p.type) {
    case 'sa':
      encodeSa(w, p, path);
      break;
    case 'identification':
      encodeIdentification(w, p, path);
      break;
    case 'key_exchange':
    case 'hash':
    case 'signature':
    case 'nonce':
    case 'vendor_id':
    case 'unknown':
    case 'sealed':
      w.bytes(checkBytes(p.data, `${path}.data`));
      break;
    case 'certificate':
      w.u8(p.encoding, `${path}.encoding`);
      w.bytes(checkBytes(p.data, `${path}.data`));
      break;
    case 'certificate_request':
      w.u8(p.encoding, `${path}.encoding`);
      w.bytes(checkBytes(p.authority, `${path}.authority`));
      break;
    case 'notification': {
      const spi = checkBytes(p.spi, `${path}.spi`);
      w.u32(p.doi, `${path}.doi`);
      w.u8(p.protocolId, `${path}.protocolId`);
      w.u8(spi.length, `${path}.spi.length`);
      w.u16(p.notifyType, `${path}.notifyType`);
      w.bytes(spi);
      w.bytes(checkBytes(p.data, `${path}.data`));
      break;
    }
    case 'delete': {
      w.u32(p.doi, `${path}.doi`);
      w.u8(p.protocolId, `${path}.protocolId`);
      w.u8(p.spiSize, `${path}.spiSize`);
      w.u16(p.spis.length, `${path}.spis.length`);
      if (p.spiSize === 0 && p.spis.length > 0)
        throw new EncodeError(`${path}.spiSize`, 'SPI size 0 with SPIs');
      p.spis.forEach((s, i) => {
        w.bytes(checkBytes(s, `${path}.spis[${i}]`, p.spiSize));
      });
      break;
    }
    case 'attributes':
      w.u8(p.cfgType, `${path}.cfgType`);
      w.u8(0, path);
      w.u16(p.identifier, `${path}.identifier`);
      encodeAttributes(w, p.attributes, `${path}.attributes`);
      break;
    case 'nat_d':
      w.bytes(checkBytes(p.hash, `${path}.hash`));
      break;
    case 'nat_oa': {
      const v4 = typeof p.address === 'string' ? parseIpv4(p.address) : undefined;
      const addr = v4 ?? (typeof p.address === 'string' ? parseIpv6(p.address) : undefined);
      if (addr === undefined)
        throw new EncodeError(`${path}.address`, `not an IP address: ${String(p.address)}`);
      w.u8(v4 ? IdType.ID_IPV4_ADDR : IdType.ID_IPV6_ADDR, path);
      w.zeros(3);
      w.bytes(addr);
      break;
    }
    case 'fragment':
      w.u16(p.fragmentId, `${path}.fragmentId`);
      w.u8(p.fragmentNumber, `${path}.fragmentNumber`);
      w.u8(p.flags, `${path}.flags`);
      w.bytes(checkBytes(p.data, `${path}.data`));
      break;
    default: {
      const never: never = p;
      throw new EncodeError(path, `unknown payload kind ${(never as { type: string }).type}`);
    }
  }
}
