// Bad ESP-in-UDP against a running `ikets start --dataplane userspace` (issue 7: "ESP with a wrong
// ICV, a replayed sequence number, an unknown SPI, a truncated packet: dropped, counted per SA,
// logged at a bounded rate, never a crash"). Two ikets daemons in two namespaces with a tunnel
// between their subnets; from inside B's namespace a script (bad-esp-sender.ts) sends A's port 4500
// a real ESP packet B sent (captured on the veth) again, altered, cut short, and 10,000 datagrams
// of noise. A stays up, counts the drops on the SA they were meant for, logs a few lines (at debug
// level) and the tunnel still carries traffic.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, it, suite } from '../support/suite.js';
import {
  createNetnsPair,
  ensureTools,
  gatewaySide,
  type IketsDaemon,
  listSas,
  type NetnsPair,
  ping,
  run,
  startCapture,
  startIketsDaemon,
  tcpTransfer,
  waitUntil,
} from './harness/index.js';

const tools = ensureTools(['ip', 'tshark']);
const skip = !tools.ok ? tools.reason : existsSync('/dev/net/tun') ? false : 'no /dev/net/tun (TUN)';
const SENDER = fileURLToPath(new URL('./bad-esp-sender.js', import.meta.url));
const PSK = 'ikets-bad-traffic-psk-0123456789';

function config(self: 'a' | 'b', local: string, remote: string): string {
  const [mine, theirs] = self === 'a' ? ['10.1', '10.2'] : ['10.2', '10.1'];
  return gatewaySide({
    self,
    localAddr: local,
    remoteAddr: remote,
    psk: PSK,
    children: {
      net: { local_ts: `${mine}.0.0/24`, remote_ts: `${theirs}.0.0/24`, esp_proposals: 'aes128-sha256' },
    },
  });
}

