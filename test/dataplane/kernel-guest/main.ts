/**
 * Runs inside the qemu guest (test/kernel-esp/guest-xfrm.sh prepared namespaces A and B joined by
 * veth): drives XfrmBackend in both namespaces from one process and prints one `KXFRM-*` JSON line
 * per result for the host-side test (test/dataplane/kernel-xfrm.test.ts) to assert.
 */
import type { Socket } from 'node:dgram';
import { socketDescriptor as socketFd } from '../../../src/daemon/udp.js';
import type { BackendEvents, IpsecSaParams, SaCounters } from '../../../src/dataplane/backend.js';
import { kernelCipher, kernelIntegrity } from '../../../src/dataplane/kernel/xfrm-algorithms.js';
import { XfrmBackend } from '../../../src/dataplane/kernel/xfrm-backend.js';
import { installRate } from './bench.js';
import { type Case, matrix, NET, prefixSelector, sides } from './cases.js';
import { inNetns } from './netns.js';
import {
  type IpState,
  ipStates,
  lastIpOutput,
  ping,
  run,
  sendAndReceive,
  tcpTransfer,
  udpSocket,
} from './traffic.js';

const TCP_BYTES = 100_000;

function report(kind: string, value: object): void {
  console.log(
    `KXFRM-${kind} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
  );
}

function expectedAlgorithms(
  sa: IpsecSaParams,
): { kind: string; name: string; key: string; bits: number | undefined }[] {
  const out: { kind: string; name: string; key: string; bits: number | undefined }[] = [];
  if (sa.encryption !== undefined) {
    const c = kernelCipher(sa.encryption.name, sa.encryption.key);
    out.push({
      kind: c.kind === 'aead' ? 'aead' : 'enc',
      name: c.name,
      key: sa.encryption.key.toString('hex'),
      bits: c.kind === 'aead' ? c.icvBits : undefined,
    });
  }
  if (sa.integrity !== undefined && !(out[0]?.kind === 'aead')) {
    const i = kernelIntegrity(sa.integrity.name, sa.integrity.key);
    out.push({ kind: 'auth-trunc', name: i.name, key: sa.integrity.key.toString('hex'), bits: i.truncBits });
  }
  return out.sort((x, y) => x.kind.localeCompare(y.kind));
}

/** Compares an SA as `ip xfrm state` shows it with what was installed; returns the differences. */
function compareState(sa: IpsecSaParams, shown: IpState | undefined, counters: SaCounters): string[] {
  const where = `${sa.direction} SA 0x${sa.spi.toString(16)}`;
  if (shown === undefined) return [`${where}: not in ip xfrm state`];
  const errors: string[] = [];
  if (shown.protocol !== sa.protocol) errors.push(`${where}: proto ${shown.protocol}`);
  if (shown.mode !== sa.mode) errors.push(`${where}: mode ${shown.mode}`);
  const want = JSON.stringify(expectedAlgorithms(sa));
  const got = JSON.stringify(shown.algorithms);
  if (want !== got) errors.push(`${where}: algorithms ${got}, expected ${want}`);
  const encap = sa.encapsulation === undefined ? undefined : 'espinudp sport 4500 dport 4500';
  if (shown.encap !== encap) errors.push(`${where}: encap ${shown.encap}`);
  if (shown.bytes !== counters.bytes || shown.packets !== counters.packets)
    errors.push(
      `${where}: querySa ${counters.bytes}/${counters.packets}, ip ${shown.bytes}/${shown.packets}`,
    );
  if (counters.packets === 0n) errors.push(`${where}: no packets through the SA`);
  return errors;
}

async function runCase(
  c: Case,
  a: XfrmBackend,
  b: XfrmBackend,
  natt: { a: Socket; b: Socket; plain: Socket },
): Promise<boolean> {
  const t0 = performance.now();
  const s = sides(c);
  const errors: string[] = [];
  const n = NET[c.family];
  const result: Record<string, unknown> = { name: c.name };
  try {
    for (const [backend, side] of [
      [a, s.a],
      [b, s.b],
    ] as const) {
      for (const sa of side.sas) await backend.addSa(sa);
      for (const p of side.policies) await backend.addPolicy(p);
    }
    const [from, to] = c.mode === 'tunnel' ? [n.innerA, n.innerB] : [n.outerA, n.outerB];
    result.ping = await ping('A', from, to, 2);
    result.tcp = await tcpTransfer('B', to, 'A', from, TCP_BYTES);
    if (result.ping !== 2) errors.push(`ping: ${result.ping}/2 replies`);
    if (result.tcp !== TCP_BYTES) errors.push(`tcp: ${result.tcp}/${TCP_BYTES} bytes`);
    if (c.encap && c.mode === 'transport') {
      // The policy covers all traffic between the two hosts, so only the per-socket bypass lets the
      // NAT-T socket's IKE datagram (non-ESP marker, RFC 3948 section 2.2) leave and arrive in clear.
      // A's outbound SA is the one the datagram would take; let the TCP transfer's last packets
      // (late ACKs) pass first, so the counter moves only for what this check sends.
      const outbound = (s.a.sas.find((sa) => sa.direction === 'out') ?? s.a.sas[0]) as IpsecSaParams;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = (await a.querySa(outbound)).packets;
      const ike = Buffer.concat([Buffer.alloc(4), Buffer.from('IKE')]);
      const got = await sendAndReceive(natt.a, natt.b, ike, n.outerB, 4500);
      const mid = (await a.querySa(outbound)).packets;
      const control = await sendAndReceive(natt.plain, natt.b, ike, n.outerB, 4500);
      const after = (await a.querySa(outbound)).packets;
      result.bypass = { received: got?.equals(ike) ?? false, saPackets: Number(mid - before) };
      result.control = { received: control?.equals(ike) ?? false, saPackets: Number(after - mid) };
      if (!got?.equals(ike) || mid !== before) errors.push(`bypass: ${JSON.stringify(result.bypass)}`);
      if (after - mid !== 1n)
        errors.push(`control datagram did not go through the SA: ${JSON.stringify(result.control)}`);
    }
    const shown = { A: await ipStates('A'), B: await ipStates('B') };
    const counters: Record<string, SaCounters> = {};
    for (const [label, backend, side, ns] of [
      ['A', a, s.a, 'A'],
      ['B', b, s.b, 'B'],
    ] as const) {
      for (const sa of side.sas) {
        const q = await backend.querySa(sa);
        counters[`${label}.${sa.direction}`] = q;
        errors.push(...compareState(sa, shown[ns].get(sa.spi), q));
      }
    }
    const pk = (k: string): bigint => counters[k]?.packets ?? -1n;
    if (pk('A.out') !== pk('B.in') || pk('B.out') !== pk('A.in'))
      errors.push(
        `packets out/in disagree: A.out ${pk('A.out')} B.in ${pk('B.in')} B.out ${pk('B.out')} A.in ${pk('A.in')}`,
      );
    if (c.index === 0 || (c.name.endsWith('/udp') && c.index === 1)) result.ipXfrmState = lastIpOutput;
    result.counters = Object.fromEntries(
      Object.entries(counters).map(([k, v]) => [k, { bytes: v.bytes, packets: v.packets }]),
    );
  } catch (error) {
    errors.push(`exception: ${(error as Error).message}`);
  }
  for (const [backend, side] of [
    [a, s.a],
    [b, s.b],
  ] as const) {
    for (const sa of side.sas)
      await backend.deleteSa(sa).catch((e: Error) => errors.push(`delete SA: ${e.message}`));
    for (const p of side.policies)
      await backend.deletePolicy(p).catch((e: Error) => errors.push(`delete policy: ${e.message}`));
  }
  result.ok = errors.length === 0;
  result.errors = errors;
  result.ms = Math.round(performance.now() - t0);
  report('CASE', result);
  return errors.length === 0;
}

function waitFor<K extends keyof BackendEvents>(
  backend: XfrmBackend,
  name: K,
  count: number,
  ms: number,
): Promise<BackendEvents[K][]> {
  const got: BackendEvents[K][] = [];
  return new Promise((resolve) => {
    const off = backend.events.on(name, (e) => {
      got.push(e);
      if (got.length >= count) done();
    });
    const timer = setTimeout(() => done(), ms);
    function done(): void {
      clearTimeout(timer);
      off();
      resolve(got);
    }
  });
}

/** Soft and hard expiry by packets (RFC 4301 section 4.4.2.1 lifetime): events from the kernel. */
async function expireTest(a: XfrmBackend, b: XfrmBackend, c: Case): Promise<boolean> {
  const s = sides(c, { softBytes: 0n, hardBytes: 0n, softPackets: 3n, hardPackets: 6n });
  for (const [backend, side] of [
    [a, s.a],
    [b, s.b],
  ] as const) {
    for (const sa of side.sas) await backend.addSa(sa);
    for (const p of side.policies) await backend.addPolicy(p);
  }
  const events = waitFor(a, 'expire', 2, 8000);
  const replies = await ping('A', NET[4].innerA, NET[4].innerB, 8);
  const got = await events;
  const queryAfter = await a.querySa(s.a.sas[0] as IpsecSaParams).then(
    () => 'still there',
    (e: { code?: string }) => e.code ?? 'error',
  );
  for (const [backend, side] of [
    [a, s.a],
    [b, s.b],
  ] as const) {
    for (const sa of side.sas) await backend.deleteSa(sa).catch(() => {});
    for (const p of side.policies) await backend.deletePolicy(p).catch(() => {});
  }
  const ok =
    got.length === 2 &&
    got[0]?.hard === false &&
    got[1]?.hard === true &&
    got.every((e) => e.spi === s.spiAB && e.protocol === 'esp' && e.destination === NET[4].outerB) &&
    queryAfter === 'ERR_DATAPLANE_NOT_FOUND';
  report('EXPIRE', { ok, replies, events: got, queryAfterHard: queryAfter });
  return ok;
}

/** A trap policy (template, no SA): the first packet raises ACQUIRE with the template's reqid. */
async function acquireTest(a: XfrmBackend): Promise<boolean> {
  const policy = {
    direction: 'out' as const,
    source: prefixSelector(NET[4].innerA, 24, 4),
    destination: prefixSelector(NET[4].innerB, 24, 4),
    action: 'trap' as const,
    priority: 1000,
    template: {
      reqid: 999,
      protocol: 'esp' as const,
      mode: 'tunnel' as const,
      source: NET[4].outerA,
      destination: NET[4].outerB,
    },
  };
  await a.addPolicy(policy);
  const events = waitFor(a, 'acquire', 1, 5000);
  const replies = await ping('A', NET[4].innerA, NET[4].innerB, 1);
  const got = await events;
  await a.deletePolicy(policy);
  const e = got[0];
  const ok =
    replies === 0 && e?.reqid === 999 && e.source === NET[4].innerA && e.destination === NET[4].innerB;
  report('ACQUIRE', { ok, replies, events: got });
  return ok;
}

/**
 * MAPPING (RFC 3948 section 3.3): A sends its ESP-in-UDP from port 4501 while B's inbound SA expects
 * 4500, as if a NAT had changed its mapping; B's kernel reports the new port, and updateSa moves the SA
 * to it, after which traffic flows without further reports.
 */
async function mappingTest(a: XfrmBackend, b: XfrmBackend, c: Case): Promise<boolean> {
  const s = sides(c);
  const aOut = {
    ...(s.a.sas[0] as IpsecSaParams),
    encapsulation: { sourcePort: 4501, destinationPort: 4500 },
  };
  const bIn = s.b.sas[1] as IpsecSaParams;
  for (const [backend, sas, policies] of [
    [a, [aOut, s.a.sas[1] as IpsecSaParams], s.a.policies],
    [b, s.b.sas, s.b.policies],
  ] as const) {
    for (const sa of sas) await backend.addSa(sa);
    for (const p of policies) await backend.addPolicy(p);
  }
  const first = waitFor(b, 'mapping', 1, 5000);
  const replies = await ping('A', NET[4].innerA, NET[4].innerB, 1);
  const events = await first;
  const e = events[0];
  let after: { replies: number; events: number; encap: string | undefined } | undefined;
  if (e !== undefined) {
    await b.updateSa(bIn, {
      source: e.address,
      destination: bIn.destination,
      encapsulation: { sourcePort: e.port, destinationPort: 4500 },
    });
    const more = waitFor(b, 'mapping', 1, 1500);
    const replies2 = await ping('A', NET[4].innerA, NET[4].innerB, 2);
    after = {
      replies: replies2,
      events: (await more).length,
      encap: (await ipStates('B')).get(bIn.spi)?.encap,
    };
  }
  for (const [backend, sas, policies] of [
    [a, [aOut, s.a.sas[1] as IpsecSaParams], s.a.policies],
    [b, s.b.sas, s.b.policies],
  ] as const) {
    for (const sa of sas) await backend.deleteSa(sa).catch(() => {});
    for (const p of policies) await backend.deletePolicy(p).catch(() => {});
  }
  const ok =
    replies === 1 &&
    e?.spi === s.spiAB &&
    e.destination === NET[4].outerB &&
    e.address === NET[4].outerA &&
    e.port === 4501 &&
    after?.replies === 2 &&
    after.events === 0 &&
    after.encap === 'espinudp sport 4501 dport 4500';
  report('MAPPING', { ok, replies, events, after });
  return ok;
}

/** close() removes what the backend installed and leaves another's SA alone. */
async function closeTest(a: XfrmBackend, c: Case): Promise<boolean> {
  const s = sides(c);
  for (const sa of s.a.sas) await a.addSa(sa);
  for (const p of s.a.policies) await a.addPolicy(p);
  await run('ip', [
    '-n',
    'A',
    'xfrm',
    'state',
    'add',
    'src',
    '192.0.2.1',
    'dst',
    '192.0.2.2',
    'proto',
    'esp',
    'spi',
    '0x7777',
    'mode',
    'tunnel',
    'enc',
    'cbc(aes)',
    `0x${'11'.repeat(16)}`,
  ]);
  await a.close();
  const states = await ipStates('A');
  const policies = (await run('ip', ['-n', 'A', 'xfrm', 'policy'])).out;
  const ok =
    !states.has(s.spiAB) && !states.has(s.spiBA) && states.has(0x7777) && !policies.includes('10.1.0.0/24');
  report('CLOSE', { ok, left: [...states.keys()].map((k) => k.toString(16)), policies: policies.trim() });
  return ok;
}

async function main(): Promise<void> {
  const only = process.env.KXFRM_ONLY;
  const t0 = performance.now();
  if (process.env.KXFRM_BENCH_ONLY === '1') {
    report('BENCH', await installRate('C', 1000));
    report('SUMMARY', { passed: 0, failed: 0, ms: Math.round(performance.now() - t0) });
    return;
  }
  const a = await inNetns('A', () => XfrmBackend.open());
  const b = await inNetns('B', () => XfrmBackend.open());
  report('OPEN', { ms: Math.round(performance.now() - t0) });
  const nattA = await udpSocket('A', NET[4].outerA, 4500);
  const nattB = await udpSocket('B', NET[4].outerB, 4500);
  const plain = await udpSocket('A', NET[4].outerA, 5555);
  await a.bypassSocket({ fd: socketFd(nattA) ?? -1, family: 4, natt: true });
  await b.bypassSocket({ fd: socketFd(nattB) ?? -1, family: 4, natt: true });
  let passed = 0;
  let failed = 0;
  const count = (ok: boolean): void => {
    if (ok) passed++;
    else failed++;
  };
  const cases = matrix().filter((c) => only === undefined || c.name.includes(only));
  for (const c of cases) count(await runCase(c, a, b, { a: nattA, b: nattB, plain }));
  const base = matrix()[0] as Case;
  count(await expireTest(a, b, { ...base, name: 'expire', index: 200 }));
  count(await acquireTest(a));
  const udp = matrix().find((m) => m.encap && m.mode === 'tunnel') as Case;
  count(await mappingTest(a, b, { ...udp, name: 'mapping', index: 202 }));
  for (const s of [nattA, nattB, plain]) s.close();
  count(await closeTest(a, { ...base, name: 'close', index: 201 }));
  await b.close();
  if (process.env.KXFRM_BENCH !== '0') report('BENCH', await installRate('C', 1000));
  report('SUMMARY', { passed, failed, ms: Math.round(performance.now() - t0) });
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
