/**
 * SA install rate of the kernel backend (and of `ip -batch` for comparison): `pairs` SA pairs with
 * their in/out policies in namespace `ns`, as a daemon with that many children would install them.
 */
import { writeFileSync } from 'node:fs';
import type { IpsecSaParams, PolicyParams } from '../../../src/dataplane/backend.js';
import { XfrmBackend } from '../../../src/dataplane/kernel/xfrm-backend.js';
import { prefixSelector } from './cases.js';
import { inNetns } from './netns.js';
import { run } from './traffic.js';

const LIMITS = { softBytes: 0n, hardBytes: 0n, softPackets: 0n, hardPackets: 0n };

function pair(i: number): { sas: IpsecSaParams[]; policies: PolicyParams[]; local: string; remote: string } {
  const local = `10.${100 + (i >> 8)}.${i & 255}.0`;
  const remote = `10.${200 + (i >> 8)}.${i & 255}.0`;
  const ts = { l: prefixSelector(local, 24, 4), r: prefixSelector(remote, 24, 4) };
  const sa = (spi: number, direction: 'in' | 'out', source: string, destination: string): IpsecSaParams => ({
    reqid: 1000 + i,
    direction,
    protocol: 'esp',
    spi,
    mode: 'tunnel',
    source,
    destination,
    encapsulation: undefined,
    encryption: { name: 'aes128gcm16', key: Buffer.alloc(20, i & 255) },
    integrity: undefined,
    replayWindow: direction === 'in' ? 32 : 0,
    limits: LIMITS,
    localTs: ts.l,
    remoteTs: ts.r,
  });
  const tmpl = (source: string, destination: string) => ({
    reqid: 1000 + i,
    protocol: 'esp' as const,
    mode: 'tunnel' as const,
    source,
    destination,
  });
  return {
    local,
    remote,
    sas: [sa(0x10000 + i, 'out', '192.0.2.1', '192.0.2.2'), sa(0x20000 + i, 'in', '192.0.2.2', '192.0.2.1')],
    policies: [
      {
        direction: 'out',
        source: ts.l,
        destination: ts.r,
        action: 'protect',
        priority: 1000,
        template: tmpl('192.0.2.1', '192.0.2.2'),
      },
      {
        direction: 'in',
        source: ts.r,
        destination: ts.l,
        action: 'protect',
        priority: 1000,
        template: tmpl('192.0.2.2', '192.0.2.1'),
      },
    ],
  };
}

export async function installRate(ns: string, pairs: number): Promise<Record<string, number>> {
  const backend = await inNetns(ns, () => XfrmBackend.open());
  const all = Array.from({ length: pairs }, (_, i) => pair(i));
  let t = performance.now();
  for (const p of all) {
    for (const sa of p.sas) await backend.addSa(sa);
    for (const pol of p.policies) await backend.addPolicy(pol);
  }
  const netlinkMs = performance.now() - t;
  const installed = (await run('ip', ['-n', ns, 'xfrm', 'state', 'count'])).out.trim();
  t = performance.now();
  await backend.close();
  const closeMs = performance.now() - t;
  // the same through iproute2 in batch mode (one process, one netlink request per line)
  const key = (i: number): string => `0x${Buffer.alloc(20, i & 255).toString('hex')}`;
  const lines = all.flatMap((p, i) => [
    `xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi ${0x10000 + i} reqid ${1000 + i} mode tunnel aead 'rfc4106(gcm(aes))' ${key(i)} 128`,
    `xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi ${0x20000 + i} reqid ${1000 + i} mode tunnel replay-window 32 aead 'rfc4106(gcm(aes))' ${key(i)} 128`,
    `xfrm policy add src ${p.local}/24 dst ${p.remote}/24 dir out priority 1000 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid ${1000 + i} mode tunnel`,
    `xfrm policy add src ${p.remote}/24 dst ${p.local}/24 dir in priority 1000 tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid ${1000 + i} mode tunnel`,
  ]);
  writeFileSync('/tmp/kxfrm-batch.txt', `${lines.join('\n')}\n`);
  t = performance.now();
  const batch = await run('ip', ['-n', ns, '-batch', '/tmp/kxfrm-batch.txt'], 120000);
  const batchMs = performance.now() - t;
  const batchInstalled = (await run('ip', ['-n', ns, 'xfrm', 'state', 'count'])).out.trim();
  await run('ip', ['-n', ns, 'xfrm', 'state', 'flush']);
  await run('ip', ['-n', ns, 'xfrm', 'policy', 'flush']);
  return {
    pairs,
    netlinkMs: Math.round(netlinkMs),
    netlinkSasPerSecond: Math.round((2 * pairs) / (netlinkMs / 1000)),
    netlinkPairsWithPoliciesPerSecond: Math.round(pairs / (netlinkMs / 1000)),
    closeMs: Math.round(closeMs),
    ipBatchMs: Math.round(batchMs),
    ipBatchSasPerSecond: Math.round((2 * pairs) / (batchMs / 1000)),
    ipBatchRc: batch.code,
    installedNetlink: Number(/\d+/.exec(installed)?.[0] ?? -1),
    installedBatch: Number(/\d+/.exec(batchInstalled)?.[0] ?? -1),
  };
}
