/**
 * The kernel data plane through the real daemon, in the qemu guest (after main.ts, in the same boot
 * and the same namespaces A and B): `ikets start --dataplane kernel` in A against strongSwan's charon
 * with kernel-netlink in B, then against a second ikets in B. Per case: the child comes up, ping and
 * TCP cross it both ways, `ip -s xfrm state` on both sides shows the same SPIs crosswise with the
 * same algorithms, keys and mode and the same packet counts, and `ikets list-sas --json` counts what
 * the kernel counts. One `KXFRM-DAEMON` line per case, `KXFRM-DSUMMARY` at the end, for the host side
 * (test/dataplane/kernel-xfrm.test.ts).
 */
import type { ChildSaInfo } from '../../../src/sa/types.js';
import { iketsA, peerB } from './daemon-configs.js';
import { dpdCase } from './dpd-case.js';
import { inNetns } from './netns.js';
import { Charon, Ikets, ipPolicies, type SaListing, until } from './peers.js';
import { type IpState, ipStates, run, tcpTransfer } from './traffic.js';

const TCP_BYTES = 100_000;
const ENCAP = 'espinudp sport 4500 dport 4500';

function report(kind: string, value: object): void {
  console.log(`KXFRM-${kind} ${JSON.stringify(value)}`);
}

/** ping from namespace `ns`; `-w` waits for the first `count` replies up to `deadline` seconds. */
async function ping(ns: string, from: string, to: string, count: number, deadline = 6): Promise<number> {
  const r = await inNetns(ns, () =>
    run(
      'ping',
      ['-c', String(count), '-i', '0.3', '-w', String(deadline), '-I', from, to],
      (deadline + 5) * 1000,
    ),
  );
  return Number(/(\d+) received/.exec(r.out)?.[1] ?? 0);
}

interface Endpoints {
  readonly a: string;
  readonly b: string;
}

const INNER: Endpoints = { a: '10.1.0.1', b: '10.2.0.1' };
const OUTER: Endpoints = { a: '192.168.99.1', b: '192.168.99.2' };
const TRAP: Endpoints = { a: '10.1.1.1', b: '10.2.1.1' };

/** Packets of every SA in both namespaces, by SPI. */
type Snapshot = { A: Map<number, IpState>; B: Map<number, IpState> };

/**
 * Ping (2 each way) and TCP both ways, after a first ping that may meet the SAs still being
 * installed: in IKEv1 the initiator may send on its SAs once it sent the third Quick Mode message,
 * before the responder installed its inbound SA (RFC 2409 section 5.5; the commit bit of section
 * 3.1 is what would close that window), so a packet or two may be lost then. The packet counts are
 * compared from the snapshot taken after the first reply: from there on nothing may be lost.
 */
async function traffic(at: Endpoints, result: Record<string, unknown>, errors: string[]): Promise<Snapshot> {
  const first = await ping('A', at.a, at.b, 1, 10);
  const snapshot = { A: await ipStates('A'), B: await ipStates('B') };
  const ab = await ping('A', at.a, at.b, 2);
  const ba = await ping('B', at.b, at.a, 2);
  const tcpAB = await tcpTransfer('B', at.b, 'A', at.a, TCP_BYTES);
  const tcpBA = await tcpTransfer('A', at.a, 'B', at.b, TCP_BYTES);
  result.ping = { first, ab, ba };
  result.tcp = { ab: tcpAB, ba: tcpBA };
  if (first !== 1 || ab !== 2 || ba !== 2) errors.push(`ping: ${JSON.stringify(result.ping)}`);
  if (tcpAB !== TCP_BYTES || tcpBA !== TCP_BYTES) errors.push(`tcp: ${JSON.stringify(result.tcp)}`);
  return snapshot;
}

function findChild(listing: SaListing, name: string): ChildSaInfo | undefined {
  return listing.childSas.find((c) => c.child === name);
}

