/**
 * The exchanges over a bad network, on a virtual clock: 30% of datagrams lost, 10% duplicated, 20%
 * delayed past later ones. Each run is deterministic (seeded); many seeds cover many loss patterns.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCrosswise, makePair, type PeerOptions } from './peers.js';

const BAD_NETWORK = { latency: 20, loss: 0.3, duplication: 0.1, reorder: 0.2, reorderDelay: 60 };
const RETRANSMIT_TRIES = 10;
// 30% loss both ways fails a round trip half the time: allow more tries than the default 5, and let
// the responder wait for the initiator's whole retransmission schedule (about 130 s).
const SETTINGS = { retransmitTries: RETRANSMIT_TRIES, halfOpenTimeout: 150_000 };
const SEEDS = 25;

const scenarios: [string, PeerOptions][] = [
  ['Main Mode + Quick Mode', {}],
  ['Main Mode + Quick Mode without PFS', { espProposals: 'aes128-sha256' }],
  ['Aggressive Mode + Quick Mode', { aggressive: true }],
  ['Main Mode with NAT-T', { encap: true }],
];

describe('IKEv1 engine on a lossy, duplicating, reordering network', () => {
  for (const [name, options] of scenarios) {
    it(`${name}: completes for ${SEEDS} loss patterns, with no duplicate SA`, () => {
      let retransmissions = 0;
      for (let seed = 0; seed < SEEDS; seed++) {
        const { net, a, b } = makePair(
          { ...options, settings: SETTINGS },
          BAD_NETWORK,
          `lossy-${name}-${seed}`,
        );
        a.initiate(0, 'gw', 'net');
        net.run(600_000);
        const context = `seed ${seed}\n${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
        assert.equal(a.ikeSaList().length, 1, context);
        assert.equal(b.ikeSaList().length, 1, context);
        assert.equal(a.ikeSaList()[0]?.state, 'established', context);
        assert.equal(b.ikeSaList()[0]?.state, 'established', context);
        assertCrosswise(a.childSaList(), b.childSaList());
        assert.equal(a.childSaList().length, 1, context);
        assert.equal(net.eventsOf('a', 'ike-sa-up').length, 1);
        assert.equal(net.eventsOf('b', 'child-sa-up').length, 1);
        const counts = [...net.logsOf('a'), ...net.logsOf('b')].flatMap((l) => {
          const m = /retransmitting \((\d+)\/(\d+)\)/.exec(l);
          return m ? [Number(m[1])] : [];
        });
        assert.ok(
          counts.every((n) => n <= RETRANSMIT_TRIES),
          context,
        );
        retransmissions += counts.length;
      }
      // The loss was real: the exchanges had to retransmit.
      assert.ok(retransmissions > SEEDS, `${retransmissions} retransmissions`);
    });
  }
});
