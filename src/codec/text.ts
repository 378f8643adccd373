/**
 * A readable tree of a message, in the spirit of `tshark -V`: header fields, exchange type and flags, every
 * payload and attribute by name and value (names from numbers.ts), hex for opaque data (long values shortened,
 * with their length shown).
 */

import { formatIpv4, formatIpv6 } from './address.js';
import { type AttributeContext, attributeInteger } from './attributes.js';
import { subnetPrefixLength } from './identification.js';
import { toHex } from './json-values.js';
import { encodeMessage } from './message.js';
import {
  attributeClassRegistry,
  attributeValueRegistry,
  contextOfProtocol,
  isAddressClass,
  isIntegerClass,
  isTextClass,
  transformIdRegistry,
} from './names.js';
import {
  CertificateEncoding,
  ConfigMessageType,
  Doi,
  ExchangeType,
  IpsecSituation,
  NotifyType,
  nameOf,
  PayloadType,
  ProtocolId,
  type Registry,
} from './numbers.js';
import { payloadTypeOf } from './payloads.js';
import type { DataAttribute, IdentificationData, LabelLevel, Message, Payload } from './types.js';
import { recognizeVendorId } from './vendor.js';

/** `NAME (n)` or just `n` when the registry has no name for it. */
function named(registry: Registry | undefined, v: number): string {
  const n = registry && nameOf(registry, v);
  return n === undefined ? String(v) : `${n} (${v})`;
}

/** Hex of a byte string, shortened beyond `max` bytes, always with its length. */
export function shortHex(b: Uint8Array, max = 32): string {
  if (b.length === 0) return '(empty)';
  const shown = b.length > max ? `${toHex(b.subarray(0, max))}...` : toHex(b);
  return `${shown} (${b.length} byte${b.length === 1 ? '' : 's'})`;
}

const EXCHANGE_TITLES: Readonly<Record<number, string>> = {
  [ExchangeType.IDENTITY_PROTECTION]: 'Main Mode',
  [ExchangeType.AGGRESSIVE]: 'Aggressive Mode',
  [ExchangeType.TRANSACTION]: 'Mode-Config',
};

export function formatMessage(msg: Message): string {
  const h = msg.header;
  const lines: string[] = [];
  let length = '?';
  try {
    length = String(encodeMessage(msg).length);
  } catch {
    length = '? (not encodable)';
  }
  const title = EXCHANGE_TITLES[h.exchangeType];
  lines.push(`ISAKMP message: ${named(ExchangeType, h.exchangeType)}${title ? `, ${title}` : ''}`);
  lines.push(`  Initiator cookie: ${toHex(h.initiatorCookie)}`);
  lines.push(`  Responder cookie: ${toHex(h.responderCookie)}`);
  const first = msg.body.encrypted
    ? msg.body.firstPayload
    : msg.body.payloads[0]
      ? payloadTypeOf(msg.body.payloads[0])
      : 0;
  lines.push(`  Next payload: ${named(PayloadType, first)}`);
  lines.push(`  Version: ${h.majorVersion}.${h.minorVersion}`);
  lines.push(`  Exchange type: ${named(ExchangeType, h.exchangeType)}`);
  const e = msg.body.encrypted;
  const flags = (e ? 1 : 0) | (h.commit ? 2 : 0) | (h.authenticationOnly ? 4 : 0);
  lines.push(
    `  Flags: 0x${flags.toString(16).padStart(2, '0')} (Encryption=${e ? 1 : 0} Commit=${h.commit ? 1 : 0} Authentication-only=${h.authenticationOnly ? 1 : 0})`,
  );
  lines.push(`  Message ID: 0x${h.messageId.toString(16).padStart(8, '0')}`);
  lines.push(`  Length: ${length}`);
  if (msg.body.encrypted) {
    lines.push(`  Encrypted payloads: ${shortHex(msg.body.ciphertext)}`);
  } else {
    lines.push(...formatPayloads(msg.body.payloads, '  '));
    const padding = msg.body.padding?.length ?? 0;
    if (padding > 0) lines.push(`  Padding: ${padding} zero bytes after the last payload`);
  }
  return `${lines.join('\n')}\n`;
}

/** The tree lines of a payload chain (e.g. a decrypted body), each prefixed with `indent`. */
export function formatPayloads(payloads: readonly Payload[], indent = ''): string[] {
  const out: string[] = [];
  for (const p of payloads) {
    const t = payloadTypeOf(p);
    out.push(`${indent}Payload: ${p.type === 'unknown' ? `${t} (private use)` : named(PayloadType, t)}`);
    for (const l of payloadLines(p)) out.push(`${indent}  ${l}`);
  }
  return out;
}

function situationText(s: number): string {
  const names = Object.entries(IpsecSituation)
    .filter(([, bit]) => (s & bit) !== 0)
    .map(([n]) => n);
  return `0x${s.toString(16).padStart(8, '0')}${names.length ? ` (${names.join(', ')})` : ''}`;
}

function levelLines(what: string, l: LabelLevel): string[] {
  return [
    `${what} level: ${shortHex(l.level)}`,
    `${what} categories: ${l.categoryBits} bits ${shortHex(l.categories)}`,
  ];
}

