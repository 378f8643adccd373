/**
 * Both sides initiating at once (issue 10 item 8): two ISAKMP SAs and two CHILD SA pairs at first.
 * Both sides keep (and rekey) the same pair, ordered by SPIs since the two crossed; the other
 * expires, and the ISAKMP SA it leaves without children is deleted as a duplicate. By the end of
 * the first pair's lifetime there is one of each, the same on both sides, and there it stays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import { assertCrosswise, makePair } from './peers.js';

const SEEDS = 30;

function cookies(e: EndpointCore): string[] {
  return e
    .ikeSaList()
    .map((s) => `${s.initiatorCookie}${s.responderCookie}`)
    .sort();
}

describe('IKEv1 engine: simultaneous initiation', () => {
  it(`both sides initiating in the same millisecond converge to one ISAKMP SA and one pair, ${SEEDS} seeds`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { net, a, b } = makePair(
        {
          childExtra: 'rekey_time = 60s\n        life_time = 90s\n        rand_time = 10s',
          connExtra: 'rekey_time = 300s\n    over_time = 30s',
        },
        { latency: 5, loss: 0, duplication: 0, reorder: 0.5, reorderDelay: 8 },
        `simultaneous-${seed}`,
      );
      a.initiate(0, 'gw', 'net');
      b.initiate(0, 'gw', 'net');
      const why = () => `seed ${seed}\n${net.logsOf('a').join('\n')}\n---\n${net.logsOf('b').join('\n')}`;
      // Up at once, and the same SAs on both sides from the start (no pair one side lacks).
      net.run(5_000);
      assert.ok(a.childSaList().length >= 1, why());
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.deepEqual(cookies(a), cookies(b));
      // After the first pairs' lifetime (90 s): one ISAKMP SA, one pair.
      for (const t of [100_000, 200_000, 400_000]) {
        net.run(t);
        assert.equal(a.ikeSaList().length, 1, `${t} ms: ${why()}`);
        assert.deepEqual(cookies(a), cookies(b), why());
        assert.equal(a.childSaList().length, 1, `${t} ms: ${why()}`);
        assertCrosswise(a.childSaList(), b.childSaList());
      }
      assert.doesNotMatch(why(), /does not verify|decrypt|failed|malformed/i);
    }
  });
});
