/**
 * Peers that share an address (behind one NAT, or a load generator's many clients) and negotiate the
 * same traffic selectors: each one's Quick Mode is a new CHILD SA of its own, never a rekey of
 * another peer's pair. Found with strongSwan's load-tester (issue 12): every client of a run
 * negotiated its host-to-host child from the one address, and ikets took a newcomer's Quick Mode for
 * a rekey of an older client's pair and deleted that pair.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import { SimulatedNetwork } from '../support/simulated-network.js';

const config = (local: string, port: number, remote: string, localId: string, remoteId: string) =>
  parseSwanctlConfig(`connections { gw { version = 1
    local_addrs = ${local}
    local_port = ${port}
    remote_addrs = ${remote}
    proposals = aes128-sha256-x25519
    local { auth = psk
      id = ${localId} }
    remote { auth = psk${remoteId === '' ? '' : `\n      id = ${remoteId}`} }
    children { net { esp_proposals = aes128-sha256
      local_ts = 10.7.0.0/24
      remote_ts = 10.8.0.1/32 } } } }
  secrets { ike { secret = same-address-secret-0123456789 } }`);

/** A gateway for any peer, and peers behind one address (10.1.0.1), each with its own identity. */
function setUp(names: readonly string[], connExtra: (name: string) => string = () => '') {
  const net = new SimulatedNetwork();
  const gw = new EndpointCore(
    { config: config('10.0.0.1', 500, '%any', 'gw.test', ''), random: seededRandom('gw') },
    0,
  );
  net.attach('gw', gw, [
    { address: '10.0.0.1', port: 500 },
    { address: '10.0.0.1', port: 4500 },
  ]);
  const peers = names.map((name, i) => {
    const ep = new EndpointCore(
      {
        config: parseSwanctlConfig(
          `connections { gw { version = 1
              local_addrs = 10.1.0.1
              local_port = ${1500 + i}
              remote_addrs = 10.0.0.1
              proposals = aes128-sha256-x25519
              ${connExtra(name)}
              local { auth = psk
                id = ${name}.peer.test }
              remote { auth = psk
                id = gw.test }
              children { net { esp_proposals = aes128-sha256
                local_ts = 10.8.0.1/32
                remote_ts = 10.7.0.0/24 } } } }
            secrets { ike { secret = same-address-secret-0123456789 } }`,
        ),
        random: seededRandom(`peer-${name}`),
      },
      0,
    );
    net.attach(name, ep, [{ address: '10.1.0.1', port: 1500 + i }]);
    return { name, ep };
  });
  return { net, gw, peers };
}

describe('peers sharing an address', () => {
  it('keep their own CHILD SAs when their selectors are the same', () => {
    const { net, gw, peers } = setUp(['one', 'two', 'three']);
    // Each peer comes up well after the one before (beyond the 1 s window in which crossing Quick
    // Modes are told apart from rekeys, child-rekey.ts).
    for (const [i, { ep }] of peers.entries()) {
      const at = i * 5000;
      net.now = at;
      ep.initiate(at, 'gw', 'net');
      net.run(at + 4000);
    }
    const children = gw.childSaList();
    assert.equal(gw.ikeSaList().length, 3);
    assert.equal(children.length, 3, 'one CHILD SA per peer');
    assert.deepEqual(net.eventsOf('gw', 'child-sa-down'), []);
    assert.ok(!net.logsOf('gw').some((l) => l.includes('rekeyed')));
    for (const { name, ep } of peers) {
      const [mine] = ep.childSaList();
      assert.ok(
        children.some((c) => c.spiIn === mine?.spiOut),
        `${name}'s CHILD SA is the responder's too`,
      );
      assert.deepEqual(net.eventsOf(name, 'child-sa-down'), []);
    }
  });

  it("hand a CHILD SA to the peer's own new ISAKMP SA, never to another peer's, when one is replaced", () => {
    // Peer one reauthenticates after 60 s; peer two's ISAKMP SA, from the same address and for the
    // same connection, is older than one's new one. The heir of one's first ISAKMP SA (Lifecycle
    // successor) must be one's new SA: another identity must not inherit one's CHILD SAs.
    const { net, gw, peers } = setUp(['one', 'two'], (name) =>
      name === 'one' ? 'rekey_time = 60s\n              over_time = 30s' : '',
    );
    for (const [i, { ep }] of peers.entries()) {
      const at = i * 5000;
      net.now = at;
      ep.initiate(at, 'gw', 'net');
      net.run(at + 4000);
    }
    const [one, two] = peers;
    assert.ok(one !== undefined && two !== undefined);
    const firstOfOne = one.ep.ikeSaList()[0]?.initiatorCookie;
    net.run(80_000);
    const [ikeOfOne] = one.ep.ikeSaList();
    assert.equal(one.ep.ikeSaList().length, 1, net.logsOf('one').join('\n'));
    assert.notEqual(ikeOfOne?.initiatorCookie, firstOfOne, 'peer one reauthenticated');
    assert.equal(gw.ikeSaList().length, 2, net.logsOf('gw').join('\n'));
    const gwSaOf = (cookie: string | undefined) =>
      gw.ikeSaList().find((s) => s.initiatorCookie === cookie)?.id;
    for (const { name, ep } of peers) {
      const [mine] = ep.childSaList();
      const theirs = gw.childSaList().find((c) => c.spiIn === mine?.spiOut);
      assert.ok(theirs !== undefined, `${name}'s CHILD SA lives on at the gateway`);
      assert.equal(
        theirs.ikeSaId,
        gwSaOf(ep.ikeSaList()[0]?.initiatorCookie),
        `${name}'s CHILD SA belongs to ${name}'s ISAKMP SA at the gateway`,
      );
    }
    assert.deepEqual(net.eventsOf('gw', 'child-sa-down'), []);
  });
});