function payloadLines(p: Payload): string[] {
  switch (p.type) {
    case 'sa': {
      const lines = [
        `Domain of interpretation: ${named(Doi, p.doi)}`,
        `Situation: ${situationText(p.situation)}`,
      ];
      const ld = p.labeledDomain;
      if (ld) {
        lines.push(`Labeled domain identifier: ${ld.identifier}`);
        if (ld.secrecy) lines.push(...levelLines('Secrecy', ld.secrecy));
        if (ld.integrity) lines.push(...levelLines('Integrity', ld.integrity));
      }
      for (const prop of p.proposals) {
        lines.push(
          `Proposal #${prop.number}: ${named(ProtocolId, prop.protocolId)}, SPI ${shortHex(prop.spi)}, ${prop.transforms.length} transform(s)`,
        );
        const context = contextOfProtocol(prop.protocolId);
        for (const t of prop.transforms) {
          lines.push(
            `  Transform #${t.number}: ${named(transformIdRegistry(prop.protocolId), t.transformId)}`,
          );
          for (const a of t.attributes) lines.push(`    ${attributeText(a, context)}`);
        }
      }
      return lines;
    }
    case 'key_exchange':
    case 'hash':
    case 'signature':
    case 'nonce':
      return [`Data: ${shortHex(p.data)}`];
    case 'vendor_id': {
      const v = recognizeVendorId(p.data);
      return [`Vendor ID: ${shortHex(p.data)}${v ? ` = ${v.name}` : ''}`];
    }
    case 'identification':
      return [...idLines(p.id), `Protocol ID: ${p.protocolId}`, `Port: ${p.port}`];
    case 'certificate':
      return [`Encoding: ${named(CertificateEncoding, p.encoding)}`, `Data: ${shortHex(p.data)}`];
    case 'certificate_request':
      return [`Encoding: ${named(CertificateEncoding, p.encoding)}`, `Authority: ${shortHex(p.authority)}`];
    case 'notification':
      return [
        `Notify message type: ${named(NotifyType, p.notifyType)}`,
        `Domain of interpretation: ${named(Doi, p.doi)}`,
        `Protocol ID: ${named(ProtocolId, p.protocolId)}`,
        `SPI: ${shortHex(p.spi)}`,
        `Data: ${shortHex(p.data)}`,
      ];
    case 'delete':
      return [
        `Domain of interpretation: ${named(Doi, p.doi)}`,
        `Protocol ID: ${named(ProtocolId, p.protocolId)}`,
        `SPI size: ${p.spiSize}`,
        `Number of SPIs: ${p.spis.length}`,
        ...p.spis.map((s) => `SPI: ${toHex(s)}`),
      ];
    case 'attributes':
      return [
        `Type: ${named(ConfigMessageType, p.cfgType)}`,
        `Identifier: ${p.identifier}`,
        ...p.attributes.map((a) => attributeText(a, 'config')),
      ];
    case 'nat_d':
      return [`Hash${p.draft ? ' (draft payload number)' : ''}: ${shortHex(p.hash)}`];
    case 'nat_oa':
      return [`Original address${p.draft ? ' (draft payload number)' : ''}: ${p.address}`];
    case 'fragment':
      return [
        `Fragment ID: ${p.fragmentId}`,
        `Fragment number: ${p.fragmentNumber}`,
        `Flags: 0x${p.flags.toString(16).padStart(2, '0')}${(p.flags & 1) !== 0 ? ' (last fragment)' : ''}`,
        `Data: ${shortHex(p.data)}`,
      ];
    case 'unknown':
      return [`Data: ${shortHex(p.data)}`];
    case 'sealed':
      return [`Encrypted body (RFC 2409 5.2/5.3): ${shortHex(p.data)}`];
  }
}

function idLines(id: IdentificationData): string[] {
  const type = id.kind === 'unknown' ? `ID type: ${id.idType} (unknown)` : `ID type: ${id.kind}`;
  switch (id.kind) {
    case 'ID_IPV4_ADDR':
    case 'ID_IPV6_ADDR':
      return [type, `Address: ${id.address}`];
    case 'ID_FQDN':
    case 'ID_USER_FQDN':
      return [type, `Name: ${JSON.stringify(id.name)}`];
    case 'ID_IPV4_ADDR_SUBNET':
    case 'ID_IPV6_ADDR_SUBNET': {
      const prefix = subnetPrefixLength(id);
      return [type, `Subnet: ${id.address}/${prefix ?? id.mask}`];
    }
    case 'ID_IPV4_ADDR_RANGE':
    case 'ID_IPV6_ADDR_RANGE':
      return [type, `Range: ${id.start} - ${id.end}`];
    case 'ID_DER_ASN1_DN':
    case 'ID_DER_ASN1_GN':
    case 'ID_KEY_ID':
    case 'unknown':
      return [type, `Data: ${shortHex(id.data)}`];
  }
}

/** One attribute as `CLASS (n): value`, with the TLV form and size shown. */
export function attributeText(a: DataAttribute, context: AttributeContext): string {
  const cls = named(attributeClassRegistry(context), a.type);
  if (a.form === 'tv') return `${cls}: ${named(attributeValueRegistry(context, a.type), a.value)}`;
  const v = a.value;
  let shown: string;
  if (isIntegerClass(context, a.type) && v.length > 0) shown = attributeInteger(a).toString();
  else if (isAddressClass(context, a.type) && v.length === 4) shown = formatIpv4(v);
  else if (isAddressClass(context, a.type) && v.length === 16) shown = formatIpv6(v);
  else if (isTextClass(context, a.type)) shown = JSON.stringify(Buffer.from(v).toString('latin1'));
  else shown = toHex(v) || '(empty)';
  return `${cls}: ${shown} [TLV, ${v.length} bytes]`;
}
