/**
 * Traffic selectors as the SPD sees them (RFC 4301 section 4.4.1.1): an address range of one family
 * with an IP protocol and a port, 0 meaning any. The engine reports a child's selectors in strongSwan's
 * notation (`10.1.0.0/16`, `10.0.0.1..10.0.0.9`, with `[proto/port]`), so listings stay readable and
 * the SA info stays plain JSON; this module reads that notation back and computes what kernels and
 * routes need: the smallest prefix covering a range (XFRM and routes match prefixes only).
 */
import { isIPv4 } from 'node:net';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../codec/index.js';
import type { Selector } from '../dataplane/backend.js';

const bits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function toBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function toBytes(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** An IP address as a family and a number, or undefined when the text is none. */
export function addressNumber(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = isIPv4(text);
  const bytes = v4 ? parseIpv4(text) : parseIpv6(text);
  return bytes === undefined ? undefined : { family: v4 ? 4 : 6, value: toBigint(bytes) };
}

export function formatAddressNumber(family: 4 | 6, value: bigint): string {
  return family === 4 ? formatIpv4(toBytes(value, 4)) : formatIpv6(toBytes(value, 16));
}

/** The selector of one host (all protocols and ports). */
export function hostSelector(address: string): Selector {
  const a = addressNumber(address);
  if (a === undefined) throw new RangeError(`'${address}' is not an IP address`);
  return { family: a.family, start: a.value, end: a.value, protocol: 0, port: 0 };
}

/**
 * Reads strongSwan's selector notation as the engine formats it (src/ikev1/traffic-selectors.ts,
 * `formatSelector`): `ADDR/PREFIX` or `FROM..TO`, then optionally `[PROTO]` or `[PROTO/PORT]` in numbers.
 */
export function parseSelector(text: string): Selector | undefined {
  const m = /^([^[\]]+?)(?:\[(\d+)(?:\/(\d+))?\])?$/.exec(text.trim());
  if (m === null) return undefined;
  const [, host = '', protoText, portText] = m;
  const protocol = protoText === undefined ? 0 : Number(protoText);
  const port = portText === undefined ? 0 : Number(portText);
  if (protocol > 255 || port > 65535) return undefined;
  const range = host.split('..');
  if (range.length === 2) {
    const from = addressNumber(range[0] ?? '');
    const to = addressNumber(range[1] ?? '');
    if (from === undefined || to === undefined || from.family !== to.family || to.value < from.value)
      return undefined;
    return { family: from.family, start: from.value, end: to.value, protocol, port };
  }
  const [address = '', prefixText] = host.split('/');
  const a = addressNumber(address);
  if (a === undefined) return undefined;
  const prefix = prefixText === undefined ? bits(a.family) : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits(a.family)) return undefined;
  const hostBits = BigInt(bits(a.family) - prefix);
  const start = (a.value >> hostBits) << hostBits;
  return { family: a.family, start, end: start + (1n << hostBits) - 1n, protocol, port };
}

/** The smallest prefix containing the whole range (what strongSwan's ts2subnet computes for XFRM). */
export function coveringPrefix(s: Selector): { readonly address: string; readonly prefixLength: number } {
  let prefixLength = bits(s.family);
  while (prefixLength > 0) {
    const hostBits = BigInt(bits(s.family) - prefixLength);
    if (s.start >> hostBits === s.end >> hostBits) break;
    prefixLength--;
  }
  const hostBits = BigInt(bits(s.family) - prefixLength);
  return { address: formatAddressNumber(s.family, (s.start >> hostBits) << hostBits), prefixLength };
}

/** `10.1.0.0/16`, `10.0.0.1..10.0.0.9`, with `[proto/port]`: the notation parseSelector reads. */
export function formatSpdSelector(s: Selector): string {
  const cover = coveringPrefix(s);
  const hostBits = BigInt(bits(s.family) - cover.prefixLength);
  const exact = s.start === (s.start >> hostBits) << hostBits && s.end === s.start + (1n << hostBits) - 1n;
  const host = exact
    ? `${cover.address}/${cover.prefixLength}`
    : `${formatAddressNumber(s.family, s.start)}..${formatAddressNumber(s.family, s.end)}`;
  if (s.protocol === 0 && s.port === 0) return host;
  return s.port === 0 ? `${host}[${s.protocol}]` : `${host}[${s.protocol}/${s.port}]`;
}

/** Whether `address` (a number of the selector's family) lies in the selector's range. */
export function selectorContains(s: Selector, family: 4 | 6, address: bigint): boolean {
  return s.family === family && s.start <= address && address <= s.end;
}

export function sameSelector(a: Selector, b: Selector): boolean {
  return (
    a.family === b.family &&
    a.start === b.start &&
    a.end === b.end &&
    a.protocol === b.protocol &&
    a.port === b.port
  );
}
