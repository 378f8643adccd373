/**
 * Input for `ikets decode FILE`: a capture (pcap / pcapng, recognised by magic number) yields its
 * ISAKMP messages; anything else is taken as one raw ISAKMP message.
 */
import { isPcap } from './pcap.js';
import { isPcapng } from './pcapng.js';
import { type Endpoint, isakmpDatagrams, type ReadOptions, readCapture } from './reader.js';

export type InputFormat = 'pcap' | 'pcapng' | 'raw';

export function detectFormat(input: Uint8Array): InputFormat {
  if (isPcapng(input)) return 'pcapng';
  if (isPcap(input)) return 'pcap';
  return 'raw';
}

export interface InputMessage {
  /** The ISAKMP message bytes (non-ESP marker removed). */
  readonly message: Buffer;
  /** Frame number in the capture; undefined for raw input. */
  readonly frame?: number;
  readonly timestampNs?: bigint;
  readonly src?: Endpoint;
  readonly dst?: Endpoint;
  readonly nonEspMarker: boolean;
}

export interface InputMessages {
  readonly format: InputFormat;
  readonly messages: readonly InputMessage[];
}

/** ISAKMP messages of a capture, or the whole input as one message. Throws only CaptureError. */
export function messagesFromInput(input: Uint8Array, options: ReadOptions = {}): InputMessages {
  const format = detectFormat(input);
  if (format === 'raw') {
    const message = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    return { format, messages: [{ message, nonEspMarker: false }] };
  }
  const messages = isakmpDatagrams(readCapture(input, options)).map(
    (d): InputMessage => ({
      message: d.message,
      frame: d.frame,
      timestampNs: d.timestampNs,
      src: d.src,
      dst: d.dst,
      nonEspMarker: d.nonEspMarker,
    }),
  );
  return { format, messages };
}
