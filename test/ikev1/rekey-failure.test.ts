/**
 * A CHILD SA rekey started from the timers that fails to start (here: the random source throws)
 * is logged and tried again; the failure never escapes `handleTimeout`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RandomSource } from '../../src/crypto/index.js';
import { assertCrosswise, makePair } from './peers.js';

describe('IKEv1 engine: a failing rekey from the timers', () => {
  it('is logged and retried; handleTimeout does not throw and the rekey completes later', () => {
    const { net, a, b } = makePair({
      childExtra: 'rekey_time = 60s\n        life_time = 120s\n        rand_time = 0s',
    });
    // Only a rekeys: b's CHILD SA would be rekeyed much later.
    b.reload(makePair({ childExtra: 'rekey_time = 110s\n        life_time = 120s' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const first = a.childSaList()[0]!;
    assert.ok(first.rekeyAt !== undefined);
    // Inject the failure: every draw of randomness throws while `failing` is set.
    let failing = true;
    const inner = a.random;
    const broken: RandomSource = {
      bytes: (n) => {
        if (failing) throw new Error('injected: no entropy');
        return inner.bytes(n);
      },
    };
    (a as { random: RandomSource }).random = broken;
    assert.doesNotThrow(() => net.run(first.rekeyAt! + 10_000));
    assert.match(
      net.logsOf('a').join('\n'),
      /rekeying CHILD SA 'net' failed: injected: no entropy; trying again/,
    );
    const [child] = a.childSaList();
    assert.equal(child?.spiIn, first.spiIn, 'the old CHILD SA is still installed');
    assert.equal(a.ikeSas.all()[0]?.quickModes.size, 0, 'no half-started Quick Mode left behind');
    failing = false;
    net.run(net.now + 10_000);
    assert.equal(net.eventsOf('a', 'child-sa-up').length, 2, net.logsOf('a').join('\n'));
    assert.equal(a.childSaList().length, 1);
    assert.notEqual(a.childSaList()[0]?.spiIn, first.spiIn);
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});
