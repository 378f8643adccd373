import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCrosswise, makePair } from './peers.js';

describe('IKEv1 engine: Main Mode + Quick Mode between two ikets endpoints', () => {
  it('establishes the ISAKMP SA and the CHILD SA with matching keys', () => {
    const { net, a, b } = makePair();
    assert.equal(a.initiate(0, 'gw', 'net'), undefined);
    net.run(10_000);
    const logs = [...net.logsOf('a'), ...net.logsOf('b')].join('\n');
    assert.equal(net.eventsOf('a', 'ike-sa-up').length, 1, logs);
    assert.equal(net.eventsOf('b', 'ike-sa-up').length, 1, logs);
    const ikeA = a.ikeSaList()[0]!;
    const ikeB = b.ikeSaList()[0]!;
    assert.equal(ikeA.state, 'established');
    assert.equal(ikeA.initiatorCookie, ikeB.initiatorCookie);
    assert.equal(ikeA.responderCookie, ikeB.responderCookie);
    assert.equal(ikeA.keys?.encryptionKey, ikeB.keys?.encryptionKey);
    assert.equal(ikeA.suite?.proposal, 'aes128-sha256-modp2048');
    assert.equal(ikeA.remoteId, 'b.ikets.test');
    assert.equal(ikeB.remoteId, 'a.ikets.test');
    assert.equal(ikeA.nat.encapsulated, false);
    assertCrosswise(a.childSaList(), b.childSaList());
    const child = a.childSaList()[0]!;
    assert.equal(child.proposal, 'aes128-sha256-modp2048');
    assert.equal(child.mode, 'tunnel');
    assert.equal(child.encapsulation, false);
    assert.equal(child.keys.encryptionIn.length, 32);
    assert.equal(child.keys.integrityIn.length, 64);
    // Main Mode 6 messages + Quick Mode 3, nothing retransmitted on a perfect network.
    assert.equal((net.sent.get('a') ?? 0) + (net.sent.get('b') ?? 0), 9);
  });
});
