import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import {
  formatLogLine,
  interfaceAddresses,
  Logger,
  localAddresses,
  UdpSockets,
} from '../../src/daemon/index.js';
import { fakeConfig } from './fake-endpoint.js';
import { type Harness, Peer, sleep, startFakeDaemon } from './helpers.js';

describe('daemon shell over UDP on 127.0.0.1', () => {
  const open: Harness[] = [];
  const peers: Peer[] = [];
  after(async () => {
    for (const h of open) await h.daemon.stop();
    for (const p of peers) await p.close();
  });

  it('binds the IKE and NAT-T ports and starts the connections with start_action = start', async () => {
    const h = await startFakeDaemon();
    open.push(h);
    assert.notEqual(h.ike.port, 0);
    assert.notEqual(h.natt.port, h.ike.port);
    assert.equal(h.fake.nattPort, h.natt.port, 'the engine learns the NAT-T port actually bound');
    assert.deepEqual(h.fake.initiated, [{ connection: 'gw', child: undefined }]);
    assert.equal(h.daemon.sad.size.ike, 1);
    assert.deepEqual(
      h.daemon.sad.childSas().map((c) => c.child),
      ['web'],
    );
    assert.ok(h.lines.some((l) => l.includes(`listening on 127.0.0.1:${h.ike.port} (IKE)`)));
    assert.ok(h.lines.some((l) => / info \[gw #1\] initiating Main Mode\n$/.test(l)));
  });

  it('hands each datagram to the engine with the local address and port it arrived on, and answers from that socket', async () => {
    const h = await startFakeDaemon();
    open.push(h);
    const peer = await Peer.open();
    peers.push(peer);
    const before = Date.now();
    peer.send(h.ike, 'one');
    await peer.waitFor(1);
    peer.send(h.natt, 'two');
    await peer.waitFor(2);
    const [first, second] = h.fake.received;
    assert.deepEqual(first?.datagram.local, h.ike);
    assert.deepEqual(first?.datagram.remote, peer.address);
    assert.equal(Buffer.from(first?.datagram.data ?? []).toString(), 'one');
    assert.ok((first?.now ?? 0) >= before && (first?.now ?? 0) <= Date.now(), 'Date.now() time');
    assert.deepEqual(second?.datagram.local, h.natt);
    assert.deepEqual(
      peer.received.map((r) => [r.data, r.from.port]),
      [
        ['echo:one', h.ike.port],
        ['echo:two', h.natt.port],
      ],
    );
    assert.equal(h.daemon.datagramsReceived, 2);
  });

  it('tells the engine which of several local addresses a datagram came to, and answers from it', async () => {
    const h = await startFakeDaemon({ addresses: ['127.0.0.1', '127.0.0.2'] });
    open.push(h);
    const second = h.daemon.bound.find((b) => b.local.address === '127.0.0.2' && b.kind === 'ike');
    assert.ok(second, 'bound on 127.0.0.2 too');
    assert.equal(second.local.port, h.ike.port, 'the same ephemeral port on every address');
    const peer = await Peer.open();
    peers.push(peer);
    peer.send(second.local, 'to-two');
    await peer.waitFor(1);
    assert.deepEqual(h.fake.received[0]?.datagram.local, { address: '127.0.0.2', port: h.ike.port });
    assert.equal(peer.received[0]?.from.address, '127.0.0.2');
    assert.equal(peer.received[0]?.data, 'echo:to-two');
  });

  it('arms one timer for the earliest pollTimeout and calls handleTimeout when it comes', async () => {
    const h = await startFakeDaemon();
    open.push(h);
    assert.equal(h.daemon.timerAt, undefined);
    const at = Date.now() + 400;
    h.fake.timeout = at;
    h.daemon.drive();
    assert.equal(h.daemon.timerAt, at);
    // An earlier deadline re-arms the one timer.
    const sooner = Date.now() + 80;
    h.fake.timeout = sooner;
    h.daemon.drive();
    assert.equal(h.daemon.timerAt, sooner);
    await sleep(200);
    assert.equal(h.fake.timeouts.length, 1);
    assert.ok((h.fake.timeouts[0] ?? 0) >= sooner);
    assert.equal(h.daemon.timerAt, undefined, 'nothing left to wait for');
    await sleep(300);
    assert.equal(h.fake.timeouts.length, 1, 'the replaced timer never fires');
  });

  it('sends the Deletes before closing the sockets on shutdown', async () => {
    const h = await startFakeDaemon();
    const peer = await Peer.open();
    peers.push(peer);
    h.fake.peer = { local: h.ike, remote: peer.address };
    await h.daemon.stop();
    await peer.waitFor(1);
    assert.equal(peer.received[0]?.data, 'DELETE');
    assert.equal(peer.received[0]?.from.port, h.ike.port);
    assert.equal(h.fake.terminatedAll, 1);
    await h.daemon.stop();
    assert.equal(h.fake.terminatedAll, 1, 'stop is idempotent');
    // The ports are free again.
    const again = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(h.ike.port, '127.0.0.1', resolve);
    });
    again.close();
  });

  it('warns about a transmission for which no socket is bound, and keeps running', async () => {
    const h = await startFakeDaemon();
    open.push(h);
    h.fake.queue({
      local: { address: '127.0.0.1', port: 1 },
      remote: { address: '127.0.0.1', port: 9 },
      data: Buffer.from('x'),
    });
    h.daemon.drive();
    assert.ok(
      h.lines.some((l) =>
        / warn no socket bound to 127\.0\.0\.1:1; datagram to 127\.0\.0\.1:9 dropped/.test(l),
      ),
    );
  });
});

describe('daemon pieces', () => {
  it('formats log lines as text and JSON, honouring the level', () => {
    const time = Date.parse('2026-11-27T10:00:00.000Z');
    assert.equal(
      formatLogLine({
        time,
        level: 'info',
        message: 'IKE SA established',
        connection: 'conn-name',
        ikeSa: 3,
      }),
      '2026-11-27T10:00:00.000Z info [conn-name #3] IKE SA established',
    );
    assert.equal(formatLogLine({ time, level: 'warn', message: 'x' }), '2026-11-27T10:00:00.000Z warn x');
    const out: string[] = [];
    const json = new Logger('info', true, (l) => out.push(l));
    json.log({ time, level: 'debug', message: 'hidden' });
    json.log({ time, level: 'error', message: 'shown', connection: 'c', ikeSa: 1 });
    assert.deepEqual(out, [
      '{"time":"2026-11-27T10:00:00.000Z","level":"error","connection":"c","ikeSa":1,"message":"shown"}\n',
    ]);
  });

  it('chooses the local addresses: --address, local_addrs, or every interface for %any', () => {
    const table = {
      lo: [
        { address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '', cidr: null },
        { address: '::1', family: 'IPv6', internal: true, netmask: '', mac: '', cidr: null, scopeid: 0 },
      ],
      eth0: [
        {
          address: '192.0.2.7',
          family: 'IPv4',
          internal: false,
          netmask: '255.255.255.0',
          mac: '',
          cidr: null,
        },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
      ],
    } as unknown as Parameters<typeof interfaceAddresses>[0];
    assert.deepEqual(interfaceAddresses(table), ['127.0.0.1', '::1', '192.0.2.7']);
    const config = fakeConfig();
    assert.deepEqual(localAddresses(config, ['10.0.0.1'], table), ['10.0.0.1']);
    assert.deepEqual(
      localAddresses(config, [], table),
      ['127.0.0.1', '::1', '192.0.2.7'],
      "'other' has %any",
    );
    const only = { ...config, connections: config.connections.slice(0, 1) };
    assert.deepEqual(localAddresses(only, [], table), ['127.0.0.1']);
  });

  it('reports addresses it cannot bind and fails when none is bound', async () => {
    const { sockets, failures } = await UdpSockets.bind(['127.0.0.1', '192.0.2.254'], 0, 0, () => {});
    assert.equal(sockets.bound.length, 2);
    assert.deepEqual(
      failures.map((f) => [f.address, f.reason]),
      [
        ['192.0.2.254', 'EADDRNOTAVAIL'],
        ['192.0.2.254', 'EADDRNOTAVAIL'],
      ],
    );
    await sockets.close();
    await assert.rejects(
      UdpSockets.bind(['192.0.2.254'], 0, 0, () => {}),
      { code: 'ERR_DAEMON_BIND' },
    );
  });

  it('refuses to run half-bound: the IKE port taken while the NAT-T port is free', async () => {
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', resolve));
    const taken = squatter.address().port;
    try {
      await assert.rejects(
        UdpSockets.bind(['127.0.0.1'], taken, 0, () => {}),
        {
          code: 'ERR_DAEMON_BIND',
          message: new RegExp(`127\\.0\\.0\\.1:${taken} \\(EADDRINUSE\\).*half-bound`),
        },
      );
      // and the NAT-T port it had bound was given back: binding it all again works
      const { sockets } = await UdpSockets.bind(['127.0.0.1'], 0, 0, () => {});
      await sockets.close();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
