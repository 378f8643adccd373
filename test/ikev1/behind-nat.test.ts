/**
 * A peer behind a NAT that rewrites its source port 500 (RFC 3947 section 1): the responder answers
 * phase 1 from port 500 without the non-ESP marker (RFC 3948 section 2.2 reserves it for the NAT-T
 * port), and both sides float to 4500 once NAT-D shows the NAT.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { SimulatedNat } from '../support/simulated-nat.js';
import { SimulatedNetwork } from '../support/simulated-network.js';
import { AGGRESSIVE_OPT_IN, assertCrosswise, type PeerOptions, peerConfig } from './peers.js';

const PUBLIC = '198.51.100.1';
const marked = (t: Transmit) => t.data.length > 4 && Buffer.from(t.data).readUInt32BE(0) === 0;

function natPair(o: PeerOptions) {
  const options = { ...o, localTsA: '192.0.2.1/32', remoteTsA: '192.0.2.2/32' };
  const net = new SimulatedNetwork(undefined, 'nat');
  const a = new EndpointCore(
    { config: parseSwanctlConfig(peerConfig('a', options)), random: seededRandom('a') },
    0,
  );
  // The responder knows the initiator by its public address only.
  const bConfig = peerConfig('b', options).replace('remote_addrs = 192.0.2.1', `remote_addrs = ${PUBLIC}`);
  const b = new EndpointCore(
    { config: parseSwanctlConfig(bConfig), random: seededRandom('b'), settings: AGGRESSIVE_OPT_IN },
    0,
  );
  const nat = new SimulatedNat(a, [
    { inside: { address: '192.0.2.1', port: 500 }, outside: { address: PUBLIC, port: 40000 } },
    { inside: { address: '192.0.2.1', port: 4500 }, outside: { address: PUBLIC, port: 40001 } },
  ]);
  net.attach('a', nat, nat.publicAddresses);
  const sentByB: Transmit[] = [];
  const poll = b.pollTransmit.bind(b);
  b.pollTransmit = () => {
    const t = poll();
    if (t !== undefined) sentByB.push(t);
    return t;
  };
  net.attach('b', b, [
    { address: '192.0.2.2', port: 500 },
    { address: '192.0.2.2', port: 4500 },
  ]);
  return { net, a, b, nat, sentByB };
}

describe('IKEv1 engine: a peer behind a port-rewriting NAT', () => {
  for (const aggressive of [false, true]) {
    it(`${aggressive ? 'Aggressive' : 'Main'} Mode: no non-ESP marker on port 500, both float to 4500`, () => {
      const { net, a, b, nat, sentByB } = natPair({ aggressive });
      a.initiate(0, 'gw', 'net');
      net.run(10_000);
      const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
      const ikeB = b.ikeSaList()[0];
      assert.equal(ikeB?.state, 'established', logs);
      assert.deepEqual(ikeB.remote, { address: PUBLIC, port: 40001 });
      assert.deepEqual(ikeB.nat, { local: false, remote: true, encapsulated: true });
      assert.deepEqual(a.ikeSaList()[0]?.nat, { local: true, remote: false, encapsulated: true });
      assert.equal(b.childSaList().length, 1, logs);
      assertCrosswise(a.childSaList(), b.childSaList());
      // RFC 3948 section 2.2: plain IKE on port 500, the marker on 4500 only (both directions).
      const fromB500 = sentByB.filter((t) => t.local.port === 500 && t.data.length > 1);
      assert.ok(fromB500.length >= 1);
      assert.deepEqual(
        fromB500.filter(marked).map((t) => `${t.local.port} -> ${t.remote.address}:${t.remote.port}`),
        [],
      );
      assert.ok(sentByB.filter((t) => t.local.port === 4500 && t.data.length > 1).every(marked));
      assert.ok(nat.sent.filter((t) => t.local.port === 500).every((t) => !marked(t)));
      assert.ok(nat.sent.filter((t) => t.local.port === 4500 && t.data.length > 1).every(marked));
    });
  }
});
