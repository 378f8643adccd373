// Traffic through ikets' userspace data plane against strongSwan's charon with kernel-libipsec (this
// kernel has no ESP, so both sides carry ESP in UDP over a TUN device). ikets runs as `ikets start
// --dataplane userspace` in one namespace, charon in the other, each with a subnet behind it; the
// same swanctl.conf syntax configures both. For every ESP transform ikets offers (with and without
// PFS) a child comes up and ping crosses it both ways: the KEYMAT of each transform is proven by
// traffic against an independent implementation. Then a 1 MiB TCP transfer each way, a capture that
// shows only ESP on the wire, both sides' counters, and charon as the initiator.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it, suite } from '../support/suite.js';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  gatewaySide,
  type IketsDaemon,
  type NetnsPair,
  ping,
  run,
  startCapture,
  startCharon,
  startIketsDaemon,
  tcpTransfer,
  waitUntil,
} from './harness/index.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare', 'tshark']);
const PSK = 'userspace-dataplane-psk-0123456789';

/** ESP proposals, each a child with its own host behind charon (10.2.0.N). */
const TRANSFORMS = [
  'aes128-sha256',
  'aes128-sha256-modp2048',
  'aes256-sha1',
  'aes192-sha384',
  'aes256-sha512',
  '3des-sha1',
  'aes128-md5',
  'aes128-aesxcbc',
  'aes128ctr-sha256',
  'aes128gcm16',
  'aes256gcm16-modp2048',
  'aes192gcm12',
  'aes128gcm8',
  'null-sha256',
] as const;

function config(self: 'a' | 'b', local: string, remote: string): string {
  const mine = self === 'a' ? '10.1' : '10.2';
  const children = Object.fromEntries(
    TRANSFORMS.map((esp, i) => {
      const host = `10.2.0.${i + 1}/32`;
      const [localTs, remoteTs] = self === 'a' ? [`${mine}.0.0/16`, host] : [host, '10.1.0.0/16'];
      return [`c${i + 1}`, { local_ts: localTs, remote_ts: remoteTs, esp_proposals: esp }];
    }),
  );
  return gatewaySide({ self, localAddr: local, remoteAddr: remote, psk: PSK, children });
}

/** Pings `to` from namespace `ns` (from `from`, or the route's preferred source): at least one reply. */
async function pingOk(ns: string, from: string | undefined, to: string): Promise<void> {
  const r = await ping(ns, from, to, { count: 2, wait: 3 });
  assert.ok(r.received > 0, `ping ${from ?? '(route source)'} -> ${to} in ${ns}: ${JSON.stringify(r)}`);
}

