/**
 * One responder and many initiators on the simulated network: every peer gets its own ISAKMP SA and
 * CHILD SA, demultiplexed by cookies, with unique inbound SPIs and matching keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import { SimulatedNetwork } from '../support/simulated-network.js';

const PEERS = 400;

const config = (local: string, remote: string, localId: string, remoteId: string) =>
  parseSwanctlConfig(`connections { gw { version = 1
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = aes128-sha256-x25519
    local { auth = psk
      id = ${localId} }
    remote { auth = psk${remoteId ? `\n      id = ${remoteId}` : ''} }
    children { net { esp_proposals = aes128-sha256 } } } }
  secrets { ike { secret = many-peers-secret-0123456789 } }`);

describe('IKEv1 engine with many peers', () => {
  it(`${PEERS} initiators at once against one responder`, () => {
    const net = new SimulatedNetwork(
      { latency: 5, loss: 0.05, duplication: 0.02, reorder: 0.05, reorderDelay: 20 },
      'many',
    );
    const responder = new EndpointCore(
      { config: config('10.0.0.1', '%any', 'gw.test', ''), random: seededRandom('gw') },
      0,
    );
    net.attach('gw', responder, [
      { address: '10.0.0.1', port: 500 },
      { address: '10.0.0.1', port: 4500 },
    ]);
    const initiators: EndpointCore[] = [];
    for (let i = 0; i < PEERS; i++) {
      const address = `10.1.${i >> 8}.${i & 255}`;
      const ep = new EndpointCore(
        { config: config(address, '10.0.0.1', address, 'gw.test'), random: seededRandom(`peer-${i}`) },
        0,
      );
      net.attach(`peer-${i}`, ep, [
        { address, port: 500 },
        { address, port: 4500 },
      ]);
      initiators.push(ep);
      ep.initiate(0, 'gw', 'net');
    }
    net.run(120_000);
    const ike = responder.ikeSaList();
    const children = responder.childSaList();
    assert.equal(ike.length, PEERS);
    assert.ok(ike.every((s) => s.state === 'established'));
    assert.equal(new Set(ike.map((s) => s.initiatorCookie + s.responderCookie)).size, PEERS);
    assert.equal(children.length, PEERS);
    assert.equal(new Set(children.map((c) => c.spiIn)).size, PEERS);
    for (const ep of initiators) {
      const [mine] = ep.childSaList();
      const theirs = children.find((c) => c.spiIn === mine?.spiOut);
      assert.ok(mine !== undefined && theirs !== undefined);
      assert.equal(theirs.keys.encryptionIn, mine.keys.encryptionOut);
      assert.equal(theirs.remoteTs[0], `${mine.local.address}/32`);
    }
  });
});
