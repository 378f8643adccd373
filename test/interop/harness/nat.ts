// A real source NAT (nftables, conntrack) on one end of a namespace pair, so charon detects an
// actual NAT in front of itself (not only the NAT it fakes for kernel-libipsec) and sends NAT-T
// keepalives. Needs the `nft` tool (package nftables) and nf_nat in the kernel.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetnsEnd } from './netns.js';
import { run } from './proc.js';

export interface SourceNatOptions {
  /**
   * Also rewrite UDP source ports into this range (`[40000, 50000]`), as home routers do when the
   * port is taken: the peer then sees IKE from a port other than 500 (RFC 3947 section 1).
   */
  readonly udpPorts?: readonly [number, number];
}

/**
 * In `inside`'s namespace, rewrite the source of IPv4 packets leaving its veth from
 * `inside.ipv4` to `publicIpv4` (replies are translated back by conntrack), and teach `outside`
 * the MAC address for `publicIpv4`. The peer then sees `inside` as `publicIpv4`.
 */
export async function addSourceNat(
  inside: NetnsEnd,
  outside: NetnsEnd,
  publicIpv4: string,
  options: SourceNatOptions = {},
): Promise<void> {
  const match = `oifname "${inside.iface}" ip saddr ${inside.ipv4}`;
  const ports = options.udpPorts;
  const ruleset = [
    'table ip ikets_nat {',
    '  chain pre { type nat hook prerouting priority -100; }',
    '  chain post {',
    '    type nat hook postrouting priority 100;',
    ...(ports === undefined
      ? []
      : [`    ${match} udp sport 1-65535 snat to ${publicIpv4}:${ports[0]}-${ports[1]}`]),
    `    ${match} snat to ${publicIpv4}`,
    '  }',
    '}',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'ikets-nft-'));
  try {
    writeFileSync(join(dir, 'nat.nft'), `${ruleset}\n`);
    await run('ip', ['netns', 'exec', inside.ns, 'nft', '-f', join(dir, 'nat.nft')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { stdout } = await run('ip', ['-n', inside.ns, '-o', 'link', 'show', inside.iface]);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(stdout)?.[1] ?? '';
  await run('ip', [
    '-n',
    outside.ns,
    'neigh',
    'replace',
    publicIpv4,
    'lladdr',
    mac,
    'dev',
    outside.iface,
    'nud',
    'permanent',
  ]);
}