suite('userspace data plane: traffic through ikets <-> charon (kernel-libipsec)', {
  skip: tools.ok ? false : tools.reason,
}, () => {
  let pair: NetnsPair | undefined;
  let charon: Charon | undefined;
  let daemon: IketsDaemon | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ikets-dp-'));
  const ikets = (args: string[]) => daemon?.ikets(args) ?? assert.fail('ikets is not running');
  const a = () => pair?.a ?? assert.fail('no namespaces');
  const b = () => pair?.b ?? assert.fail('no namespaces');

  before(async () => {
    pair = await createNetnsPair();
    await run('ip', ['-n', pair.a.ns, 'addr', 'add', '10.1.0.1/32', 'dev', 'lo']);
    for (let i = 1; i <= TRANSFORMS.length; i++)
      await run('ip', ['-n', pair.b.ns, 'addr', 'add', `10.2.0.${i}/32`, 'dev', 'lo']);
    charon = await startCharon({
      name: 'dp-b',
      netns: pair.b.ns,
      kernel: 'libipsec',
      charon: { install_routes: true },
      swanctl: config('b', pair.b.ipv4, pair.a.ipv4),
    });
    daemon = await startIketsDaemon({
      ns: pair.a.ns,
      dir,
      name: 'a',
      swanctl: config('a', pair.a.ipv4, pair.b.ipv4),
    });
  });

  after(async () => {
    await daemon?.stop();
    await charon?.stop();
    await pair?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [i, esp] of TRANSFORMS.entries()) {
    it(`ESP ${esp}: ikets initiates, ping crosses the tunnel both ways`, async () => {
      const child = `c${i + 1}`;
      const up = await ikets(['up', child, '--timeout', '15']);
      assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${daemon?.log()}`);
      const host = `10.2.0.${i + 1}`;
      await pingOk(a().ns, '10.1.0.1', host);
      await pingOk(b().ns, host, '10.1.0.1');
      const sas = await charon?.listSas();
      const theirs = sas?.ikeSas.flatMap((s) => s.childSas).find((c) => c.name === child);
      assert.ok(theirs !== undefined, `charon lists ${child}`);
      // At least one echo request and reply each way crossed charon's SAs (ping succeeds on one reply).
      assert.ok(theirs.packetsIn >= 2 && theirs.packetsOut >= 2, JSON.stringify(theirs.raw));
    });
  }

  it('a 1 MiB TCP transfer each way, with only ESP-in-UDP on the wire, and both sides count it', async () => {
    const capture = await startCapture({
      iface: b().iface,
      netns: b().ns,
      path: join(dir, 'wire.pcapng'),
      filter: 'not arp',
    });
    await tcpTransfer([b().ns, '10.2.0.1'], [a().ns, '10.1.0.1'], 1 << 20);
    await tcpTransfer([a().ns, '10.1.0.1'], [b().ns, '10.2.0.1'], 1 << 20);
    const file = await capture.stop();
    const count = async (filter: string) => {
      const r = await run('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
      return r.stdout.split('\n').filter((l) => l !== '').length;
    };
    assert.equal(await count('tcp or icmp'), 0, 'no TCP or ICMP in the clear');
    assert.ok((await count('udp.port == 4500 && esp')) > 1000, 'the transfer went as ESP in UDP');
    const listing = await ikets(['list-sas', '--json']);
    const parsed = JSON.parse(listing.stdout) as {
      childSas: { id: number; child: string }[];
      traffic: Record<string, { bytesIn: number; bytesOut: number; packetsIn: number }>;
    };
    const c1 = parsed.childSas.find((c) => c.child === 'c1') ?? assert.fail('no c1');
    const traffic = parsed.traffic[String(c1.id)] ?? assert.fail('no traffic for c1');
    assert.ok(traffic.bytesIn > 1 << 20 && traffic.bytesOut > 1 << 20, JSON.stringify(traffic));
    const sas = await charon?.listSas();
    const theirs = sas?.ikeSas.flatMap((s) => s.childSas).find((c) => c.name === 'c1');
    assert.ok((theirs?.bytesIn ?? 0) > 1 << 20 && (theirs?.bytesOut ?? 0) > 1 << 20);
    const text = await ikets(['list-sas']);
    assert.match(text.stdout, /in {2}[0-9a-f]{8}, \d+ bytes, \d+ packets/);
    const pols = await ikets(['list-pols']);
    assert.match(pols.stdout, /out 10\.1\.0\.0\/16 === 10\.2\.0\.1\/32 PROTECT ESP tunnel/);
  });

  it('charon initiates: ikets answers as responder and the new child carries traffic', async () => {
    await ikets(['down', 'c1']);
    await waitUntil(async () => {
      const sas = await charon?.listSas();
      return !sas?.ikeSas.some((s) => s.childSas.some((c) => c.name === 'c1'));
    }, 5000);
    await charon?.initiate('c1');
    await pingOk(b().ns, '10.2.0.1', '10.1.0.1');
    // No -I: the route ikets installed into its TUN device names 10.1.0.1 as the preferred source.
    await pingOk(a().ns, undefined, '10.2.0.1');
  });
});
