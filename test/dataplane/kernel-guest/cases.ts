/**
 * The test matrix of the kernel backend in the guest: transforms x mode x UDP encapsulation, and the
 * SA/policy parameters of both ends of each case, with fixed test keys derived from the case name.
 */
import { createHash } from 'node:crypto';
import type { IpsecSaParams, PolicyParams, SaLimits, Selector } from '../../../src/dataplane/backend.js';
import { kernelCipher, kernelIntegrity } from '../../../src/dataplane/kernel/xfrm-algorithms.js';

export interface Transform {
  readonly label: string;
  readonly protocol: 'esp' | 'ah';
  readonly encryption: string | undefined;
  readonly integrity: string | undefined;
}

const esp = (encryption: string, integrity?: string): Transform => ({
  label: integrity === undefined ? encryption : `${encryption}-${integrity}`,
  protocol: 'esp',
  encryption,
  integrity,
});

export const TRANSFORMS: readonly Transform[] = [
  esp('aes128', 'sha1'),
  esp('aes192', 'sha256'),
  esp('aes256', 'sha384'),
  esp('aes256', 'sha512'),
  esp('aes128', 'md5'),
  esp('aes128', 'aesxcbc'),
  esp('3des', 'sha1'),
  esp('aes128ctr', 'sha256'),
  esp('aes256ctr', 'sha1'),
  esp('aes128gcm8'),
  esp('aes192gcm12'),
  esp('aes256gcm16'),
  esp('chacha20poly1305'),
  esp('null', 'sha256'),
  { label: 'ah-sha256', protocol: 'ah', encryption: undefined, integrity: 'sha256' },
  { label: 'ah-sha1', protocol: 'ah', encryption: undefined, integrity: 'sha1' },
];

export interface Case {
  readonly name: string;
  readonly transform: Transform;
  readonly mode: 'tunnel' | 'transport';
  readonly encap: boolean;
  readonly family: 4 | 6;
  readonly index: number;
}

/** Every transform in both modes, ESP with and without UDP encapsulation (RFC 3948 is ESP only). */
export function matrix(): Case[] {
  const out: Case[] = [];
  for (const transform of TRANSFORMS)
    for (const mode of ['tunnel', 'transport'] as const)
      for (const encap of transform.protocol === 'esp' ? [false, true] : [false]) {
        const name = `${transform.label}/${mode}${encap ? '/udp' : ''}`;
        out.push({ name, transform, mode, encap, family: 4, index: out.length });
      }
  // IPv6: one tunnel and one transport case
  for (const mode of ['tunnel', 'transport'] as const) {
    const transform = TRANSFORMS[1] as Transform;
    out.push({
      name: `${transform.label}/${mode}/ipv6`,
      transform,
      mode,
      encap: false,
      family: 6,
      index: out.length,
    });
  }
  return out;
}

/** The addresses of the two sides (veth) and the subnets behind them (on lo). */
export const NET = {
  4: { outerA: '192.168.99.1', outerB: '192.168.99.2', innerA: '10.1.0.1', innerB: '10.2.0.1' },
  6: { outerA: 'fd00:99::1', outerB: 'fd00:99::2', innerA: 'fd00:1::1', innerB: 'fd00:2::1' },
} as const;

export function ipToBigint(address: string): bigint {
  if (address.includes(':')) {
    const [head = '', tail = ''] = address.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
  }
  return address.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

/** A selector of `address`'s prefix of length `prefix`. */
export function prefixSelector(address: string, prefix: number, family: 4 | 6): Selector {
  const bits = family === 4 ? 32 : 128;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const start = ipToBigint(address) & ~host & ((1n << BigInt(bits)) - 1n);
  return { family, start, end: start | host, protocol: 0, port: 0 };
}

function key(label: string, bytes: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 64 < bytes; i++)
    out.push(createHash('sha512').update(`${label}/${i}`).digest());
  return Buffer.concat(out).subarray(0, bytes);
}

const NO_LIMITS: SaLimits = { softBytes: 0n, hardBytes: 0n, softPackets: 0n, hardPackets: 0n };

export interface Side {
  readonly sas: IpsecSaParams[];
  readonly policies: PolicyParams[];
}

/** SAs and policies of side A and side B for one case; SPIs 0x1000+index (A->B) and 0x2000+index (B->A). */
export function sides(
  c: Case,
  limits: SaLimits = NO_LIMITS,
): { a: Side; b: Side; spiAB: number; spiBA: number } {
  const n = NET[c.family];
  const prefix = c.mode === 'tunnel' ? (c.family === 4 ? 24 : 64) : c.family === 4 ? 32 : 128;
  const tsA =
    c.mode === 'tunnel'
      ? prefixSelector(n.innerA, prefix, c.family)
      : prefixSelector(n.outerA, prefix, c.family);
  const tsB =
    c.mode === 'tunnel'
      ? prefixSelector(n.innerB, prefix, c.family)
      : prefixSelector(n.outerB, prefix, c.family);
  const spiAB = 0x1000 + c.index;
  const spiBA = 0x2000 + c.index;
  const t = c.transform;
  const keys = (dir: string) => ({
    encryption:
      t.encryption === undefined
        ? undefined
        : { name: t.encryption, key: key(`${c.name}/${dir}/enc`, kernelCipher(t.encryption).keyBytes) },
    integrity:
      t.integrity === undefined
        ? undefined
        : { name: t.integrity, key: key(`${c.name}/${dir}/int`, kernelIntegrity(t.integrity).keyBytes) },
  });
  const sa = (
    spi: number,
    direction: 'in' | 'out',
    source: string,
    destination: string,
    localTs: Selector,
    remoteTs: Selector,
    dir: string,
    reqid: number,
  ): IpsecSaParams => ({
    reqid,
    direction,
    protocol: t.protocol,
    spi,
    mode: c.mode,
    source,
    destination,
    encapsulation: c.encap ? { sourcePort: 4500, destinationPort: 4500 } : undefined,
    ...keys(dir),
    replayWindow: direction === 'in' ? 64 : 0,
    limits: direction === 'out' ? limits : NO_LIMITS,
    localTs,
    remoteTs,
  });
  const reqid = 100 + c.index;
  const policy = (
    direction: 'in' | 'out',
    source: Selector,
    destination: Selector,
    from: string,
    to: string,
  ): PolicyParams => ({
    direction,
    source,
    destination,
    action: 'protect',
    priority: 1000,
    template: { reqid, protocol: t.protocol, mode: c.mode, source: from, destination: to },
  });
  return {
    spiAB,
    spiBA,
    a: {
      sas: [
        sa(spiAB, 'out', n.outerA, n.outerB, tsA, tsB, 'ab', reqid),
        sa(spiBA, 'in', n.outerB, n.outerA, tsA, tsB, 'ba', reqid),
      ],
      policies: [policy('out', tsA, tsB, n.outerA, n.outerB), policy('in', tsB, tsA, n.outerB, n.outerA)],
    },
    b: {
      sas: [
        sa(spiBA, 'out', n.outerB, n.outerA, tsB, tsA, 'ba', reqid),
        sa(spiAB, 'in', n.outerA, n.outerB, tsB, tsA, 'ab', reqid),
      ],
      policies: [policy('out', tsB, tsA, n.outerB, n.outerA), policy('in', tsA, tsB, n.outerA, n.outerB)],
    },
  };
}
