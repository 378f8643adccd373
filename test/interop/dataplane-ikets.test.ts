// ikets <-> ikets through the userspace data plane: two `ikets start --dataplane userspace` daemons
// in two namespaces (10.231.0.1 and .2), subnets behind each (addresses on lo: 10.1.N.1 on A,
// 10.2.N.1 on B), every child of its own /24 pair so each test has its own SAs:
//   trap  start_action = trap on A: the first ping brings up the ISAKMP SA and the child
//   net   tunnel mode, updown scripts on both sides: ping, 1 MiB TCP each way, capture, counters
//   host  transport mode between the IKE addresses (the TUN route covers the peer's IKE address)
//   rk    rekey_time = 5s on A: a ping flood across the rekeying
//   pk    rekey_packets = 50 on A: the counters start the rekeying
//   hl    life_packets = 30 on A: the counters delete the child
//   by    rekey_bytes = 300k on A: rekeyed by the byte counters during a 1 MiB TCP transfer
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it, suite } from '../support/suite.js';
import {
  createNetnsPair,
  ensureTools,
  gatewaySide,
  type IketsDaemon,
  type Listing,
  listSas,
  type NetnsPair,
  ping,
  run,
  type SwanctlSection,
  startCapture,
  startIketsDaemon,
  tcpTransfer,
  waitUntil,
} from './harness/index.js';

const tools = ensureTools(['ip', 'tshark']);
const skip = !tools.ok ? tools.reason : existsSync('/dev/net/tun') ? false : 'no /dev/net/tun (TUN)';
const PSK = 'ikets-ikets-dataplane-psk-0123456789';

type Side = 'a' | 'b';

/** Per child: its /24 number and the settings only side A (or B) has. */
const CHILDREN: Record<string, { net: number; a?: SwanctlSection; b?: SwanctlSection }> = {
  trap: { net: 2, a: { start_action: 'trap' } },
  net: { net: 0 },
  rk: { net: 1, a: { rekey_time: '5s', life_time: '60s', rand_time: '0s' }, b: { rekey_time: '60s' } },
  pk: { net: 3, a: { rekey_packets: 50 } },
  hl: { net: 4, a: { life_packets: 30 } },
  by: { net: 5, a: { rekey_bytes: '300k' } },
};

function config(self: Side, local: string, remote: string, updown: string): string {
  const [mine, theirs] = self === 'a' ? ['10.1', '10.2'] : ['10.2', '10.1'];
  const children: Record<string, SwanctlSection> = {};
  for (const [name, c] of Object.entries(CHILDREN)) {
    children[name] = {
      local_ts: `${mine}.${c.net}.0/24`,
      remote_ts: `${theirs}.${c.net}.0/24`,
      esp_proposals: 'aes128gcm16',
      ...c[self],
      ...(name === 'net' ? { updown } : {}),
    };
  }
  // Host to host between the IKE addresses themselves (no traffic selectors: the addresses).
  children.host = { mode: 'transport', esp_proposals: 'aes256-sha256' };
  return gatewaySide({ self, localAddr: local, remoteAddr: remote, psk: PSK, children });
}

/** The single installed child `name` of a listing, or a failure naming what is there. */
function only(listing: Listing, name: string) {
  const found = listing.named(name);
  assert.equal(found.length, 1, `one '${name}': ${JSON.stringify(listing.children)}`);
  return found[0] as (typeof found)[number];
}

/** Both sides list exactly one `name` child and its SPIs cross (A's inbound is B's outbound). */
async function onePair(a: IketsDaemon, b: IketsDaemon, name: string): Promise<boolean> {
  const [la, lb] = [await listSas(a), await listSas(b)];
  const [ca, cb] = [la.named(name), lb.named(name)];
  return (
    ca.length === 1 && cb.length === 1 && ca[0]?.spiIn === cb[0]?.spiOut && ca[0]?.spiOut === cb[0]?.spiIn
  );
}

