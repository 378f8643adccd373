import { parseArgs } from 'node:util';
import { CaptureError } from '../capture/errors.js';
import { type Endpoint, readCapture, type UdpDatagram } from '../capture/index.js';
import { detectFormat } from '../capture/input.js';
import {
  type DecodeError,
  formatMessage,
  type Message,
  messageToJson,
  NotifyType,
  nameOrNumber,
  tryDecodeMessage,
} from '../codec/index.js';
import type { CliIo } from './io.js';
import { CliError, UsageError } from './usage-error.js';
import { DECODE_USAGE } from './usages.js';

/**
 * `ikets decode [--json] FILE|-`: every ISAKMP message of a pcap/pcapng capture (or the raw bytes of
 * one message) as a tree, or as one JSON object per line. ESP-in-UDP and NAT-keepalive datagrams on
 * the NAT-T port are listed as such (RFC 3948 section 2). A malformed message stops the listing with
 * exit status 1 and one line naming the message, the byte offset and the reason.
 */
export async function decodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError(DECODE_USAGE);
  const path = positionals[0] as string;
  const input = await readInput(io, path);
  const items = itemsOf(input, path);
  let index = 0;
  for (const item of items) {
    if (item.kind !== 'isakmp') {
      io.stdout(values.json ? `${JSON.stringify(datagramJson(item))}\n` : `${datagramLine(item)}\n\n`);
      continue;
    }
    index++;
    const ikev2 = ikev2Header(item.message);
    if (ikev2 !== undefined) {
      io.stdout(
        values.json
          ? `${JSON.stringify({ ...captureFields(item), ikev2 })}\n`
          : `${ikev2Line(index, ikev2, item)}\n\n`,
      );
      continue;
    }
    const result = tryDecodeMessage(item.message);
    if (!result.ok) throw malformed(index, item, result.error);
    io.stdout(
      values.json
        ? `${JSON.stringify(messageEnvelope(result.message, item))}\n`
        : `${messageText(index, result.message, item)}\n`,
    );
  }
  if (index === 0 && !values.json) io.stdout('no ISAKMP messages\n');
  return 0;
}

async function readInput(io: CliIo, path: string): Promise<Buffer> {
  try {
    return await io.readInput(path);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new CliError('ERR_INPUT', `cannot read ${path}: ${reason}`);
  }
}

/** A datagram of the capture, or the raw input as one ISAKMP message without capture metadata. */
type Item = Exclude<UdpDatagram, { readonly kind: 'other' }> | RawItem;
interface RawItem {
  readonly kind: 'isakmp';
  readonly message: Buffer;
  readonly nonEspMarker: false;
  readonly frame?: undefined;
}

function itemsOf(input: Buffer, path: string): readonly Item[] {
  if (detectFormat(input) === 'raw') return [{ kind: 'isakmp', message: input, nonEspMarker: false }];
  try {
    return readCapture(input).datagrams.filter((d) => d.kind !== 'other') as Item[];
  } catch (error) {
    if (error instanceof CaptureError)
      throw new CliError(error.code, `${path}: offset ${error.offset}: ${error.reason}`);
    throw error;
  }
}

function malformed(index: number, item: Item, error: DecodeError): CliError {
  const where = item.frame === undefined ? `message ${index}` : `message ${index} (frame ${item.frame})`;
  return new CliError(
    error.code,
    `${where}: offset ${error.offset}: ${error.reason} (notify ${nameOrNumber(NotifyType, error.notifyType)})`,
  );
}

const endpoint = (e: Endpoint): string =>
  e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;

function origin(item: Item): string {
  if (item.frame === undefined) return '';
  const marker = 'nonEspMarker' in item && item.nonEspMarker ? ', after the non-ESP marker' : '';
  return `frame ${item.frame}, ${endpoint(item.src)} -> ${endpoint(item.dst)}${marker}`;
}

function messageText(index: number, message: Message, item: Item): string {
  const where = origin(item);
  return `Message ${index}${where ? ` (${where})` : ''}\n${indent(formatMessage(message))}`;
}

function datagramLine(item: Item): string {
  if (item.kind === 'esp') {
    const spi = item.spi.toString(16).padStart(8, '0');
    return `ESP in UDP (${origin(item)}): SPI 0x${spi}, sequence ${item.sequence}, ${item.payload.length} bytes`;
  }
  return `NAT-keepalive (${origin(item)})`;
}

interface Ikev2Header {
  readonly exchangeType: number;
  readonly messageId: number;
  readonly length: number;
}

/**
 * IKEv2 (RFC 7296 section 3.1) shares the header layout and ports with ISAKMP but has major version 2.
 * Its messages are listed, not decoded, and are no error in a capture.
 */
function ikev2Header(message: Buffer): Ikev2Header | undefined {
  if (message.length < 28 || (message[17] as number) >> 4 !== 2) return undefined;
  const length = message.readUInt32BE(24);
  // A header whose Length is not the datagram's (RFC 7296 section 3.1) is no IKEv2 message: text
  // or random bytes would otherwise pass for one and `decode` would exit 0 on them.
  if (length !== message.length) return undefined;
  return { exchangeType: message[18] as number, messageId: message.readUInt32BE(20), length };
}

function ikev2Line(index: number, h: Ikev2Header, item: Item): string {
  const where = origin(item);
  return `Message ${index}${where ? ` (${where})` : ''}: IKEv2, exchange type ${h.exchangeType}, message ID ${h.messageId}, ${h.length} bytes (ikets decodes IKEv1 messages only)`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}

function captureFields(item: Item): Record<string, unknown> {
  if (item.frame === undefined) return {};
  return {
    frame: item.frame,
    time: nsToIso(item.timestampNs),
    src: endpoint(item.src),
    dst: endpoint(item.dst),
  };
}

/** The JSON of one message: capture metadata beside the codec's message object (docs/json-format.md). */
function messageEnvelope(message: Message, item: Item): Record<string, unknown> {
  return {
    ...captureFields(item),
    nonEspMarker: 'nonEspMarker' in item && item.nonEspMarker,
    message: messageToJson(message),
  };
}

function datagramJson(item: Item): Record<string, unknown> {
  if (item.kind === 'esp') {
    return {
      ...captureFields(item),
      esp: { spi: item.spi, sequence: item.sequence, length: item.payload.length },
    };
  }
  return { ...captureFields(item), natKeepalive: true };
}

function nsToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}