suite('userspace data plane: bad ESP-in-UDP against a running daemon', {
  skip,
}, () => {
  let pair: NetnsPair | undefined;
  let da: IketsDaemon | undefined;
  let db: IketsDaemon | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ikets-bad-'));
  const p = () => pair ?? assert.fail('no namespaces');
  const A = () => da ?? assert.fail('no daemon A');
  const B = () => db ?? assert.fail('no daemon B');
  const logs = () => `--- A ---\n${da?.log()}\n--- B ---\n${db?.log()}`;
  /** One ESP-in-UDP packet B sent A (hex, from its SPI on). */
  let real = '';

  /** UDP datagrams A's kernel dropped because the daemon's socket buffer was full (/proc/net/snmp). */
  const rcvbufErrors = async (): Promise<number> => {
    const r = await run('ip', ['netns', 'exec', p().a.ns, 'cat', '/proc/net/snmp']);
    const [names, values] = r.stdout.split('\n').filter((l) => l.startsWith('Udp: '));
    const column = names?.split(' ').indexOf('RcvbufErrors') ?? -1;
    return Number(values?.split(' ')[column] ?? Number.NaN);
  };
  /**
   * Runs the sender in B's namespace; resolves with how many datagrams reached the daemon's socket:
   * those sent less those A's kernel dropped on a full receive buffer (a loaded machine), so the
   * daemon's counters can be compared exactly.
   */
  const send = async (kind: string, count: number): Promise<number> => {
    const full = await rcvbufErrors();
    const args = ['netns', 'exec', p().b.ns, process.execPath, SENDER, p().a.ipv4, '4500', kind];
    const r = await run('ip', [...args, String(count), real], { allowFailure: true, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${kind}: ${r.stdout}${r.stderr}`);
    const sent = (JSON.parse(r.stdout) as { sent: number }).sent;
    assert.equal(sent, count);
    await sleep(100);
    return sent - ((await rcvbufErrors()) - full);
  };
  const netOfA = async () => {
    const listing = await listSas(A());
    const [child] = listing.named('net');
    assert.ok(child !== undefined, JSON.stringify(listing.children));
    const traffic = listing.traffic(child) ?? assert.fail('no traffic counters');
    return { child, traffic };
  };

  before(async () => {
    pair = await createNetnsPair();
    await run('ip', ['-n', pair.a.ns, 'addr', 'add', '10.1.0.1/32', 'dev', 'lo']);
    await run('ip', ['-n', pair.b.ns, 'addr', 'add', '10.2.0.1/32', 'dev', 'lo']);
    const debug = ['--dataplane', 'userspace', '--log-level', 'debug'];
    da = await startIketsDaemon({
      ns: pair.a.ns,
      dir,
      name: 'a',
      swanctl: config('a', pair.a.ipv4, pair.b.ipv4),
      args: debug,
    });
    db = await startIketsDaemon({
      ns: pair.b.ns,
      dir,
      name: 'b',
      swanctl: config('b', pair.b.ipv4, pair.a.ipv4),
    });
    const up = await A().ikets(['up', 'net', '--timeout', '15']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${logs()}`);
    // A real ESP packet from B to A: an echo reply through the tunnel, captured on B's veth.
    const capture = await startCapture({
      iface: pair.b.iface,
      netns: pair.b.ns,
      path: join(dir, 'real.pcapng'),
      filter: `udp and src host ${pair.b.ipv4} and dst port 4500`,
    });
    const first = await ping(pair.a.ns, '10.1.0.1', '10.2.0.1', { count: 2 });
    assert.equal(first.received, 2, `${first.output}\n${logs()}`);
    const file = await capture.stop();
    const r = await run('tshark', ['-r', file, '-Y', 'esp', '-T', 'fields', '-e', 'udp.payload']);
    real = r.stdout.split('\n')[0]?.replaceAll(':', '').trim() ?? '';
    const { child } = await netOfA();
    assert.equal(real.slice(0, 8), child.spiIn, `captured ESP for A's inbound SA: ${r.stdout}`);
  });

  after(async () => {
    await da?.stop();
    await db?.stop();
    await pair?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replayed, ICV-forged, truncated and unknown-SPI ESP and 10,000 datagrams of noise: dropped, counted on the SA, a bounded log, the tunnel still works', async () => {
    const before = (await netOfA()).traffic;
    const unknownBefore = (await listSas(A())).dataplaneDrops.unknownSpi ?? 0;
    const logBefore = A().log().split('\n').length;
    const replays = await send('replay', 200);
    const forged = await send('icv', 200);
    const truncated = await send('truncated', 200);
    const strangers = await send('spi', 500);
    const noise = await send('random', 10_000);
    await send('short', 300);
    await send('ike', 300);
    assert.ok(A().running(), `daemon A is up\n${A().log()}`);
    const expected = before.droppedIn + replays + forged + truncated;
    // The counters: every packet meant for the SA (its SPI) was dropped on it; none was delivered.
    assert.ok(
      await waitUntil(async () => (await netOfA()).traffic.droppedIn >= expected, 5000),
      `${JSON.stringify((await netOfA()).traffic)} expected ${expected} dropped`,
    );
    const after = (await netOfA()).traffic;
    assert.equal(after.droppedIn, expected, JSON.stringify(after));
    assert.equal(after.packetsIn, before.packetsIn, 'nothing bad was delivered');
    // Each counted under its reason (RFC 4303 section 3.4): the replay window before the ICV.
    const was = before.dropsIn ?? {};
    assert.deepEqual(after.dropsIn, {
      ...was,
      replayed: (was.replayed ?? 0) + replays,
      'bad-icv': (was['bad-icv'] ?? 0) + forged,
      truncated: (was.truncated ?? 0) + truncated,
    });
    // ESP for no SA (the random SPIs, and the noise, whose first 4 bytes are an SPI): counted apart.
    const unknown = (await listSas(A())).dataplaneDrops.unknownSpi ?? 0;
    assert.equal(unknown - unknownBefore, strangers + noise, 'unknown SPI drops');
    const text = await A().ikets(['list-sas']);
    const spi = (await netOfA()).child.spiIn;
    const line = text.stdout.split('\n').find((l) => l.includes(`in  ${spi},`)) ?? '';
    assert.match(line, new RegExp(`, ${expected} dropped \\(.*\\)$`), text.stdout);
    for (const part of [`${replays} replayed`, `${forged} bad-icv`, `${truncated} truncated`])
      assert.ok(line.includes(part), `${part} in ${line}`);
    assert.match(text.stdout, /dropped without an SA: \d+ unknownSpi/);
    // The log: a few lines for 11,700 bad datagrams, even at debug level.
    const added = A()
      .log()
      .split('\n')
      .slice(logBefore - 1);
    assert.ok(added.length < 20, `${added.length} log lines:\n${added.join('\n')}`);
    // And the tunnel still carries traffic, both ways.
    const there = await ping(p().a.ns, '10.1.0.1', '10.2.0.1');
    const back = await ping(p().b.ns, '10.2.0.1', '10.1.0.1');
    assert.equal(there.received, 3, there.output);
    assert.equal(back.received, 3, back.output);
    await tcpTransfer([p().b.ns, '10.2.0.1'], [p().a.ns, '10.1.0.1'], 256 * 1024);
    assert.ok(A().running() && B().running());
  });
});
