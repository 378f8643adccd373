/**
 * End to end through the host side of the userspace data plane, without ESP: two namespaces joined by
 * a veth, a TunDevice and LinuxRouting in each, and a test-only forwarder (host-agent.ts `forward`)
 * that carries each packet read from one device in a UDP datagram, from a marked socket, to the other
 * side, which writes it into its device. Ping between the subnets behind each side (IPv4 and IPv6)
 * and to the peer's own outer address (a host-to-host selector covering the IKE peer) must work:
 * that takes the devices, the routes with their preferred sources, and the fwmark bypass together.
 * Root only; skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { createNetnsPair, type NetnsEnd } from '../interop/harness/netns.js';
import { run } from '../interop/harness/proc.js';
import { it, suite } from '../support/suite.js';
import { HostAgent, hostTestsSkipReason } from './host-agent-client.js';

const skip = hostTestsSkipReason();

interface Side {
  readonly end: NetnsEnd;
  readonly agent: HostAgent;
  readonly subnet4: string;
  readonly subnet6: string;
  readonly inside4: string;
  readonly inside6: string;
}

interface Stats {
  readonly packetsRead: number;
  readonly packetsWritten: number;
  readonly writeErrors: number;
}

async function ping(from: Side, to: string, count: number): Promise<string> {
  const family = to.includes(':') ? '-6' : '-4';
  const result = await run(
    'ip',
    ['netns', 'exec', from.end.ns, 'ping', family, '-n', '-c', String(count), '-i', '0.2', '-W', '2', to],
    { allowFailure: true },
  );
  assert.equal(result.code, 0, `ping ${to} from ${from.end.ns}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

suite('TUN devices end to end (Linux, root)', { skip: skip ?? false }, () => {
  it('ping between the subnets behind two TUN devices and to the peer itself, carried by a marked UDP forwarder', async () => {
    const pair = await createNetnsPair();
    const a: Side = {
      end: pair.a,
      agent: new HostAgent(pair.a.ns),
      subnet4: '10.232.1.0/24',
      subnet6: 'fd32:1::/64',
      inside4: '10.232.1.1',
      inside6: 'fd32:1::1',
    };
    const b: Side = {
      end: pair.b,
      agent: new HostAgent(pair.b.ns),
      subnet4: '10.232.2.0/24',
      subnet6: 'fd32:2::/64',
      inside4: '10.232.2.1',
      inside6: 'fd32:2::1',
    };
    try {
      for (const [self, peer] of [
        [a, b],
        [b, a],
      ] as const) {
        const ns = self.end.ns;
        // The protected subnet behind this side: an address of it on lo (as on a gateway's LAN side).
        await run('ip', ['-n', ns, 'addr', 'add', `${self.inside4}/24`, 'dev', 'lo']);
        await run('ip', ['-n', ns, 'addr', 'add', `${self.inside6}/64`, 'dev', 'lo']);
        await self.agent.request({ cmd: 'open-tun' });
        await self.agent.request({ cmd: 'open-routing' });
        const src4 = await self.agent.request<{ source: string }>({
          cmd: 'route-source',
          prefix: self.subnet4,
        });
        const src6 = await self.agent.request<{ source: string }>({
          cmd: 'route-source',
          prefix: self.subnet6,
        });
        assert.deepEqual([src4.source, src6.source], [self.inside4, self.inside6]);
        await self.agent.request({ cmd: 'add-route', prefix: peer.subnet4, source: src4.source });
        await self.agent.request({ cmd: 'add-route', prefix: peer.subnet6, source: src6.source });
        // Host-to-host: the peer's own address is inside a remote selector, as with kernel-libipsec.
        await self.agent.request({ cmd: 'add-route', prefix: `${peer.end.ipv4}/32`, source: self.end.ipv4 });
        await self.agent.request({ cmd: 'udp-open', name: 'carrier', address: self.end.ipv4, port: 4500 });
        await self.agent.request({ cmd: 'mark', name: 'carrier' });
        await self.agent.request({ cmd: 'forward', name: 'carrier', address: peer.end.ipv4, port: 4500 });
      }
      const stats = (side: Side) => side.agent.request<Stats>({ cmd: 'stats' });

      // Subnet to subnet: nothing in the main tables routes these, so only the tunnel can carry them.
      const before = await stats(a);
      assert.match(await ping(a, b.inside4, 3), /3 received/);
      assert.match(await ping(a, b.inside6, 3), /3 received/);
      assert.match(await ping(b, a.inside4, 2), /2 received/);
      const afterSubnets = await stats(a);
      // A read its 6 echo requests and B's 2 replies; it wrote 6 replies and B's 2 requests.
      assert.ok(afterSubnets.packetsRead - before.packetsRead >= 8, JSON.stringify(afterSubnets));
      assert.ok(afterSubnets.packetsWritten - before.packetsWritten >= 8, JSON.stringify(afterSubnets));

      // To the peer's outer address: the echo requests enter the device (table 220 wins over the
      // connected route), while the forwarder's datagrams to that same address bypass it by the mark.
      assert.match(await ping(a, b.end.ipv4, 2), /2 received/);
      const afterPeer = await stats(a);
      assert.ok(afterPeer.packetsRead - afterSubnets.packetsRead >= 2, JSON.stringify(afterPeer));
      assert.equal(afterPeer.writeErrors, 0);
      // No loop: a packet that looped through the device would be read again and again.
      assert.ok(afterPeer.packetsRead < 100, `bounded packet count: ${JSON.stringify(afterPeer)}`);
    } finally {
      await Promise.all([a.agent.stop(), b.agent.stop()]);
      await pair.destroy();
    }
  });
});