/** The kernel's view of one side's child against its `list-sas --json` counters. */
function countersAgree(
  side: string,
  listing: SaListing,
  child: ChildSaInfo,
  states: Map<number, IpState>,
): string[] {
  const t = listing.traffic[String(child.id)];
  const sIn = states.get(Number.parseInt(child.spiIn, 16));
  const sOut = states.get(Number.parseInt(child.spiOut, 16));
  if (t === undefined || sIn === undefined || sOut === undefined) return [`${side}: no counters or no SAs`];
  const got = [t.bytesIn, t.packetsIn, t.bytesOut, t.packetsOut];
  const want = [sIn.bytes, sIn.packets, sOut.bytes, sOut.packets].map(Number);
  return JSON.stringify(got) === JSON.stringify(want)
    ? []
    : [`${side}: list-sas in/out bytes/packets ${got}, ip -s xfrm state ${want}`];
}

/**
 * Both kernels hold the child's two SAs under the same SPIs (A's inbound is B's outbound), with the
 * same algorithms and keys, mode and encapsulation, and what one side sent is what the other received.
 */
async function crossCheck(
  child: ChildSaInfo,
  listingA: SaListing,
  listingB: SaListing | undefined,
  expect: { mode: 'tunnel' | 'transport'; encap: boolean },
  snapshot: Snapshot,
  result: Record<string, unknown>,
  errors: string[],
): Promise<void> {
  const a = await ipStates('A');
  const b = await ipStates('B');
  const packets: Record<string, number> = {};
  const since: Record<string, number> = {};
  for (const [dir, hex] of [
    ['in', child.spiIn],
    ['out', child.spiOut],
  ] as const) {
    const spi = Number.parseInt(hex, 16);
    const sa = a.get(spi);
    const sb = b.get(spi);
    if (sa === undefined || sb === undefined) {
      errors.push(`SPI ${hex} (${dir} on A): in A ${sa !== undefined}, in B ${sb !== undefined}`);
      continue;
    }
    if (sa.mode !== expect.mode || sb.mode !== expect.mode)
      errors.push(`SPI ${hex}: modes ${sa.mode} ${sb.mode}`);
    if (JSON.stringify(sa.algorithms) !== JSON.stringify(sb.algorithms))
      errors.push(
        `SPI ${hex}: algorithms A ${JSON.stringify(sa.algorithms)} B ${JSON.stringify(sb.algorithms)}`,
      );
    const encap = expect.encap ? ENCAP : undefined;
    if (sa.encap !== encap || sb.encap !== encap)
      errors.push(`SPI ${hex}: encap A ${sa.encap} B ${sb.encap}`);
    // What one side sent after the first reply is what the other received.
    const da = sa.packets - (snapshot.A.get(spi)?.packets ?? 0n);
    const db = sb.packets - (snapshot.B.get(spi)?.packets ?? 0n);
    if (da !== db || da === 0n)
      errors.push(`SPI ${hex} (${dir} on A): packets since the first reply A ${da} B ${db}`);
    packets[dir] = Number(sa.packets);
    since[dir] = Number(da);
    if (sa.packets !== sb.packets) result.lostBeforeFirstReply = Number(sa.packets - sb.packets);
  }
  result.spis = { in: child.spiIn, out: child.spiOut };
  result.mode = a.get(Number.parseInt(child.spiOut, 16))?.mode;
  result.encap = a.get(Number.parseInt(child.spiOut, 16))?.encap === ENCAP;
  result.algorithms = a.get(Number.parseInt(child.spiOut, 16))?.algorithms.map((x) => `${x.kind} ${x.name}`);
  result.packets = packets;
  result.packetsSinceFirstReply = since;
  errors.push(...countersAgree('A', listingA, child, a));
  if (listingB !== undefined) {
    const peer = listingB.childSas.find((c) => c.spiIn === child.spiOut && c.spiOut === child.spiIn);
    if (peer === undefined) errors.push('B: list-sas has no child with the crosswise SPIs');
    else errors.push(...countersAgree('B', listingB, peer, b));
    result.listSasAgree = { A: true, B: peer !== undefined };
  } else result.listSasAgree = { A: true };
}

/** Waits until neither kernel holds the child's SAs any more (after a Delete). */
async function gone(child: ChildSaInfo): Promise<boolean> {
  const spis = [child.spiIn, child.spiOut].map((h) => Number.parseInt(h, 16));
  return until(
    async () => {
      const [a, b] = [await ipStates('A'), await ipStates('B')];
      return spis.every((s) => !a.has(s) && !b.has(s));
    },
    20_000,
    300,
  );
}

