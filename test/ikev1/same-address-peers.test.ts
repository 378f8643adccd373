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

describe('peers sharing an address', () => {
  it('keep their own CHILD SAs when their selectors are the same', () => {
    const net = new SimulatedNetwork();
    const gw = new EndpointCore(
      { config: config('10.0.0.1', 500, '%any', 'gw.test', ''), random: seededRandom('gw') },
      0,
    );
    net.attach('gw', gw, [
      { address: '10.0.0.1', port: 500 },
      { address: '10.0.0.1', port: 4500 },
    ]);
    const peers = ['one', 'two', 'three'].map((name, i) => {
      const ep = new EndpointCore(
        {
          config: parseSwanctlConfig(
            `connections { gw { version = 1
              local_addrs = 10.1.0.1
              local_port = ${1500 + i}
              remote_addrs = 10.0.0.1
              proposals = aes128-sha256-x25519
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
});
