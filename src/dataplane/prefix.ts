/**
 * Selectors (address ranges, RFC 4301 section 4.4.1.1) as the prefixes routes and kernels take: a
 * range is covered by its smallest containing prefix, as strongSwan's traffic_selector to_subnet()
 * does (a range such as 10.0.0.1-10.0.0.6 becomes 10.0.0.0/29).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../codec/index.js';
import type { Selector } from './backend.js';

export interface Prefix {
  readonly family: 4 | 6;
  /** The network address in text (the range's start with the host bits cleared). */
  readonly address: string;
  readonly length: number;
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/** The smallest prefix that contains the whole range of `selector`. */
export function coveringPrefix(selector: Pick<Selector, 'family' | 'start' | 'end'>): Prefix {
  const bits = bitsOf(selector.family);
  const differing = selector.start ^ selector.end;
  const hostBits = differing === 0n ? 0 : differing.toString(2).length;
  const network = (selector.start >> BigInt(hostBits)) << BigInt(hostBits);
  return {
    family: selector.family,
    address: formatAddress(selector.family, network),
    length: bits - hostBits,
  };
}

/** `address/length`, as iproute2 takes it. */
export function prefixText(prefix: Prefix): string {
  return `${prefix.address}/${prefix.length}`;
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  const size = family === 4 ? 4 : 16;
  const bytes = new Uint8Array(size);
  let n = value;
  for (let i = size - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return family === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** An address as family and number, or undefined when the text is no IP address. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const bytes = isIPv4(text) ? parseIpv4(text) : isIPv6(text) ? parseIpv6(text) : undefined;
  if (bytes === undefined) return undefined;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value };
}

/** Whether `address` lies in the selector's range (and family). */
export function selectorIncludes(
  selector: Pick<Selector, 'family' | 'start' | 'end'>,
  address: string,
): boolean {
  const a = parseAddress(address);
  return (
    a !== undefined && a.family === selector.family && a.value >= selector.start && a.value <= selector.end
  );
}
