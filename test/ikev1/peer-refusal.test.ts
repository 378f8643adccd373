/**
 * An authenticated refusal from the peer ends our exchange at once (issue 10, item 6): a Quick Mode
 * answered with N(NO-PROPOSAL-CHOSEN) emits `child-sa-failed` with the reason and is not
 * retransmitted; phase 1 answered with N(INVALID-ID-INFORMATION) fails with that reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { makePair, peerConfig } from './peers.js';

describe('IKEv1 engine: the peer refuses our exchange', () => {
  it('Quick Mode refused: child-sa-failed with the reason at once, no retransmission of message 1', () => {
    const { net, a, b } = makePair();
    b.reload(makePair({ espProposals: 'aes256-sha512' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(30_000);
    const failed = net.eventsOf('a', 'child-sa-failed');
    assert.deepEqual(
      failed.map((e) => e.type === 'child-sa-failed' && [e.sa.connection, e.sa.child, e.reason]),
      [['gw', 'net', 'the peer refused: NO_PROPOSAL_CHOSEN']],
    );
    const logs = net.logsOf('a').join('\n');
    assert.doesNotMatch(logs, /retransmitting/);
    assert.equal(a.ikeSaList()[0]?.state, 'established', 'the ISAKMP SA stays');
    assert.deepEqual([a.childSaList().length, b.childSaList().length], [0, 0]);
    // 6 Main Mode messages, QM1 once and b's Informational.
    assert.equal((net.sent.get('a') ?? 0) + (net.sent.get('b') ?? 0), 8);
  });

  it('phase 1 refused (identity): the SA fails at once with the peer reason', () => {
    const { net, a, b } = makePair();
    b.reload(parseSwanctlConfig(peerConfig('b', {}).replace('id = a.ikets.test', 'id = x.ikets.test')));
    a.initiate(0, 'gw', 'net');
    net.run(30_000);
    const down = net.eventsOf('a', 'ike-sa-down');
    assert.deepEqual(
      down.map((e) => e.type === 'ike-sa-down' && [e.reason, e.sa.failure]),
      [['failed', 'the peer refused: INVALID_ID_INFORMATION']],
    );
    assert.doesNotMatch(net.logsOf('a').join('\n'), /retransmitting/);
    assert.equal(a.ikeSaList().length, 0);
  });
});