suite('userspace data plane: ikets <-> ikets', { skip }, () => {
  let pair: NetnsPair | undefined;
  let da: IketsDaemon | undefined;
  let db: IketsDaemon | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ikets-dp2-'));
  const p = () => pair ?? assert.fail('no namespaces');
  const A = () => da ?? assert.fail('no daemon A');
  const B = () => db ?? assert.fail('no daemon B');
  const logs = () => `--- A ---\n${da?.log()}\n--- B ---\n${db?.log()}`;

  before(async () => {
    pair = await createNetnsPair();
    for (const c of Object.values(CHILDREN)) {
      await run('ip', ['-n', pair.a.ns, 'addr', 'add', `10.1.${c.net}.1/32`, 'dev', 'lo']);
      await run('ip', ['-n', pair.b.ns, 'addr', 'add', `10.2.${c.net}.1/32`, 'dev', 'lo']);
    }
    for (const side of ['a', 'b'] as const) {
      const script = join(dir, `updown-${side}.sh`);
      // charon's updown contract: PLUTO_* in the environment, one run per up and down.
      writeFileSync(script, `#!/bin/sh\nenv | grep '^PLUTO_' | sort > '${dir}/${side}-'"$PLUTO_VERB"\n`);
      chmodSync(script, 0o755);
    }
    const [ea, eb] = [pair.a, pair.b];
    da = await startIketsDaemon({
      ns: ea.ns,
      dir,
      name: 'a',
      swanctl: config('a', ea.ipv4, eb.ipv4, join(dir, 'updown-a.sh')),
    });
    db = await startIketsDaemon({
      ns: eb.ns,
      dir,
      name: 'b',
      swanctl: config('b', eb.ipv4, ea.ipv4, join(dir, 'updown-b.sh')),
    });
  });

  after(async () => {
    await da?.stop();
    await db?.stop();
    await pair?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start_action = trap: the first ping to the remote subnet brings the tunnel up, later pings pass', async () => {
    const pols = await A().ikets(['list-pols']);
    assert.match(pols.stdout, /out 10\.1\.2\.0\/24 === 10\.2\.2\.0\/24 TRAP/, pols.stdout);
    assert.equal((await listSas(A())).children.length, 0, 'nothing is up before the first packet');
    // Main Mode and Quick Mode start from the ACQUIRE of the first echo request; the packets that
    // wait for the SA leave with it.
    const first = await ping(p().a.ns, '10.1.2.1', '10.2.2.1', { count: 5, interval: 0.2 });
    assert.ok(first.received >= 3, `${first.output}\n${logs()}`);
    assert.match(A().log(), /acquire for 'trap' \(10\.1\.2\.1 -> 10\.2\.2\.1\): starting Quick Mode/);
    const later = await ping(p().a.ns, '10.1.2.1', '10.2.2.1', { count: 3 });
    assert.equal(later.received, 3, later.output);
    assert.ok(await onePair(A(), B(), 'trap'), logs());
  });

  it('tunnel mode: ping and 1 MiB TCP both ways, only ESP-in-UDP on the wire, counters on both sides, updown', async () => {
    const up = await A().ikets(['up', 'net', '--timeout', '15']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${logs()}`);
    const capture = await startCapture({
      iface: p().a.iface,
      netns: p().a.ns,
      path: join(dir, 'tunnel.pcapng'),
      filter: 'not arp',
    });
    const there = await ping(p().a.ns, '10.1.0.1', '10.2.0.1');
    const back = await ping(p().b.ns, '10.2.0.1', '10.1.0.1');
    assert.equal(there.received, 3, there.output);
    assert.equal(back.received, 3, back.output);
    await tcpTransfer([p().b.ns, '10.2.0.1'], [p().a.ns, '10.1.0.1'], 1 << 20);
    await tcpTransfer([p().a.ns, '10.1.0.1'], [p().b.ns, '10.2.0.1'], 1 << 20);
    const file = await capture.stop();
    const count = async (filter: string) => {
      const r = await run('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
      return r.stdout.split('\n').filter((l) => l !== '').length;
    };
    assert.equal(await count('tcp or icmp or (udp and not udp.port == 4500 and not udp.port == 500)'), 0);
    assert.ok((await count('udp.port == 4500 && esp')) > 1000, 'the transfers went as ESP in UDP');
    for (const d of [A(), B()]) {
      const listing = await listSas(d);
      const t = listing.traffic(only(listing, 'net'));
      assert.ok(t !== undefined && t.bytesIn > 1 << 20 && t.bytesOut > 1 << 20, JSON.stringify(t));
      assert.ok(t.packetsIn >= 3 && t.packetsOut >= 3 && t.droppedIn === 0, JSON.stringify(t));
    }
    assert.ok(await onePair(A(), B(), 'net'));
    // updown ran on both sides with charon's environment.
    for (const [side, me, peer, mine, theirs] of [
      ['a', p().a.ipv4, p().b.ipv4, '10.1.0.0/24', '10.2.0.0/24'],
      ['b', p().b.ipv4, p().a.ipv4, '10.2.0.0/24', '10.1.0.0/24'],
    ] as const) {
      const file = join(dir, `${side}-up-client`);
      assert.ok(await waitUntil(() => existsSync(file), 5000), `updown up-client on ${side}\n${logs()}`);
      const env = readFileSync(file, 'utf8');
      for (const line of [
        'PLUTO_VERB=up-client',
        'PLUTO_CONNECTION=net',
        `PLUTO_ME=${me}`,
        `PLUTO_PEER=${peer}`,
        `PLUTO_MY_CLIENT=${mine}`,
        `PLUTO_PEER_CLIENT=${theirs}`,
        `PLUTO_MY_ID=${side}.ikets.test`,
        'PLUTO_PROTO=esp',
      ])
        assert.ok(env.split('\n').includes(line), `${side}: ${line} in\n${env}`);
      assert.match(env, /^PLUTO_REQID=[1-9]\d*$/m);
    }
    const down = await A().ikets(['down', 'net']);
    assert.equal(down.code, 0, down.stdout);
    for (const side of ['a', 'b'])
      assert.ok(
        await waitUntil(() => existsSync(join(dir, `${side}-down-client`)), 5000),
        `updown down-client on ${side}\n${logs()}`,
      );
  });

  it('transport mode host to host between the IKE addresses: the TUN route does not catch the daemons’ own marked UDP', async () => {
    const up = await A().ikets(['up', 'host', '--timeout', '15']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${logs()}`);
    const [a, b] = [p().a, p().b];
    const route = await run('ip', ['-n', a.ns, 'route', 'show', 'table', '220']);
    assert.match(route.stdout, new RegExp(`^${b.ipv4.replaceAll('.', '\\.')} dev ipsec\\d`, 'm'));
    // Only packets without the daemon's mark consult that table: its own UDP goes out on the veth.
    const rules = await run('ip', ['-n', a.ns, 'rule', 'show']);
    assert.match(rules.stdout, /^220:\s+not from all fwmark 0x42 lookup 220/m, rules.stdout);
    const capture = await startCapture({
      iface: a.iface,
      netns: a.ns,
      path: join(dir, 'transport.pcapng'),
      filter: 'not arp',
    });
    const there = await ping(a.ns, undefined, b.ipv4);
    const back = await ping(b.ns, undefined, a.ipv4);
    assert.equal(there.received, 3, `${there.output}\n${logs()}`);
    assert.equal(back.received, 3, back.output);
    await tcpTransfer([b.ns, b.ipv4], [a.ns, a.ipv4], 256 * 1024);
    await tcpTransfer([a.ns, a.ipv4], [b.ns, b.ipv4], 256 * 1024);
    // IKE still works over the marked sockets while the route covers the peer: a new Quick Mode.
    const again = await A().ikets(['up', 'pk', '--timeout', '15']);
    assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
    const file = await capture.stop();
    const r = await run('tshark', ['-r', file, '-Y', 'tcp or icmp', '-T', 'fields', '-e', 'frame.number']);
    assert.equal(r.stdout.trim(), '', 'no TCP or ICMP in the clear');
    for (const d of [A(), B()]) {
      const listing = await listSas(d);
      const child = only(listing, 'host');
      assert.equal(child.mode, 'transport');
      const t = listing.traffic(child);
      assert.ok(t !== undefined && t.bytesIn > 256 * 1024 && t.bytesOut > 256 * 1024, JSON.stringify(t));
    }
    await A().ikets(['down', 'host']);
  });

  it('rekey_time = 5s during a ping flood: few packets lost, the new SAs carry the traffic, the old ones go on both sides', async () => {
    const up = await A().ikets(['up', 'rk', '--timeout', '15']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${logs()}`);
    const before = only(await listSas(A()), 'rk');
    // 8 s of 100 echo requests a second: the rekeying at 5 s falls inside.
    const flood = await ping(p().a.ns, '10.1.1.1', '10.2.1.1', { count: 800, interval: 0.01, wait: 1 });
    assert.ok(flood.transmitted >= 790, flood.output);
    assert.ok(flood.transmitted - flood.received <= 3, `lost too many:\n${flood.output}\n${logs()}`);
    assert.ok(await waitUntil(() => onePair(A(), B(), 'rk'), 5000), `one pair of rk SAs\n${logs()}`);
    const now = only(await listSas(A()), 'rk');
    assert.notEqual(now.spiIn, before.spiIn, 'rekeyed');
    // The newest pair carries the next pings on both sides. The child keeps rekeying every 5 s, so a
    // rekeying between the pings and the listing makes the round start again (at most 3 rounds).
    const carried = async (): Promise<boolean> => {
      const spi = only(await listSas(A()), 'rk').spiIn;
      const after = await ping(p().a.ns, '10.1.1.1', '10.2.1.1', { count: 2, interval: 0.1 });
      assert.equal(after.received, 2, after.output);
      const [la, lb] = [await listSas(A()), await listSas(B())];
      const [ca, cb] = [la.named('rk'), lb.named('rk')].map((c) => (c.length === 1 ? c[0] : undefined));
      if (ca === undefined || cb === undefined || ca.spiIn !== spi || cb.spiOut !== spi) return false;
      const [ta, tb] = [la.traffic(ca), lb.traffic(cb)];
      assert.ok(ta !== undefined && ta.packetsIn >= 2 && ta.packetsOut >= 2, JSON.stringify(ta));
      assert.ok(tb !== undefined && tb.packetsIn >= 2 && tb.packetsOut >= 2, JSON.stringify(tb));
      return true;
    };
    assert.ok(
      (await carried()) || (await carried()) || (await carried()),
      `rekeying all the time\n${logs()}`,
    );
    await A().ikets(['down', 'rk']);
  });

  it('rekey_packets = 50: the packet counter starts the rekeying, traffic goes on over the new SAs', async () => {
    // pk is up since the transport mode test.
    const before = only(await listSas(A()), 'pk');
    const flood = await ping(p().a.ns, '10.1.3.1', '10.2.3.1', { count: 120, interval: 0.02, wait: 1 });
    assert.ok(flood.transmitted - flood.received <= 3, `${flood.output}\n${logs()}`);
    assert.ok(await waitUntil(() => onePair(A(), B(), 'pk'), 5000), logs());
    const now = only(await listSas(A()), 'pk');
    assert.notEqual(now.spiIn, before.spiIn, `rekeyed by the counters\n${logs()}`);
    const t = (await listSas(A())).traffic(now);
    assert.ok(t !== undefined && t.packetsOut >= 1, JSON.stringify(t));
  });

  it('life_packets = 30: the hard packet limit deletes the child on both sides', async () => {
    const up = await A().ikets(['up', 'hl', '--timeout', '15']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${logs()}`);
    const flood = await ping(p().a.ns, '10.1.4.1', '10.2.4.1', { count: 50, interval: 0.02, wait: 1 });
    assert.ok(flood.received >= 10 && flood.received <= 30, flood.output);
    const gone = async () =>
      (await listSas(A())).named('hl').length === 0 && (await listSas(B())).named('hl').length === 0;
    assert.ok(await waitUntil(gone, 5000), `hl deleted on both sides\n${logs()}`);
    await sleep(100);
    const pols = await A().ikets(['list-pols']);
    assert.doesNotMatch(pols.stdout, /10\.1\.4\.0\/24/, 'its policies went too');
  });

  it('rekey_bytes = 300k: a 1 MiB TCP transfer goes on across the rekeyings the byte counters start', async () => {
    const up = await A().ikets(['up', 'by', '--timeout', '15']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${logs()}`);
    const first = only(await listSas(A()), 'by');
    await tcpTransfer([p().b.ns, '10.2.5.1'], [p().a.ns, '10.1.5.1'], 1 << 20);
    assert.ok(await waitUntil(() => onePair(A(), B(), 'by'), 5000), logs());
    const now = only(await listSas(A()), 'by');
    assert.notEqual(now.spiIn, first.spiIn, `rekeyed by the byte counters\n${logs()}`);
    const rekeyings =
      A()
        .log()
        .match(/initiating Quick Mode for child 'by'/g)?.length ?? 0;
    // 1 MiB out (and the ACKs in) over SAs rekeyed at 300 KB: the first Quick Mode and two or three
    // rekeyings (each SA carries its 300 KB and what flows while its successor is negotiated), not
    // one per packet over the limit.
    assert.ok(rekeyings >= 3 && rekeyings <= 5, `${rekeyings} Quick Modes for 'by'\n${logs()}`);
  });
});
