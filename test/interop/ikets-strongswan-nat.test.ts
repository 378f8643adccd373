// ikets against strongSwan's charon across a real NAT that rewrites UDP source ports (nftables SNAT
// to 10.231.0.100:40000-50000, as a home router does when port 500 is taken): IKE arrives from a
// port other than 500, so the answer from port 500 must not carry the non-ESP marker (RFC 3948
// section 2.2), and both sides float to 4500 once NAT-D shows the NAT (RFC 3947 section 4).
// Both roles: charon behind the NAT initiating to ikets, and ikets behind the NAT initiating to
// charon. Skips without root, strongSwan or nftables.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSourceNat, createNetnsPair, ensureTools } from './harness/index.js';
import {
  AES128_SHA256,
  charonSas,
  ESP_AES128_SHA256,
  establish,
  logsOf,
  type Scenario,
  startPeers,
} from './strongswan-peers.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare', 'nft']);
const PUBLIC = '10.231.0.100';
const NAT_PORTS: readonly [number, number] = [40000, 50000];
const BASE: Scenario = {
  proposals: 'aes128-sha256-modp2048',
  esp: 'aes128-sha256',
  charonIke: { ...AES128_SHA256, dhGroup: 'MODP_2048' },
  charonEsp: ESP_AES128_SHA256,
};
const mapped = (port: number) => port >= NAT_PORTS[0] && port <= NAT_PORTS[1];

describe('ikets <-> strongSwan charon across a port-rewriting NAT', {
  skip: tools.ok ? false : tools.reason,
}, () => {
  it('charon behind the NAT initiates to ikets on port 500: phase 1 and Quick Mode complete', async () => {
    const pair = await createNetnsPair();
    try {
      await addSourceNat(pair.b, pair.a, PUBLIC, { udpPorts: NAT_PORTS });
      // charon proposes its private address as its Quick Mode ID (test/interop/README.md)
      const s: Scenario = {
        ...BASE,
        iketsRemoteAddr: PUBLIC,
        iketsTs: { local: 'dynamic', remote: `${pair.b.ipv4}/32` },
      };
      const p = await startPeers(pair, s);
      try {
        await establish(p, 'charon');
        const [ike] = (await p.ikets.list()).ike;
        const why = logsOf(p);
        assert.equal(ike?.state, 'established', why);
        assert.equal(ike.role, 'responder');
        assert.equal(ike.remote.address, PUBLIC);
        assert.ok(
          mapped(ike.remote.port),
          `charon's port 4500 mapped by the NAT: ${ike.remote.port}\n${why}`,
        );
        assert.deepEqual([ike.local.port, ike.nat.remote, ike.nat.encapsulated], [4500, true, true]);
        const listing = await charonSas(p.charon);
        const sw = listing.ikeSas[0];
        assert.equal(sw?.state, 'ESTABLISHED', why);
        assert.equal(sw.childSas[0]?.state, 'INSTALLED');
        assert.equal(sw.initiatorSpi, ike.initiatorCookie);
        assert.match(p.charon.readLog(), /local host is behind NAT/);
        assert.doesNotMatch(p.charon.readLog(), /unsupported IKE version|invalid IKE header/);
      } finally {
        await p.stop();
      }
    } finally {
      await pair.destroy();
    }
  });

  it('ikets behind the NAT initiates to charon: phase 1 and Quick Mode complete', async () => {
    const pair = await createNetnsPair();
    try {
      await addSourceNat(pair.a, pair.b, PUBLIC, { udpPorts: NAT_PORTS });
      const s: Scenario = {
        ...BASE,
        charonConn: { remote_addrs: PUBLIC },
        charonChild: { remote_ts: `${pair.a.ipv4}/32` },
      };
      const p = await startPeers(pair, s);
      try {
        await establish(p, 'ikets');
        const [ike] = (await p.ikets.list()).ike;
        const why = logsOf(p);
        assert.equal(ike?.state, 'established', why);
        assert.deepEqual(ike.nat, { local: true, remote: true, encapsulated: true }, why);
        assert.deepEqual([ike.local.port, ike.remote.port], [4500, 4500]);
        const listing = await charonSas(p.charon);
        const sw = listing.ikeSas[0];
        assert.equal(sw?.state, 'ESTABLISHED', why);
        assert.equal(sw.childSas[0]?.state, 'INSTALLED');
        assert.equal(sw.remoteHost, PUBLIC);
        assert.ok(mapped(sw.remotePort), `ikets' port 4500 mapped by the NAT: ${sw.remotePort}\n${why}`);
        assert.match(p.charon.readLog(), /remote host is behind NAT/);
        assert.deepEqual((await p.ikets.list()).children[0]?.localTs, [`${pair.a.ipv4}/32`]);
      } finally {
        await p.stop();
      }
    } finally {
      await pair.destroy();
    }
  });
});
