/**
 * Quick Mode client identities as traffic selectors (RFC 2409 section 5.5, RFC 2407 section 4.6.2):
 * each IDci/IDcr names one address, subnet or range, with an IP protocol and port. Internally a
 * selector is an address range, so containment checks are simple comparisons.
 */
import { isIPv4 } from 'node:net';
import {
  formatIpv4,
  formatIpv6,
  type IdentificationPayload,
  maskOfPrefixLength,
  parseIpv4,
  parseIpv6,
  prefixLengthOfMask,
} from '../../codec/index.js';
import type { TrafficSelectorConfig } from '../../config/traffic-selector.js';

export interface TrafficSelector {
  readonly family: 4 | 6;
  readonly start: bigint;
  readonly end: bigint;
  /** IP protocol, 0 = any. */
  readonly protocol: number;
  /** Port, 0 = any. */
  readonly port: number;
}

function toBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function toBytes(n: bigint, size: 4 | 16): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function addressValue(address: string): { family: 4 | 6; value: bigint } {
  const v4 = isIPv4(address);
  const bytes = v4 ? parseIpv4(address) : parseIpv6(address);
  if (bytes === undefined) throw new RangeError(`${address} is not an IP address`);
  return { family: v4 ? 4 : 6, value: toBigint(bytes) };
}

const formatAddress = (family: 4 | 6, n: bigint): string =>
  family === 4 ? formatIpv4(toBytes(n, 4)) : formatIpv6(toBytes(n, 16));

const bits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/**
 * Every selector is made here, so all have one shape (one hidden class for V8: a spread of
 * `{ protocol, port }` made another, and code comparing selectors saw both; issue 12).
 */
function selector(
  family: 4 | 6,
  start: bigint,
  end: bigint,
  protocol: number,
  port: number,
): TrafficSelector {
  return { family, start, end, protocol, port };
}

/** A configured selector, with `dynamic` standing for the IKE address. */
export function selectorOf(ts: TrafficSelectorConfig, ikeAddress: string): TrafficSelector {
  switch (ts.kind) {
    case 'dynamic':
    case 'address': {
      const a = addressValue(ts.kind === 'dynamic' ? ikeAddress : ts.address);
      return selector(a.family, a.value, a.value, ts.protocol, ts.port);
    }
    case 'subnet': {
      const a = addressValue(ts.address);
      const hostBits = BigInt(bits(a.family) - ts.prefix);
      const start = (a.value >> hostBits) << hostBits;
      return selector(a.family, start, start + (1n << hostBits) - 1n, ts.protocol, ts.port);
    }
    case 'range': {
      const from = addressValue(ts.from);
      return selector(from.family, from.value, addressValue(ts.to).value, ts.protocol, ts.port);
    }
  }
}

/** A host selector for an IKE address (RFC 2409 section 5.5: no client IDs means the peers themselves). */
export function hostSelector(address: string): TrafficSelector {
  const a = addressValue(address);
  return selector(a.family, a.value, a.value, 0, 0);
}

/** The subnet prefix length when the range is a whole subnet, else undefined. */
function prefixOf(ts: TrafficSelector): number | undefined {
  const size = ts.end - ts.start + 1n;
  if ((size & (size - 1n)) !== 0n || ts.start % size !== 0n) return undefined;
  return bits(ts.family) - (size.toString(2).length - 1);
}

/** The ID payload of a selector: an address, a subnet when it is one, else a range. */
export function selectorPayload(ts: TrafficSelector): IdentificationPayload {
  const base = { type: 'identification' as const, protocolId: ts.protocol, port: ts.port };
  const v4 = ts.family === 4;
  if (ts.start === ts.end)
    return {
      ...base,
      id: v4
        ? { kind: 'ID_IPV4_ADDR', address: formatAddress(4, ts.start) }
        : { kind: 'ID_IPV6_ADDR', address: formatAddress(6, ts.start) },
    };
  const prefix = prefixOf(ts);
  if (prefix !== undefined) {
    const mask = maskOfPrefixLength(prefix, v4 ? 4 : 16);
    const address = formatAddress(ts.family, ts.start);
    return v4
      ? { ...base, id: { kind: 'ID_IPV4_ADDR_SUBNET', address, mask: formatIpv4(mask) } }
      : { ...base, id: { kind: 'ID_IPV6_ADDR_SUBNET', address, mask: formatIpv6(mask) } };
  }
  const start = formatAddress(ts.family, ts.start);
  const end = formatAddress(ts.family, ts.end);
  return {
    ...base,
    id: v4 ? { kind: 'ID_IPV4_ADDR_RANGE', start, end } : { kind: 'ID_IPV6_ADDR_RANGE', start, end },
  };
}

/** The selector an ID payload names, or why it cannot be one. */
export function selectorOfPayload(p: IdentificationPayload): TrafficSelector | string {
  const id = p.id;
  switch (id.kind) {
    case 'ID_IPV4_ADDR':
    case 'ID_IPV6_ADDR': {
      const a = addressValue(id.address);
      return selector(a.family, a.value, a.value, p.protocolId, p.port);
    }
    case 'ID_IPV4_ADDR_SUBNET':
    case 'ID_IPV6_ADDR_SUBNET': {
      const a = addressValue(id.address);
      const maskBytes = addressValue(id.mask);
      const prefix = prefixLengthOfMask(toBytes(maskBytes.value, a.family === 4 ? 4 : 16));
      if (prefix === undefined) return `subnet mask ${id.mask} is not contiguous`;
      const hostBits = BigInt(bits(a.family) - prefix);
      const start = (a.value >> hostBits) << hostBits;
      return selector(a.family, start, start + (1n << hostBits) - 1n, p.protocolId, p.port);
    }
    case 'ID_IPV4_ADDR_RANGE':
    case 'ID_IPV6_ADDR_RANGE': {
      const from = addressValue(id.start);
      const to = addressValue(id.end);
      if (to.value < from.value) return `range ${id.start}-${id.end} is reversed`;
      return selector(from.family, from.value, to.value, p.protocolId, p.port);
    }
    default:
      return `ID type ${id.kind} is not a traffic selector`;
  }
}

/** `inner` lies within `outer`: addresses, protocol and port (0 = any). */
export function containsSelector(outer: TrafficSelector, inner: TrafficSelector): boolean {
  return (
    outer.family === inner.family &&
    outer.start <= inner.start &&
    inner.end <= outer.end &&
    (outer.protocol === 0 || outer.protocol === inner.protocol) &&
    (outer.port === 0 || outer.port === inner.port)
  );
}

export function sameSelector(a: TrafficSelector, b: TrafficSelector): boolean {
  return containsSelector(a, b) && containsSelector(b, a);
}

/** strongSwan's notation: `10.1.0.0/16`, `10.0.0.1/32`, `10.0.0.1..10.0.0.9`, with `[proto/port]`. */
export function formatSelector(ts: TrafficSelector): string {
  const prefix = prefixOf(ts);
  const host =
    prefix !== undefined
      ? `${formatAddress(ts.family, ts.start)}/${prefix}`
      : `${formatAddress(ts.family, ts.start)}..${formatAddress(ts.family, ts.end)}`;
  if (ts.protocol === 0 && ts.port === 0) return host;
  return ts.port === 0 ? `${host}[${ts.protocol}]` : `${host}[${ts.protocol}/${ts.port}]`;
}
