/**
 * An identity refused in Main Mode message 5 or 6: the encrypted N(INVALID-ID-INFORMATION) uses the
 * IV the peer expects, hash(last block of the refused message | M-ID) (RFC 2409 Appendix B), so the
 * peer decrypts it; a responder that already established (it sent message 6) also gets a Delete,
 * `deleteDelayAfterRefusal` after the notify so that it cannot overtake it (delayed-transmits.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { makePair, peerConfig } from './peers.js';

describe('IKEv1 engine: a refused identity in Main Mode', () => {
  it('message 5 refused by the responder: the initiator decrypts N(INVALID-ID-INFORMATION)', () => {
    const { net, a, b } = makePair();
    // b expects another identity than a's (the PSK, named by b's own identity, is the same).
    b.reload(parseSwanctlConfig(peerConfig('b', {}).replace('id = a.ikets.test', 'id = x.ikets.test')));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const logsA = net.logsOf('a').join('\n');
    assert.match(
      net.logsOf('b').join('\n'),
      /phase 1 failed: peer identity 'a\.ikets\.test' is not the configured/,
    );
    assert.match(logsA, /peer notifies INVALID_ID_INFORMATION/);
    assert.doesNotMatch(logsA, /cannot be decrypted/);
    assert.equal(b.ikeSaList().length, 0);
  });

  it('message 6 refused by the initiator: the responder decrypts the notify and the Delete, and drops its SA', () => {
    const { net, a, b } = makePair();
    a.reload(parseSwanctlConfig(peerConfig('a', {}).replace('id = b.ikets.test', 'id = x.ikets.test')));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const logsB = net.logsOf('b').join('\n');
    assert.match(
      net.logsOf('a').join('\n'),
      /phase 1 failed: peer identity 'b\.ikets\.test' is not the configured/,
    );
    assert.match(logsB, /peer notifies INVALID_ID_INFORMATION/);
    assert.doesNotMatch(logsB, /cannot be decrypted/);
    assert.deepEqual(
      net.eventsOf('b', 'ike-sa-down').map((e) => e.type === 'ike-sa-down' && e.reason),
      ['remote'],
    );
    assert.deepEqual([a.ikeSaList().length, b.ikeSaList().length], [0, 0]);
  });

  it('message 6 refused: the Delete leaves deleteDelayAfterRefusal after the notify, and a shutdown sends it at once', () => {
    for (const [delay, stopAt] of [
      [200, undefined],
      [70, undefined],
      [200, 'after the notify'],
    ] as const) {
      const { net, a, b } = makePair({ settings: { deleteDelayAfterRefusal: delay } });
      a.reload(parseSwanctlConfig(peerConfig('a', {}).replace('id = b.ikets.test', 'id = x.ikets.test')));
      const sent: number[] = [];
      net.tap = (from, _t, at) => {
        if (from === 'a') sent.push(at);
      };
      a.initiate(0, 'gw', 'net');
      // Main Mode messages 1, 3, 5 then the notify: run until the notify left, not further.
      for (let step = 0; step < 200 && sent.length < 4; step++) net.run(net.now + 1);
      assert.equal(sent.length, 4);
      if (stopAt !== undefined) a.terminateAll(net.now);
      net.run(10_000);
      const logsB = net.logsOf('b').join('\n');
      assert.equal(sent.length, 5, 'the notify and then the Delete');
      const gap = (sent[4] ?? 0) - (sent[3] ?? 0);
      // Stopped within a millisecond of the notify: the Delete goes with the shutdown, not later.
      if (stopAt === undefined) assert.equal(gap, delay);
      else assert.ok(gap <= 1, `${gap} ms`);
      assert.ok(logsB.indexOf('peer notifies INVALID_ID_INFORMATION') >= 0, logsB);
      assert.deepEqual(
        net.eventsOf('b', 'ike-sa-down').map((e) => e.type === 'ike-sa-down' && e.reason),
        ['remote'],
      );
      assert.deepEqual([a.ikeSaList().length, b.ikeSaList().length, a.pollTimeout()], [0, 0, undefined]);
    }
  });
});
