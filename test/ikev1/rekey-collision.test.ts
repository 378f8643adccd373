/**
 * Rekey collisions (issue 10 item 3): both sides rekey the same CHILD SA at the same moment
 * (rekey_time equal, rand_time 0). As strongSwan does in IKEv1, both new pairs are kept, the
 * predecessor goes, a pair superseded by a newer one is not rekeyed again and expires; never two
 * rekeys of one child in flight from one side, and both sides always hold the same SAs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import { assertCrosswise, makePair } from './peers.js';

const COLLIDING = 'rekey_time = 10s\n        life_time = 15s\n        rand_time = 0s';
const SEEDS = 40;

/** Quick Modes a side initiated, from its log lines. */
function quickModesStarted(logs: string[]): number {
  return logs.filter((l) => l.includes('initiating Quick Mode')).length;
}

function counts(e: EndpointCore): number {
  return e.childSaList().length;
}

describe('IKEv1 engine: CHILD SA rekey collisions', () => {
  it(`both sides rekeying one child at once converge, ${SEEDS} seeds`, () => {
    let collisions = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { net, a, b } = makePair(
        { childExtra: COLLIDING },
        { latency: 5, loss: 0, duplication: 0, reorder: 0.5, reorderDelay: 12 },
        `collide-${seed}`,
      );
      a.initiate(0, 'gw', 'net');
      net.run(2_000);
      assert.equal(counts(a), 1);
      let maxA = 0;
      let maxB = 0;
      // Two minutes of rekeying every 10 s on both sides; look every 250 ms.
      for (let t = 2_250; t <= 120_000; t += 250) {
        net.run(t);
        maxA = Math.max(maxA, counts(a));
        maxB = Math.max(maxB, counts(b));
        // Never two Quick Modes of one child in flight from one side.
        for (const e of [a, b]) {
          const inFlight = e.ikeSas
            .all()
            .flatMap((sa) => [...sa.quickModes.values()])
            .filter((q) => q.role === 'initiator');
          assert.ok(
            inFlight.length <= 1,
            `seed ${seed} at ${t} ms: ${inFlight.length} Quick Modes of one child`,
          );
        }
      }
      const why = `seed ${seed}\n${net.logsOf('a').join('\n')}\n---\n${net.logsOf('b').join('\n')}`;
      // A pair per collision at most, plus the one expiring: bounded, never growing.
      assert.ok(maxA <= 3 && maxB <= 3, `at most 3 pairs at once (a ${maxA}, b ${maxB}) ${why}`);
      // Let the exchanges in flight end, then both sides hold the same SAs, crosswise.
      const settle = net.now + 1_000;
      net.run(settle);
      assert.equal(counts(a), counts(b), why);
      assertCrosswise(a.childSaList(), b.childSaList());
      for (const e of [a, b]) {
        // Nothing outlives its lifetime.
        for (const c of e.childSaList()) assert.ok(c.expiresAt > net.now, why);
      }
      const failures = [...net.logsOf('a'), ...net.logsOf('b')].filter((l) =>
        /does not verify|decrypt|failed|malformed/i.test(l),
      );
      assert.deepEqual(failures, [], why);
      // A rekey every 10 s for two minutes (the first Quick Mode is a's initiation).
      assert.ok(quickModesStarted(net.logsOf('a')) + quickModesStarted(net.logsOf('b')) >= 12, why);
      collisions += net.logsOf('a').filter((l) => l.includes('a rekey collision')).length;
    }
    // The seeds do collide (rand_time 0): both new pairs were kept and one left redundant.
    assert.ok(collisions >= SEEDS, `${collisions} collisions in ${SEEDS} seeds`);
  });
});

describe('IKEv1 engine: an abandoned rekey', () => {
  it('a rekey given up after its retransmissions leaves the pair rekeyable, and it is rekeyed later', () => {
    const { net, a, b } = makePair({
      childExtra: 'rekey_time = 60s\n        life_time = 600s\n        rand_time = 0s',
    });
    a.initiate(0, 'gw', 'net');
    net.run(2_000);
    const old = a.children.all()[0]!;
    // b goes away just before the rekey: a's Quick Mode is retransmitted, then given up.
    net.detach('b');
    net.run(150_000);
    assert.match(net.logsOf('a').join('\n'), /no answer after 5 retransmissions/);
    // Before: the pair stayed 'rekeying' until it expired, never rekeyed again. Now it is
    // installed again and, a retransmission timeout later, rekeyed anew (one Quick Mode at a time).
    assert.equal(quickModesStarted(net.logsOf('a')), 3, net.logsOf('a').join('\n'));
    assert.equal(old.state, 'rekeying');
    net.attach('b', b, [
      { address: '192.0.2.2', port: 500 },
      { address: '192.0.2.2', port: 4500 },
    ]);
    net.run(net.now + 30_000);
    const up = net.eventsOf('a', 'child-sa-up').at(-1);
    assert.ok(up?.type === 'child-sa-up' && up.rekeyOf === old.info.id, net.logsOf('a').join('\n'));
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});
