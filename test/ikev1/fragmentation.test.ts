/**
 * IKEv1 fragmentation between two ikets endpoints on the simulated network, with a fragment size
 * so small (110-byte datagrams) that every phase 1 message after the first ones, and every Quick
 * Mode message, goes in fragments: both modes, NAT-T, `force` (first messages too), `accept` and
 * `no`, and a network that loses, duplicates and reorders datagrams.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType } from '../../src/codec/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { SimulatedNetwork } from '../support/simulated-network.js';
import { type Fragmented, SMALL, watch } from './fragment-watch.js';
import { assertCrosswise, makePair, type PeerOptions } from './peers.js';

function established(net: SimulatedNetwork, pair: ReturnType<typeof makePair>, context: string): void {
  const { a, b } = pair;
  assert.equal(a.ikeSaList().length, 1, context);
  assert.equal(b.ikeSaList().length, 1, context);
  assert.equal(a.ikeSaList()[0]?.state, 'established', context);
  assert.equal(b.ikeSaList()[0]?.state, 'established', context);
  assert.equal(a.childSaList().length, 1, context);
  assertCrosswise(a.childSaList(), b.childSaList());
  assert.equal(net.eventsOf('a', 'ike-sa-up').length, 1, context);
  // Late duplicates may have started a message that never completes: gone after the timeout.
  for (const side of [a, b]) {
    side.handleTimeout(net.now + 15_000);
    assert.equal(side.fragments.size, 0, 'nothing left in reassembly');
    assert.equal(side.fragments.bytes, 0);
  }
}

const logs = (net: SimulatedNetwork) => `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
const MM = ExchangeType.IDENTITY_PROTECTION;
const AM = ExchangeType.AGGRESSIVE;
const QM = ExchangeType.QUICK_MODE;
const count = (list: readonly Fragmented[], from: string, type: number, encrypted?: boolean) =>
  list.filter(
    (f) =>
      f.from === from && f.exchangeType === type && (encrypted === undefined || f.encrypted === encrypted),
  ).length;

describe('IKEv1 fragmentation between two ikets', () => {
  it('Main Mode and Quick Mode: messages 3 to 6 and all of Quick Mode in fragments, both ways', () => {
    const pair = makePair({ settings: SMALL });
    const seen = watch(pair.net);
    pair.a.initiate(0, 'gw', 'net');
    pair.net.run(60_000);
    established(pair.net, pair, logs(pair.net));
    const f = seen.fragmented;
    // Messages 1 and 2 go whole: neither side knows the other's Vendor IDs before them.
    assert.deepEqual(
      seen.whole.filter((w) => w.exchangeType === MM).map((w) => w.from),
      ['a', 'b'],
    );
    assert.equal(count(f, 'a', MM, false), 1, 'message 3');
    assert.equal(count(f, 'b', MM, false), 1, 'message 4');
    assert.equal(count(f, 'a', MM, true), 1, 'message 5');
    assert.equal(count(f, 'b', MM, true), 1, 'message 6');
    assert.equal(count(f, 'a', QM), 1, 'Quick Mode 1 (message 3, HASH(3) alone, fits)');
    assert.equal(count(f, 'b', QM), 1, 'Quick Mode 2');
    assert.ok(f.every((x) => x.fragments >= 2 && !x.marker));
    assert.ok(
      f.some((x) => x.fragments > 5),
      'Quick Mode with PFS takes many',
    );
    assert.match(logs(pair.net), /reassembled a message of \d+ bytes from \d+ fragments/);
  });

  it('Aggressive Mode: messages 2 and 3 in fragments; Informational (Delete) too', () => {
    const pair = makePair({ aggressive: true, settings: SMALL });
    const seen = watch(pair.net);
    pair.a.initiate(0, 'gw', 'net');
    pair.net.run(60_000);
    established(pair.net, pair, logs(pair.net));
    const f = seen.fragmented;
    assert.equal(
      seen.whole.filter((w) => w.exchangeType === AM && w.from === 'a').length,
      1,
      'message 1 whole',
    );
    assert.equal(count(f, 'b', AM, false), 1, 'message 2');
    assert.equal(count(f, 'a', AM, true), 1, 'message 3');
    assert.equal(count(f, 'b', QM), 1);
    pair.a.terminate(pair.net.now, 'gw');
    pair.net.run(pair.net.now + 10_000);
    assert.ok(count(f, 'a', ExchangeType.INFORMATIONAL) >= 1, 'the Delete');
    assert.equal(pair.b.ikeSaList().length, 0, logs(pair.net));
  });

  it('NAT-T: fragments on port 4500 carry the non-ESP marker each', () => {
    const pair = makePair({ encap: true, settings: SMALL });
    const seen = watch(pair.net);
    pair.a.initiate(0, 'gw', 'net');
    pair.net.run(60_000);
    established(pair.net, pair, logs(pair.net));
    const encrypted = seen.fragmented.filter((x) => x.encrypted);
    assert.ok(encrypted.length >= 4, 'messages 5 and 6, Quick Mode 1 and 2');
    assert.ok(
      encrypted.every((x) => x.marker),
      'floated from message 5 on',
    );
  });

  it('force: the first messages go in fragments too, and the responder reassembles them', () => {
    for (const aggressive of [false, true]) {
      const pair = makePair({ aggressive, connExtra: 'fragmentation = force', settings: SMALL });
      const seen = watch(pair.net);
      pair.a.initiate(0, 'gw', 'net');
      pair.net.run(60_000);
      established(pair.net, pair, logs(pair.net));
      assert.equal(seen.fragmented[0]?.from, 'a', 'message 1');
      assert.equal(seen.fragmented[0]?.exchangeType, aggressive ? AM : MM);
      // Main Mode message 2 is answered without state and goes whole (it is small).
      if (!aggressive) assert.ok(seen.whole.some((w) => w.from === 'b' && w.exchangeType === MM));
    }
  });

  it('accept and no: an `accept` side never sends fragments; a `no` side gets none and announces none', () => {
    const policy = (ep: EndpointCore, fragmentation: 'accept' | 'no') =>
      ep.reload({ ...ep.config, connections: ep.config.connections.map((c) => ({ ...c, fragmentation })) });
    const accept = makePair({ settings: SMALL });
    policy(accept.a, 'accept');
    const seenAccept = watch(accept.net);
    accept.a.initiate(0, 'gw', 'net');
    accept.net.run(60_000);
    established(accept.net, accept, logs(accept.net));
    assert.equal(seenAccept.fragmented.filter((x) => x.from === 'a').length, 0, 'a accepts only');
    assert.ok(
      seenAccept.fragmented.filter((x) => x.from === 'b').length >= 3,
      'b sends to a, which announced',
    );
    const none = makePair({ settings: SMALL });
    policy(none.b, 'no');
    const seenNone = watch(none.net);
    none.a.initiate(0, 'gw', 'net');
    none.net.run(60_000);
    established(none.net, none, logs(none.net));
    assert.equal(seenNone.fragmented.length, 0, 'b announced nothing, and sends nothing');
  });

  const BAD = { latency: 20, loss: 0.1, duplication: 0.1, reorder: 0.3, reorderDelay: 40 };
  const scenarios: [string, PeerOptions][] = [
    ['Main Mode', {}],
    ['Aggressive Mode', { aggressive: true }],
    ['Main Mode, NAT-T, force', { encap: true, connExtra: 'fragmentation = force' }],
  ];
  for (const [name, options] of scenarios)
    it(`${name} on a network that loses, duplicates and reorders: completes for 12 seeds`, () => {
      let fragments = 0;
      let resent = 0;
      for (let seed = 0; seed < 12; seed++) {
        const pair = makePair(
          { ...options, settings: { ...SMALL, retransmitTries: 10, halfOpenTimeout: 150_000 } },
          BAD,
          `fragments-${name}-${seed}`,
        );
        const seen = watch(pair.net);
        pair.a.initiate(0, 'gw', 'net');
        pair.net.run(600_000);
        established(pair.net, pair, `seed ${seed}\n${logs(pair.net)}`);
        assert.equal(pair.net.eventsOf('b', 'child-sa-up').length, 1);
        fragments += seen.fragmented.length;
        // A retransmission of a message that went in fragments goes in the same fragments.
        const lines = logs(pair.net).split('\n');
        resent += lines.filter(
          (l, i) => /retransmitting/.test(l) && /in \d+ fragments/.test(lines[i + 1] ?? ''),
        ).length;
      }
      assert.ok(fragments > 12 * 6);
      assert.ok(resent > 0, 'fragmented messages were retransmitted');
    });
});
