/**
 * TunDevice and LinuxRouting on a real kernel, inside network namespaces created here: packets the
 * host routes into the device are read byte for byte, packets written into it reach sockets, routes
 * and rules appear and go away, and the fwmark keeps the daemon's own packets out of the device
 * (RFC 4301 section 5.1). Root only; skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { createNetnsPair, type NetnsPair } from '../interop/harness/netns.js';
import { run } from '../interop/harness/proc.js';
import { it, suite } from '../support/suite.js';
import { AgentError, HostAgent, hostTestsSkipReason, packets } from './host-agent-client.js';
import { addressBytes, internetChecksum, ipv4Udp, ipv6Udp, udpChecksumResidue } from './packets.js';

const skip = hostTestsSkipReason();

/** A namespace pair and one agent in each end, stopped and deleted after the test whatever happens. */
async function withPair(body: (pair: NetnsPair, a: HostAgent, b: HostAgent) => Promise<void>): Promise<void> {
  const pair = await createNetnsPair();
  const a = new HostAgent(pair.a.ns);
  const b = new HostAgent(pair.b.ns);
  try {
    await body(pair, a, b);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await pair.destroy();
  }
}

const ipIn = async (ns: string, ...args: string[]): Promise<string> =>
  (await run('ip', ['-n', ns, ...args])).stdout;

const hasPayload = (payload: Buffer) => (packet: Buffer) => packet.subarray(-payload.length).equals(payload);

