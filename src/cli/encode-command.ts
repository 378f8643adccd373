import { parseArgs } from 'node:util';
import type { Endpoint } from '../capture/index.js';
import { type DatagramToWrite, writePcap } from '../capture/pcap-writer.js';
import { EncodeError, encodeMessage, JsonError, messageFromJson } from '../codec/index.js';
import type { CliIo } from './io.js';
import { CliError, UsageError } from './usage-error.js';
import { ENCODE_USAGE } from './usages.js';

const NON_ESP_MARKER = Buffer.alloc(4);

/**
 * `ikets encode [--hex | --pcap] FILE|-`: the JSON of `ikets decode --json` (one message object, an
 * object with capture fields around `message`, an array of them, or one per line) back to bytes.
 * Raw bytes by default; `--hex` one line per message; `--pcap` a capture file with each message in a
 * UDP datagram (its `src`/`dst` when given, with the non-ESP marker when `nonEspMarker` is true).
 */
export async function encodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { hex: { type: 'boolean' }, pcap: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || (values.hex && values.pcap)) throw new UsageError(ENCODE_USAGE);
  const path = positionals[0] as string;
  let text: string;
  try {
    text = (await io.readInput(path)).toString('utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new CliError('ERR_INPUT', `cannot read ${path}: ${reason}`);
  }
  const envelopes = parseEnvelopes(text, path);
  const encoded = envelopes.map((envelope, i) => encodeEnvelope(envelope, i + 1));
  if (encoded.length === 0) throw new CliError('ERR_INPUT', `${path}: no ISAKMP message in the input`);
  if (values.hex) {
    io.stdout(encoded.map((e) => `${Buffer.from(e.bytes).toString('hex')}\n`).join(''));
  } else if (values.pcap) {
    io.stdoutBytes(writePcap(encoded.map((e, i) => datagramOf(e, i))));
  } else {
    if (io.stdoutIsTerminal)
      throw new UsageError('refusing to write binary to a terminal: redirect it, or use --hex');
    // Raw messages written back to back cannot be told apart again: one message only.
    if (encoded.length > 1)
      throw new UsageError(
        `${path} holds ${encoded.length} messages: raw output takes one; use --hex (one line each) or --pcap`,
      );
    for (const e of encoded) io.stdoutBytes(e.bytes);
  }
  return 0;
}

interface Envelope {
  readonly message: unknown;
  readonly src?: unknown;
  readonly dst?: unknown;
  readonly nonEspMarker?: unknown;
}

interface Encoded {
  readonly bytes: Uint8Array;
  readonly src: Endpoint | undefined;
  readonly dst: Endpoint | undefined;
  readonly nonEspMarker: boolean;
}

function parseEnvelopes(text: string, path: string): Envelope[] {
  let values: unknown[];
  try {
    const whole: unknown = JSON.parse(text);
    values = Array.isArray(whole) ? whole : [whole];
  } catch {
    // Not one JSON document: JSON Lines, as `ikets decode --json` prints.
    values = text.split('\n').flatMap((line, i) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch (error) {
        throw new CliError('ERR_JSON', `${path}:${i + 1}: not JSON: ${(error as Error).message}`);
      }
    });
  }
  return values.flatMap((value): Envelope[] => {
    if (typeof value !== 'object' || value === null) return [{ message: value }];
    // ESP, keepalive and IKEv2 lines of a decoded capture carry no ISAKMP message.
    if ('esp' in value || 'natKeepalive' in value || 'ikev2' in value) return [];
    return 'message' in value ? [value as Envelope] : [{ message: value }];
  });
}

function encodeEnvelope(envelope: Envelope, index: number): Encoded {
  try {
    return {
      bytes: encodeMessage(messageFromJson(envelope.message)),
      src: endpointOf(envelope.src, `message ${index}: src`),
      dst: endpointOf(envelope.dst, `message ${index}: dst`),
      nonEspMarker: envelope.nonEspMarker === true,
    };
  } catch (error) {
    if (error instanceof JsonError || error instanceof EncodeError) {
      throw new CliError(error.code, `message ${index}: ${error.message}`);
    }
    throw error;
  }
}

function endpointOf(value: unknown, what: string): Endpoint | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? /^\[?([0-9a-fA-F:.]+)\]?:(\d+)$/.exec(value) : null;
  if (!match) throw new CliError('ERR_JSON', `${what}: expected "address:port" or "[v6-address]:port"`);
  return { address: match[1] as string, port: Number(match[2]) };
}

/** Documentation addresses (RFC 5737) when the JSON names none: the file is only read, never sent. */
function datagramOf(e: Encoded, i: number): DatagramToWrite {
  const port = e.nonEspMarker ? 4500 : 500;
  const src = e.src ?? { address: '192.0.2.1', port };
  const dst = e.dst ?? { address: '192.0.2.2', port };
  const payload = e.nonEspMarker ? Buffer.concat([NON_ESP_MARKER, e.bytes]) : e.bytes;
  return { src, dst, payload, timestampNs: BigInt(i) * 1_000_000n };
}
