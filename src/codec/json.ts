/**
 * The JSON form of a message (documented in docs/json-format.md): names for enumerated fields, hex for byte
 * strings, numbers (or decimal strings for integers beyond 2^53) for attribute values. It keeps everything
 * the wire form has, so `encodeMessage(messageFromJson(messageToJson(decodeMessage(x))))` equals `x`.
 * `messageFromJson` checks its input and throws `JsonError` naming the JSON path of the first problem.
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './address.js';
import { attributeFromJson, attributeToJson, idFromJson, idKeysFor, idToJson } from './json-parts.js';
import { saFromJson, saToJson } from './json-sa.js';
import {
  enumName,
  JsonError,
  type JsonObject,
  type JsonValue,
  optional,
  readArray,
  readBool,
  readEnum,
  readHex,
  readObject,
  readUint,
  toHex,
} from './json-values.js';
import {
  CertificateEncoding,
  ConfigMessageType,
  Doi,
  ExchangeType,
  NotifyType,
  nameOf,
  PayloadType,
  ProtocolId,
} from './numbers.js';
import { isDecodablePayloadType } from './payloads.js';
import type { Message, Payload } from './types.js';
import { recognizeVendorId, vendorIdBytes } from './vendor.js';

export { JsonError, type JsonObject, type JsonValue };

export function messageToJson(msg: Message): JsonObject {
  const h = msg.header;
  const out: JsonObject = {
    initiatorCookie: toHex(h.initiatorCookie),
    responderCookie: toHex(h.responderCookie),
    majorVersion: h.majorVersion,
    minorVersion: h.minorVersion,
    exchangeType: enumName(ExchangeType, h.exchangeType),
    commit: h.commit,
    authenticationOnly: h.authenticationOnly,
    messageId: h.messageId,
  };
  if (msg.body.encrypted) {
    out.encrypted = {
      firstPayload: enumName(PayloadType, msg.body.firstPayload),
      ciphertext: toHex(msg.body.ciphertext),
    };
  } else {
    out.payloads = msg.body.payloads.map(payloadToJson);
    if (msg.body.padding !== undefined && msg.body.padding.length > 0) out.padding = toHex(msg.body.padding);
  }
  return out;
}

export function payloadToJson(p: Payload): JsonObject {
  switch (p.type) {
    case 'sa':
      return saToJson(p);
    case 'key_exchange':
    case 'hash':
    case 'signature':
    case 'nonce':
      return { type: p.type, data: toHex(p.data) };
    case 'vendor_id': {
      const known = recognizeVendorId(p.data);
      return known
        ? { type: p.type, data: toHex(p.data), name: known.name }
        : { type: p.type, data: toHex(p.data) };
    }
    case 'identification':
      return { type: p.type, ...idToJson(p.id), protocol: p.protocolId, port: p.port };
    case 'certificate':
      return { type: p.type, encoding: enumName(CertificateEncoding, p.encoding), data: toHex(p.data) };
    case 'certificate_request':
      return {
        type: p.type,
        encoding: enumName(CertificateEncoding, p.encoding),
        authority: toHex(p.authority),
      };
    case 'notification':
      return {
        type: p.type,
        doi: enumName(Doi, p.doi),
        protocol: enumName(ProtocolId, p.protocolId),
        spi: toHex(p.spi),
        notifyType: enumName(NotifyType, p.notifyType),
        data: toHex(p.data),
      };
    case 'delete':
      return {
        type: p.type,
        doi: enumName(Doi, p.doi),
        protocol: enumName(ProtocolId, p.protocolId),
        spiSize: p.spiSize,
        spis: p.spis.map(toHex),
      };
    case 'attributes':
      return {
        type: p.type,
        cfgType: enumName(ConfigMessageType, p.cfgType),
        identifier: p.identifier,
        attributes: p.attributes.map((a) => attributeToJson(a, 'config')),
      };
    case 'nat_d':
      return { type: p.type, draft: p.draft, hash: toHex(p.hash) };
    case 'nat_oa':
      return { type: p.type, draft: p.draft, address: p.address };
    case 'fragment':
      return {
        type: p.type,
        fragmentId: p.fragmentId,
        fragmentNumber: p.fragmentNumber,
        flags: p.flags,
        data: toHex(p.data),
      };
    case 'unknown':
    case 'sealed':
      return { type: p.type, payloadType: p.payloadType, data: toHex(p.data) };
  }
}

const MESSAGE_KEYS = [
  'initiatorCookie',
  'responderCookie',
  'majorVersion',
  'minorVersion',
  'exchangeType',
  'commit',
  'authenticationOnly',
  'messageId',
  'payloads',
  'padding',
  'encrypted',
];

export function messageFromJson(value: unknown): Message {
  const o = readObject(value, '$', MESSAGE_KEYS);
  const header = {
    initiatorCookie: readHex(o.initiatorCookie, '$.initiatorCookie', 8),
    responderCookie: optional(
      o,
      'responderCookie',
      (v) => readHex(v, '$.responderCookie', 8),
      new Uint8Array(8),
    ),
    majorVersion: optional(o, 'majorVersion', (v) => readUint(v, '$.majorVersion', 15), 1),
    minorVersion: optional(o, 'minorVersion', (v) => readUint(v, '$.minorVersion', 15), 0),
    exchangeType: readEnum(o.exchangeType, '$.exchangeType', ExchangeType, 255),
    commit: optional(o, 'commit', (v) => readBool(v, '$.commit'), false),
    authenticationOnly: optional(o, 'authenticationOnly', (v) => readBool(v, '$.authenticationOnly'), false),
    messageId: optional(o, 'messageId', (v) => readUint(v, '$.messageId', 0xffffffff), 0),
  };
  if ((o.payloads === undefined) === (o.encrypted === undefined)) {
    throw new JsonError('$', 'a message needs exactly one of payloads, encrypted');
  }
  if (o.encrypted !== undefined) {
    if (o.padding !== undefined) throw new JsonError('$.padding', 'only a message with payloads has padding');
    const e = readObject(o.encrypted, '$.encrypted', ['firstPayload', 'ciphertext']);
    const firstPayload = readEnum(e.firstPayload, '$.encrypted.firstPayload', PayloadType, 255);
    return {
      header,
      body: { encrypted: true, firstPayload, ciphertext: readHex(e.ciphertext, '$.encrypted.ciphertext') },
    };
  }
  const payloads = readArray(o.payloads, '$.payloads').map((p, i) => payloadFromJson(p, `$.payloads[${i}]`));
  if (o.padding === undefined) return { header, body: { encrypted: false, payloads } };
  return { header, body: { encrypted: false, payloads, padding: readHex(o.padding, '$.padding') } };
}

/** Reads one payload object; `path` names it in errors (e.g. `$.payloads[3]`). */
export function payloadFromJson(v: unknown, path: string): Payload {
  const head = readObject(v, path, Object.keys(v !== null && typeof v === 'object' ? v : {}));
  const type = head.type;
  const obj = (keys: string[]) => readObject(v, path, ['type', ...keys]);
  const hex = (o: Record<string, unknown>, k: string) => readHex(o[k], `${path}.${k}`);
  const doi = (o: Record<string, unknown>) => readEnum(o.doi, `${path}.doi`, Doi, 0xffffffff);
  const proto = (o: Record<string, unknown>) => readEnum(o.protocol, `${path}.protocol`, ProtocolId, 255);
  switch (type) {
    case 'sa':
      return saFromJson(obj(['doi', 'situation', 'labeledDomain', 'proposals']), path);
    case 'key_exchange':
    case 'hash':
    case 'signature':
    case 'nonce':
      return { type, data: hex(obj(['data']), 'data') };
    case 'vendor_id': {
      const o = obj(['data', 'name']);
      if (o.data !== undefined) return { type, data: hex(o, 'data') };
      const bytes = typeof o.name === 'string' ? vendorIdBytes(o.name) : undefined;
      if (bytes === undefined)
        throw new JsonError(`${path}.name`, 'needs data, or the name of a known vendor ID');
      return { type, data: bytes };
    }
    case 'identification': {
      const o = obj([...idKeysFor(head.idType), 'protocol', 'port']);
      return {
        type,
        id: idFromJson(o, path),
        protocolId: optional(o, 'protocol', (x) => readUint(x, `${path}.protocol`, 255), 0),
        port: optional(o, 'port', (x) => readUint(x, `${path}.port`, 0xffff), 0),
      };
    }
    case 'certificate': {
      const o = obj(['encoding', 'data']);
      return {
        type,
        encoding: readEnum(o.encoding, `${path}.encoding`, CertificateEncoding, 255),
        data: hex(o, 'data'),
      };
    }
    case 'certificate_request': {
      const o = obj(['encoding', 'authority']);
      const encoding = readEnum(o.encoding, `${path}.encoding`, CertificateEncoding, 255);
      return { type, encoding, authority: hex(o, 'authority') };
    }
    case 'notification': {
      const o = obj(['doi', 'protocol', 'spi', 'notifyType', 'data']);
      return {
        type,
        doi: doi(o),
        protocolId: proto(o),
        spi: optional(o, 'spi', (x) => readHex(x, `${path}.spi`), new Uint8Array(0)),
        notifyType: readEnum(o.notifyType, `${path}.notifyType`, NotifyType, 0xffff),
        data: optional(o, 'data', (x) => readHex(x, `${path}.data`), new Uint8Array(0)),
      };
    }
    case 'delete': {
      const o = obj(['doi', 'protocol', 'spiSize', 'spis']);
      const spis = readArray(o.spis, `${path}.spis`).map((s, i) => readHex(s, `${path}.spis[${i}]`));
      const spiSize = optional(
        o,
        'spiSize',
        (x) => readUint(x, `${path}.spiSize`, 255),
        spis[0]?.length ?? 0,
      );
      spis.forEach((s, i) => {
        if (s.length !== spiSize) throw new JsonError(`${path}.spis[${i}]`, `expected ${spiSize} bytes`);
      });
      if (spiSize === 0 && spis.length > 0) throw new JsonError(`${path}.spiSize`, 'SPI size 0 with SPIs');
      return { type, doi: doi(o), protocolId: proto(o), spiSize, spis };
    }
    case 'attributes': {
      const o = obj(['cfgType', 'identifier', 'attributes']);
      return {
        type,
        cfgType: readEnum(o.cfgType, `${path}.cfgType`, ConfigMessageType, 255),
        identifier: optional(o, 'identifier', (x) => readUint(x, `${path}.identifier`, 0xffff), 0),
        attributes: readArray(o.attributes, `${path}.attributes`).map((a, i) =>
          attributeFromJson(a, `${path}.attributes[${i}]`, 'config'),
        ),
      };
    }
    case 'nat_d': {
      const o = obj(['draft', 'hash']);
      return {
        type,
        draft: optional(o, 'draft', (x) => readBool(x, `${path}.draft`), false),
        hash: hex(o, 'hash'),
      };
    }
    case 'nat_oa': {
      const o = obj(['draft', 'address']);
      const s = typeof o.address === 'string' ? o.address : '';
      const b4 = parseIpv4(s);
      const b6 = b4 ? undefined : parseIpv6(s);
      if (!b4 && !b6) throw new JsonError(`${path}.address`, 'expected an IPv4 or IPv6 address');
      const address = b4 ? formatIpv4(b4) : formatIpv6(b6 as Uint8Array);
      return { type, draft: optional(o, 'draft', (x) => readBool(x, `${path}.draft`), false), address };
    }
    case 'fragment': {
      const o = obj(['fragmentId', 'fragmentNumber', 'flags', 'data']);
      return {
        type,
        fragmentId: readUint(o.fragmentId, `${path}.fragmentId`, 0xffff),
        fragmentNumber: readUint(o.fragmentNumber, `${path}.fragmentNumber`, 255),
        flags: optional(o, 'flags', (x) => readUint(x, `${path}.flags`, 255), 0),
        data: hex(o, 'data'),
      };
    }
    case 'unknown': {
      const o = obj(['payloadType', 'data']);
      const payloadType = readUint(o.payloadType, `${path}.payloadType`, 255);
      if (payloadType < 128 || !isDecodablePayloadType(payloadType) || nameOf(PayloadType, payloadType)) {
        throw new JsonError(
          `${path}.payloadType`,
          'unknown payloads are private-use types 128-255 not named',
        );
      }
      return { type, payloadType, data: hex(o, 'data') };
    }
    case 'sealed': {
      const o = obj(['payloadType', 'data']);
      const payloadType = readUint(o.payloadType, `${path}.payloadType`, 255);
      if (payloadType !== PayloadType.IDENTIFICATION)
        throw new JsonError(`${path}.payloadType`, 'sealed payloads are Identification payloads (5)');
      return { type, payloadType, data: hex(o, 'data') };
    }
    default:
      throw new JsonError(`${path}.type`, `unknown payload type ${JSON.stringify(type)}`);
  }
}