/** Records the milliseconds of each step of a case in `result.steps`. */
function stopwatch(result: Record<string, unknown>): (step: string) => void {
  let last = performance.now();
  const steps: Record<string, number> = {};
  result.steps = steps;
  return (step) => {
    const now = performance.now();
    steps[step] = Math.round(now - last);
    last = now;
  };
}

type CaseBody = (result: Record<string, unknown>, errors: string[]) => Promise<void>;

let passed = 0;
let failed = 0;

async function runCase(name: string, body: CaseBody): Promise<void> {
  const t0 = performance.now();
  const result: Record<string, unknown> = { name };
  const errors: string[] = [];
  try {
    await body(result, errors);
  } catch (error) {
    errors.push(`exception: ${(error as Error).message}`);
  }
  result.ok = errors.length === 0;
  result.errors = errors;
  result.ms = Math.round(performance.now() - t0);
  report('DAEMON', result);
  if (errors.length === 0) passed++;
  else failed++;
}

/**
 * ikets initiates `child` (of connection `conn`), traffic crosses, both sides agree, then `down conn`.
 * `cliListing`: the counters come from `ikets list-sas --json` itself rather than its request.
 */
function iketsInitiates(
  a: Ikets,
  peer: Ikets | undefined,
  conn: string,
  child: string,
  at: Endpoints,
  expect: { mode: 'tunnel' | 'transport'; encap: boolean },
  cliListing = false,
): CaseBody {
  return async (result, errors) => {
    const steps = stopwatch(result);
    await a.request({ command: 'up', name: child, timeout: 60_000 });
    steps('up');
    const snapshot = await traffic(at, result, errors);
    steps('traffic');
    const listing = await a.listSas(cliListing);
    const info = findChild(listing, child);
    if (info === undefined) throw new Error(`list-sas has no ${child}`);
    result.proposal = info.proposal;
    const peerListing = await peer?.listSas();
    steps('list-sas');
    await crossCheck(info, listing, peerListing, expect, snapshot, result, errors);
    steps('check');
    await a.request({ command: 'down', name: conn });
    if (!(await gone(info))) errors.push(`down ${conn}: SAs left`);
    steps('down');
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  for (const [ns, local, peerNet, src] of [
    ['A', TRAP.a, '10.2.1.0/24', '192.168.99.2'],
    ['B', TRAP.b, '10.1.1.0/24', '192.168.99.1'],
  ] as const) {
    await run('ip', ['-n', ns, 'addr', 'add', `${local}/32`, 'dev', 'lo']);
    await run('ip', ['-n', ns, 'route', 'add', peerNet, 'via', src, 'src', local]);
  }
  const logs: (() => string)[] = [];
  let a: Ikets | undefined;
  let charon: Charon | undefined;
  let b: Ikets | undefined;
  try {
    a = await Ikets.start('a', 'A', iketsA());
    logs.push(() => `--- ikets a ---\n${a?.log ?? ''}`);
    const iketsMs = Math.round(performance.now() - t0);
    charon = await Charon.start('B', peerB('charon'));
    logs.push(() => `--- charon B ---\n${charon?.log ?? ''}`);
    report('DSTART', { iketsMs, ms: Math.round(performance.now() - t0) });
    const ia = a;
    const ch = charon;
    await runCase(
      'ikets-charon/tunnel',
      iketsInitiates(ia, undefined, 'gw', 'net', INNER, { mode: 'tunnel', encap: false }, true),
    );
    await runCase('charon-ikets/tunnel', async (result, errors) => {
      const init = await ch.swanctl(['--initiate', '--child', 'net', '--timeout', '60'], 90_000);
      if (init.code !== 0) throw new Error(`swanctl --initiate: ${init.out}`);
      const snapshot = await traffic(INNER, result, errors);
      const listing = await ia.listSas();
      const info = findChild(listing, 'net');
      if (info === undefined) throw new Error('ikets lists no net child');
      result.proposal = info.proposal;
      await crossCheck(info, listing, undefined, { mode: 'tunnel', encap: false }, snapshot, result, errors);
      await ia.request({ command: 'down', name: 'gw' });
      if (!(await gone(info))) errors.push('down gw: SAs left');
    });
    await runCase(
      'ikets-charon/transport',
      iketsInitiates(ia, undefined, 'gw', 'host', OUTER, { mode: 'transport', encap: false }),
    );
    await runCase(
      'ikets-charon/tunnel/udp',
      iketsInitiates(ia, undefined, 'enc', 'encnet', INNER, { mode: 'tunnel', encap: true }),
    );
    await charon.stop();
    charon = undefined;
    b = await Ikets.start('b', 'B', peerB('ikets'));
    logs.push(() => `--- ikets b ---\n${b?.log ?? ''}`);
    const ib = b;
    await runCase(
      'ikets-ikets/tunnel',
      iketsInitiates(ia, ib, 'gw', 'net', INNER, { mode: 'tunnel', encap: false }),
    );
    await runCase('ikets-ikets/trap', async (result, errors) => {
      const before = await ipPolicies('A');
      result.trapBefore = before.policies.filter(
        (p) => p.source === '10.1.1.0/24' || p.destination === '10.1.1.0/24',
      );
      const t1 = performance.now();
      // The first packet meets the trap policy: the kernel drops it and sends ACQUIRE; Quick Mode follows.
      const first = await ping('A', TRAP.a, TRAP.b, 1, 30);
      result.firstReplyMs = Math.round(performance.now() - t1);
      if (first !== 1) errors.push('no reply within 30 s of the first packet');
      const snapshot = await traffic(TRAP, result, errors);
      const listing = await ia.listSas();
      const info = findChild(listing, 'trapnet');
      if (info === undefined) throw new Error('ikets lists no trapnet child');
      await crossCheck(
        info,
        listing,
        await ib.listSas(),
        { mode: 'tunnel', encap: false },
        snapshot,
        result,
        errors,
      );
      const rows = await ia.listPols();
      const kernel = await ipPolicies('A');
      // The kernel holds one policy per selector and direction: the best (lowest) priority the SPD has.
      const best = new Map<string, (typeof rows)[number]>();
      for (const r of rows) {
        const key = `${r.direction} ${r.source} ${r.destination}`;
        const held = best.get(key);
        if (held === undefined || r.priority < held.priority) best.set(key, r);
      }
      const compared: string[] = [];
      for (const [key, r] of best) {
        const k = kernel.policies.find((p) => `${p.direction} ${p.source} ${p.destination}` === key);
        if (k === undefined || k.priority !== r.priority || k.reqid !== r.reqid)
          errors.push(
            `policy ${key}: list-pols priority ${r.priority} reqid ${r.reqid}, kernel ${JSON.stringify(k)}`,
          );
        else compared.push(`${key} ${r.priority} ${r.action}`);
      }
      result.policies = compared;
      // The SA's protect policy replaced the trap policy (one lower), which waits among its users.
      const out = rows.find((r) => r.direction === 'out' && r.source === '10.1.1.0/24');
      result.trapOut =
        out === undefined ? undefined : { action: out.action, priority: out.priority, users: out.users };
      const trapBefore = before.policies.find((p) => p.direction === 'out' && p.source === '10.1.1.0/24');
      if (
        out?.action !== 'protect' ||
        out.priority !== (trapBefore?.priority ?? 0) - 1 ||
        !out.users.includes('trap:gw/trapnet') ||
        !out.users.some((u) => u.startsWith('sa:'))
      )
        errors.push(
          `list-pols: out policy of trapnet ${JSON.stringify(out)}, trap had ${JSON.stringify(trapBefore)}`,
        );
      // The child goes: its SAs leave both kernels and the trap policies are back as they were.
      await ia.request({ command: 'down', name: 'trapnet' });
      if (!(await gone(info))) errors.push('down trapnet: SAs left');
      const after = (await ipPolicies('A')).policies.filter(
        (p) => p.source === '10.1.1.0/24' || p.destination === '10.1.1.0/24',
      );
      result.trapAfterDown = after;
      if (JSON.stringify(after) !== JSON.stringify(result.trapBefore))
        errors.push(
          `after down: ${JSON.stringify(after)}, the trap policies were ${JSON.stringify(result.trapBefore)}`,
        );
    });
    await runCase('ikets-ikets/dpd', dpdCase(ia, ib));
  } catch (error) {
    failed++;
    report('DAEMON', { name: 'setup', ok: false, errors: [(error as Error).message] });
  } finally {
    await charon?.stop();
    await b?.stop();
    await a?.stop();
  }
  if (failed > 0) for (const log of logs) console.log(log().split('\n').slice(-80).join('\n'));
  report('DSUMMARY', { passed, failed, ms: Math.round(performance.now() - t0) });
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
