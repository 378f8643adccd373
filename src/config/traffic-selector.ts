import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * A traffic selector as swanctl.conf writes it (`local_ts = 10.1.0.0/16[tcp/443]`): `dynamic` (the IKE
 * address), an address, a subnet or a range, optionally with `[protocol/port]`. In IKEv1 it becomes the
 * IDci/IDcr of Quick Mode (RFC 2409 section 5.5): IPV4_ADDR, IPV4_ADDR_SUBNET, IPV4_ADDR_RANGE and the IPv6 ones.
 */
export type TrafficSelectorConfig = {
  readonly protocol: number;
  readonly port: number;
} & (
  | { readonly kind: 'dynamic' }
  | { readonly kind: 'address'; readonly family: 4 | 6; readonly address: string }
  | { readonly kind: 'subnet'; readonly family: 4 | 6; readonly address: string; readonly prefix: number }
  | { readonly kind: 'range'; readonly family: 4 | 6; readonly from: string; readonly to: string }
);

const PROTOCOLS: Record<string, number> = {
  any: 0,
  icmp: 1,
  tcp: 6,
  udp: 17,
  ipv6_icmp: 58,
  'ipv6-icmp': 58,
  sctp: 132,
};
const PORTS: Record<string, number> = {
  any: 0,
  isakmp: 500,
  'ipsec-nat-t': 4500,
  ssh: 22,
  http: 80,
  https: 443,
  domain: 53,
};

/** Parses one selector; returns a reason string when it is not valid. */
export function parseTrafficSelector(text: string): TrafficSelectorConfig | string {
  const match = /^([^[\]]+)(?:\[([^\]/]*)(?:\/([^\]]*))?\])?$/.exec(text.trim());
  if (!match)
    return `'${text}' is not a traffic selector (address, subnet, range or dynamic, with optional [proto/port])`;
  const [, host = '', protoText = '', portText = ''] = match;
  const protocol = protoText === '' ? 0 : /^\d+$/.test(protoText) ? Number(protoText) : PROTOCOLS[protoText];
  if (protocol === undefined || protocol > 255) return `'${protoText}' is not an IP protocol name or number`;
  const port = portText === '' ? 0 : /^\d+$/.test(portText) ? Number(portText) : PORTS[portText];
  if (port === undefined || port > 65535) return `'${portText}' is not a port name or number`;
  const base = { protocol, port };
  if (host === 'dynamic') return { ...base, kind: 'dynamic' };
  const range = /^(.+)-(.+)$/.exec(host);
  if (range && !host.includes('/')) {
    const [, from = '', to = ''] = range;
    const family = familyOf(from);
    if (family === undefined || familyOf(to) !== family)
      return `'${host}' is not an address range of one family`;
    if (!rangeIsOrdered(from, to, family)) return `'${host}': the range's first address is above its last`;
    return { ...base, kind: 'range', family, from, to };
  }
  const subnet = /^(.+)\/(\d+)$/.exec(host);
  if (subnet) {
    const [, address = '', prefixText = ''] = subnet;
    const family = familyOf(address);
    const prefix = Number(prefixText);
    if (family === undefined || prefix > (family === 4 ? 32 : 128)) return `'${host}' is not a subnet`;
    return { ...base, kind: 'subnet', family, address, prefix };
  }
  const family = familyOf(host);
  if (family === undefined) return `'${host}' is not an IP address`;
  return { ...base, kind: 'address', family, address: host };
}

function familyOf(address: string): 4 | 6 | undefined {
  return isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
}

function rangeIsOrdered(from: string, to: string, family: 4 | 6): boolean {
  // BlockList refuses a range whose start lies above its end, which is the check we need.
  try {
    new BlockList().addRange(from, to, family === 4 ? 'ipv4' : 'ipv6');
    return true;
  } catch {
    return false;
  }
}

/** The selector back in swanctl.conf's notation. */
export function formatTrafficSelector(ts: TrafficSelectorConfig): string {
  const host =
    ts.kind === 'dynamic'
      ? 'dynamic'
      : ts.kind === 'address'
        ? ts.address
        : ts.kind === 'subnet'
          ? `${ts.address}/${ts.prefix}`
          : `${ts.from}-${ts.to}`;
  if (ts.protocol === 0 && ts.port === 0) return host;
  const proto = Object.entries(PROTOCOLS).find(([, n]) => n === ts.protocol)?.[0] ?? String(ts.protocol);
  return ts.port === 0 ? `${host}[${proto}]` : `${host}[${proto}/${ts.port}]`;
}