suite('TUN device and host routing (Linux, root)', { skip: skip ?? false }, () => {
  it('a packet the host routes into the device is read whole: IPv4 UDP, IPv6 UDP, ping', async () => {
    await withPair(async (pair, a) => {
      const { name } = await a.request<{ name: string }>({ cmd: 'open-tun' });
      assert.match(name, /^ipsec\d+$/);
      await a.request({ cmd: 'open-routing' });
      // The route's src: the local address inside the local selector (strongSwan's choice).
      const { source } = await a.request<{ source: string | null }>({
        cmd: 'route-source',
        prefix: '10.231.0.0/24',
      });
      assert.equal(source, pair.a.ipv4);
      await a.request({ cmd: 'add-route', prefix: '10.250.0.0/24', source: pair.a.ipv4 });
      await a.request({ cmd: 'add-route', prefix: 'fd50::/64', source: pair.a.ipv6 });
      await a.request({ cmd: 'capture', on: true });

      const payload4 = Buffer.from('ikets: plaintext into the TUN device, IPv4');
      await a.request({ cmd: 'udp-open', name: 'u4', address: pair.a.ipv4, port: 40001 });
      await a.request({
        cmd: 'udp-send',
        name: 'u4',
        address: '10.250.0.9',
        port: 5000,
        hex: payload4.toString('hex'),
      });
      assert.ok(
        await a.waitFor((e) => e.event === 'packet' && e.hex.endsWith(payload4.toString('hex')), 3000),
      );
      const p4 = packets(a).find(hasPayload(payload4));
      assert.ok(p4);
      assert.equal(p4.length, 20 + 8 + payload4.length);
      assert.equal(p4[0], 0x45); // version 4, IHL 5
      assert.equal(p4.readUInt16BE(2), p4.length); // total length
      assert.equal(p4.readUInt16BE(6) & 0x3fff, 0); // no MF, offset 0
      assert.equal(p4[8], 64); // TTL
      assert.equal(p4[9], 17); // UDP
      assert.equal(internetChecksum(p4.subarray(0, 20)), 0); // header checksum
      assert.deepEqual(p4.subarray(12, 16), addressBytes(pair.a.ipv4));
      assert.deepEqual(p4.subarray(16, 20), addressBytes('10.250.0.9'));
      assert.equal(p4.readUInt16BE(20), 40001);
      assert.equal(p4.readUInt16BE(22), 5000);
      assert.equal(p4.readUInt16BE(24), 8 + payload4.length);
      assert.equal(udpChecksumResidue(p4), 0);
      assert.deepEqual(p4.subarray(28), payload4);

      const payload6 = Buffer.from('ikets: plaintext into the TUN device, IPv6');
      await a.request({ cmd: 'udp-open', name: 'u6', address: pair.a.ipv6, port: 40002 });
      await a.request({
        cmd: 'udp-send',
        name: 'u6',
        address: 'fd50::9',
        port: 5001,
        hex: payload6.toString('hex'),
      });
      assert.ok(
        await a.waitFor((e) => e.event === 'packet' && e.hex.endsWith(payload6.toString('hex')), 3000),
      );
      const p6 = packets(a).find(hasPayload(payload6));
      assert.ok(p6);
      assert.equal(p6.length, 40 + 8 + payload6.length);
      assert.equal(p6.readUInt8(0) >> 4, 6);
      assert.equal(p6.readUInt16BE(4), 8 + payload6.length); // payload length
      assert.equal(p6[6], 17); // next header UDP
      assert.equal(p6[7], 64); // hop limit
      assert.deepEqual(p6.subarray(8, 24), addressBytes(pair.a.ipv6));
      assert.deepEqual(p6.subarray(24, 40), addressBytes('fd50::9'));
      assert.equal(p6.readUInt16BE(40), 40002);
      assert.equal(p6.readUInt16BE(42), 5001);
      assert.equal(udpChecksumResidue(p6), 0);
      assert.deepEqual(p6.subarray(48), payload6);

      // ping from an unbound socket: the route's src is the packet's source.
      await run(
        'ip',
        ['netns', 'exec', pair.a.ns, 'ping', '-n', '-c', '1', '-w', '1', '-p', 'ab', '10.250.0.5'],
        {
          allowFailure: true,
        },
      );
      const echo = packets(a).find(
        (p) => p[0] === 0x45 && p[9] === 1 && p.subarray(16, 20).equals(addressBytes('10.250.0.5')),
      );
      assert.ok(echo, 'the ICMP echo request was read from the device');
      assert.deepEqual(echo.subarray(12, 16), addressBytes(pair.a.ipv4));
      assert.equal(echo[20], 8); // echo request
      assert.equal(echo[21], 0);
      assert.equal(internetChecksum(echo.subarray(20)), 0);
      assert.equal(echo.at(-1), 0xab); // ping -p pattern
    });
  });

  it('a packet written into the device reaches a UDP socket: IPv4 and IPv6', async () => {
    await withPair(async (pair, a) => {
      await a.request({ cmd: 'open-tun' });
      await a.request({ cmd: 'open-routing' });
      // The routes a child would have: replies and reverse-path checks go back into the device.
      await a.request({ cmd: 'add-route', prefix: '10.250.0.0/24', source: pair.a.ipv4 });
      await a.request({ cmd: 'add-route', prefix: 'fd50::/64', source: pair.a.ipv6 });
      await a.request({ cmd: 'udp-open', name: 'l4', address: pair.a.ipv4, port: 6000 });
      await a.request({ cmd: 'udp-open', name: 'l6', address: pair.a.ipv6, port: 6001 });
      const payload4 = Buffer.from('decrypted, IPv4');
      const payload6 = Buffer.from('decrypted, IPv6');
      const written4 = ipv4Udp({
        source: '10.250.0.9',
        destination: pair.a.ipv4,
        sourcePort: 7000,
        destinationPort: 6000,
        payload: payload4,
      });
      const written6 = ipv6Udp({
        source: 'fd50::9',
        destination: pair.a.ipv6,
        sourcePort: 7001,
        destinationPort: 6001,
        payload: payload6,
      });
      await a.request({ cmd: 'write', hex: written4.toString('hex') });
      const stats = await a.request<{ packetsWritten: number; bytesWritten: number; writeErrors: number }>({
        cmd: 'write',
        hex: written6.toString('hex'),
      });
      assert.deepEqual(
        [stats.packetsWritten, stats.bytesWritten, stats.writeErrors],
        [2, written4.length + written6.length, 0],
      );
      const d4 = await a.waitFor((e) => e.event === 'datagram' && e.socket === 'l4', 3000);
      const d6 = await a.waitFor((e) => e.event === 'datagram' && e.socket === 'l6', 3000);
      assert.deepEqual(d4, {
        event: 'datagram',
        socket: 'l4',
        from: '10.250.0.9',
        port: 7000,
        hex: payload4.toString('hex'),
      });
      assert.deepEqual(d6, {
        event: 'datagram',
        socket: 'l6',
        from: 'fd50::9',
        port: 7001,
        hex: payload6.toString('hex'),
      });

      // Not an IP packet: refused by the kernel, counted, no exception.
      const bad = await a.request<{ writeErrors: number }>({ cmd: 'write', hex: '00112233' });
      assert.equal(bad.writeErrors, 1);
    });
  });

  it('routes in table 220 and the not-fwmark rules appear, are reference-counted, and go with close()', async () => {
    await withPair(async (pair, a) => {
      const { name } = await a.request<{ name: string }>({ cmd: 'open-tun' });
      const opened = await a.request<{ families: number[]; mark: number; table: number }>({
        cmd: 'open-routing',
      });
      assert.deepEqual(opened, { families: [4, 6], mark: 0x42, table: 220 });
      const rule = '220:\tnot from all fwmark 0x42 lookup 220';
      assert.ok((await ipIn(pair.a.ns, '-4', 'rule')).includes(rule));
      assert.ok((await ipIn(pair.a.ns, '-6', 'rule')).includes(rule));

      // A range is routed as its smallest covering prefix; the same prefix twice is one route.
      await a.request({ cmd: 'add-route', prefix: '10.250.0.0/24', source: pair.a.ipv4 });
      const twice = await a.request({ cmd: 'add-route', prefix: '10.250.0.0/24', source: pair.a.ipv4 });
      assert.deepEqual(twice, { '10.250.0.0/24': 2 });
      await a.request({ cmd: 'add-route', prefix: 'fd50::/64', source: pair.a.ipv6 });
      await a.request({ cmd: 'add-route', prefix: '10.251.0.7/32' });
      assert.equal(
        await ipIn(pair.a.ns, '-4', 'route', 'show', 'table', '220'),
        `10.250.0.0/24 dev ${name} scope link src ${pair.a.ipv4} \n10.251.0.7 dev ${name} scope link \n`,
      );
      assert.match(
        await ipIn(pair.a.ns, '-6', 'route', 'show', 'table', '220'),
        new RegExp(`^fd50::/64 dev ${name} src ${pair.a.ipv6} `),
      );
      // Nothing in the main table: the routes steer only what the rule sends to table 220.
      assert.ok(!(await ipIn(pair.a.ns, 'route', 'show')).includes(name));

      assert.deepEqual(await a.request({ cmd: 'delete-route', prefix: '10.250.0.0/24' }), {
        '10.250.0.0/24': 1,
        'fd50::/64': 1,
        '10.251.0.7/32': 1,
      });
      assert.ok((await ipIn(pair.a.ns, '-4', 'route', 'show', 'table', '220')).includes('10.250.0.0/24'));
      await a.request({ cmd: 'delete-route', prefix: '10.250.0.0/24' });
      assert.ok(!(await ipIn(pair.a.ns, '-4', 'route', 'show', 'table', '220')).includes('10.250.0.0/24'));
      await assert.rejects(a.request({ cmd: 'delete-route', prefix: '10.250.0.0/24' }), {
        code: 'ERR_DATAPLANE_NOT_FOUND',
      });

      await a.request({ cmd: 'close' });
      assert.equal(await ipIn(pair.a.ns, '-4', 'route', 'show', 'table', '220'), '');
      assert.equal(await ipIn(pair.a.ns, '-6', 'route', 'show', 'table', '220'), '');
      assert.ok(!(await ipIn(pair.a.ns, '-4', 'rule')).includes('lookup 220'));
      assert.ok(!(await ipIn(pair.a.ns, '-6', 'rule')).includes('lookup 220'));
      const link = await run('ip', ['-n', pair.a.ns, 'link', 'show', name], { allowFailure: true });
      assert.notEqual(link.code, 0, `${name} is gone after close()`);
    });
  });

  it("the daemon's marked socket bypasses a route into the device that covers its peer; unmarked packets enter it", async () => {
    await withPair(async (pair, a, b) => {
      await a.request({ cmd: 'open-tun' });
      await a.request({ cmd: 'open-routing' });
      // A child whose remote selector is the IKE peer itself (host-to-host), as with kernel-libipsec.
      await a.request({ cmd: 'add-route', prefix: `${pair.b.ipv4}/32`, source: pair.a.ipv4 });
      await a.request({ cmd: 'add-route', prefix: `${pair.b.ipv6}/128`, source: pair.a.ipv6 });
      await a.request({ cmd: 'capture', on: true });
      for (const [family, local, peer] of [
        ['4', pair.a.ipv4, pair.b.ipv4],
        ['6', pair.a.ipv6, pair.b.ipv6],
      ] as const) {
        await b.request({ cmd: 'udp-open', name: `sink${family}`, address: peer, port: 4500 });
        await a.request({ cmd: 'udp-open', name: `plain${family}`, address: local, port: 0 });
        const ike = await a.request<{ fd: number }>({
          cmd: 'udp-open',
          name: `ike${family}`,
          address: local,
          port: 4500,
        });
        const marked = await a.request<{ fd: number; mark: number }>({ cmd: 'mark', name: `ike${family}` });
        assert.deepEqual(marked, { fd: ike.fd, mark: 0x42 });

        const ikePayload = Buffer.from(`IKE/NAT-T datagram, marked, IPv${family}`);
        await a.request({
          cmd: 'udp-send',
          name: `ike${family}`,
          address: peer,
          port: 4500,
          hex: ikePayload.toString('hex'),
        });
        const arrived = await b.waitFor((e) => e.event === 'datagram' && e.socket === `sink${family}`, 3000);
        assert.deepEqual(arrived, {
          event: 'datagram',
          socket: `sink${family}`,
          from: local,
          port: 4500,
          hex: ikePayload.toString('hex'),
        });

        const plainPayload = Buffer.from(`application datagram, unmarked, IPv${family}`);
        await a.request({
          cmd: 'udp-send',
          name: `plain${family}`,
          address: peer,
          port: 4500,
          hex: plainPayload.toString('hex'),
        });
        assert.ok(
          await a.waitFor((e) => e.event === 'packet' && e.hex.endsWith(plainPayload.toString('hex')), 3000),
        );
        assert.equal(
          packets(a).filter(hasPayload(ikePayload)).length,
          0,
          'the marked datagram never entered the device',
        );
      }
      // Let anything in flight land before counting what reached B: only the two marked datagrams.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(b.events.filter((e) => e.event === 'datagram').length, 2);
    });
  });

  it('an exception thrown by the packet receiver is not swallowed: it is uncaught, as from any listener', async () => {
    await withPair(async (_pair, a) => {
      await a.request({ cmd: 'open-tun' });
      await a.request({ cmd: 'open-routing' });
      await a.request({ cmd: 'add-route', prefix: '10.250.0.0/24' });
      await a.request({ cmd: 'throw-on-packet', message: 'receiver bug 4711' });
      await a.request({ cmd: 'udp-open', name: 'u', address: '0.0.0.0', port: 0 });
      await a
        .request({ cmd: 'udp-send', name: 'u', address: '10.250.0.1', port: 9, hex: '00' })
        .catch(() => {});
      const exit = await Promise.race([
        a.exited,
        new Promise((resolve) => setTimeout(() => resolve(undefined), 5000)),
      ]);
      assert.ok(exit !== undefined, 'the agent exited');
      const { code, stderr } = exit as { code: number | null; stderr: string };
      assert.notEqual(code, 0);
      assert.match(stderr, /receiver bug 4711/);
    });
  });

  it('typed errors: a taken name, a bad name, no CAP_NET_ADMIN, no /dev/net/tun', async () => {
    const pair = await createNetnsPair();
    const agents: HostAgent[] = [];
    const agent = (wrapper: readonly string[] = []) => {
      const started = new HostAgent(pair.a.ns, wrapper);
      agents.push(started);
      return started;
    };
    try {
      const a = agent();
      const { name } = await a.request<{ name: string }>({ cmd: 'open-tun', name: 'ikets%d' });
      assert.equal(name, 'ikets0');
      const second = agent();
      assert.deepEqual(await second.request({ cmd: 'open-tun', name: 'ikets%d' }), {
        name: 'ikets1',
        mtu: 1400,
      });
      await assert.rejects(second.request({ cmd: 'open-tun', name: 'ikets0' }), {
        code: 'ERR_DATAPLANE_EXISTS',
      });
      await assert.rejects(second.request({ cmd: 'open-tun', name: pair.a.iface }), {
        code: 'ERR_DATAPLANE_EXISTS',
      });
      await assert.rejects(second.request({ cmd: 'open-tun', name: 'bad name' }), {
        code: 'ERR_DATAPLANE_IO',
      });

      const noAdmin = agent([
        'setpriv',
        '--bounding-set',
        '-net_admin,-net_raw',
        '--inh-caps',
        '-net_admin,-net_raw',
        '--',
      ]);
      const denied = await noAdmin.request({ cmd: 'open-tun' }).catch((e: AgentError) => e);
      assert.ok(denied instanceof AgentError);
      assert.equal(denied.code, 'ERR_DATAPLANE_PERMISSION');
      assert.match(denied.message, /CAP_NET_ADMIN/);
      await assert.rejects(noAdmin.request({ cmd: 'open-routing', device: 'ikets0' }), {
        code: 'ERR_DATAPLANE_PERMISSION',
      });

      const noTun = agent([
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs none /dev/net && exec "$0" "$@"',
      ]);
      const unsupported = await noTun.request({ cmd: 'open-tun' }).catch((e: AgentError) => e);
      assert.ok(unsupported instanceof AgentError);
      assert.equal(unsupported.code, 'ERR_DATAPLANE_UNSUPPORTED');
      assert.match(unsupported.message, /\/dev\/net\/tun/);
    } finally {
      await Promise.all(agents.map((x) => x.stop()));
      await pair.destroy();
    }
  });
});
