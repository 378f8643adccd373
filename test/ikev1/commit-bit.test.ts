/**
 * The commit bit (RFC 2408 section 3.1) in Quick Mode between two ikets endpoints on the simulated
 * network: whichever side sets it (`commit = yes`), the responder sends N(CONNECTED) in an
 * Informational with the Quick Mode's message ID after message 3, and the initiator installs the
 * SAs only when it arrives; a lost CONNECTED or message 3 heals by retransmission.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import {
  type NetworkConditions,
  type SimulatedHost,
  SimulatedNetwork,
} from '../support/simulated-network.js';
import { AGGRESSIVE_OPT_IN, assertCrosswise, type PeerOptions, peerConfig } from './peers.js';

const INFORMATIONAL = 5;
const COMMIT = 0x02;

/** Host b, with the first `drop` of its commit-flagged Informationals (CONNECTED) lost. */
function dropping(host: EndpointCore, drop: number): SimulatedHost & { dropped: number } {
  const wrapper = {
    dropped: 0,
    handleDatagram: (now: number, d: Parameters<EndpointCore['handleDatagram']>[1]) =>
      host.handleDatagram(now, d),
    handleTimeout: (now: number) => host.handleTimeout(now),
    pollTimeout: () => host.pollTimeout(),
    pollEvent: () => host.pollEvent(),
    pollTransmit: () => {
      for (;;) {
        const t = host.pollTransmit();
        if (t === undefined || wrapper.dropped >= drop) return t;
        if (t.data[18] === INFORMATIONAL && ((t.data[19] ?? 0) & COMMIT) !== 0) wrapper.dropped++;
        else return t;
      }
    },
  };
  return wrapper;
}

function pair(oa: PeerOptions, ob: PeerOptions, conditions?: NetworkConditions, seed = 'commit', drop = 0) {
  const net = new SimulatedNetwork(conditions, seed);
  const make = (self: 'a' | 'b', o: PeerOptions) =>
    new EndpointCore(
      {
        config: parseSwanctlConfig(peerConfig(self, o)),
        random: seededRandom(`${seed}-${self}`),
        settings: { ...AGGRESSIVE_OPT_IN, ...o.settings },
        nattPort: 4500,
      },
      0,
    );
  const a = make('a', oa);
  const b = make('b', ob);
  const bHost = dropping(b, drop);
  net.attach('a', a, [
    { address: '192.0.2.1', port: 500 },
    { address: '192.0.2.1', port: 4500 },
  ]);
  net.attach('b', bHost, [
    { address: '192.0.2.2', port: 500 },
    { address: '192.0.2.2', port: 4500 },
  ]);
  return { net, a, b, bHost };
}

const COMMIT_YES: PeerOptions = { childExtra: 'commit = yes' };
const has = (logs: readonly string[], text: string) => logs.some((l) => l.includes(text));

describe('Quick Mode with the commit bit', () => {
  for (const [name, oa, ob] of [
    ['set by the responder', {}, COMMIT_YES],
    ['set by the initiator', COMMIT_YES, {}],
  ] as const) {
    it(`${name}: CONNECTED after message 3, then the initiator installs`, () => {
      const { net, a, b } = pair(oa, ob);
      a.initiate(0, 'gw', 'net');
      net.run(60_000);
      const logs = `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
      assert.ok(has(net.logsOf('a'), 'commit bit set, waiting for CONNECTED'), logs);
      assert.ok(has(net.logsOf('a'), ': CONNECTED'), logs);
      assert.ok(has(net.logsOf('b'), 'SAs installed, CONNECTED sent'), logs);
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.equal(net.eventsOf('a', 'child-sa-up').length, 1);
      assert.equal(net.eventsOf('b', 'child-sa-up').length, 1);
    });
  }

  it('without it, no CONNECTED', () => {
    const { net, a, b } = pair({}, {});
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    assert.ok(!has([...net.logsOf('a'), ...net.logsOf('b')], 'CONNECTED'));
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it('the initiator does not use the SAs before CONNECTED; a lost CONNECTED is sent again', () => {
    const { net, a, b, bHost } = pair({}, COMMIT_YES, undefined, 'commit-lost', 2);
    a.initiate(0, 'gw', 'net');
    net.run(3_000); // message 3 delivered, the first CONNECTED lost; before a retransmits
    assert.equal(bHost.dropped, 1);
    assert.equal(b.childSaList().length, 1);
    assert.equal(a.childSaList().length, 0, 'no SA before CONNECTED');
    assert.equal(net.eventsOf('a', 'child-sa-up').length, 0);
    net.run(120_000);
    assert.equal(bHost.dropped, 2);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(net.eventsOf('a', 'child-sa-up').length, 1);
    // The repeated message 3 got CONNECTED again, and nothing was installed twice.
    assert.equal(net.eventsOf('b', 'child-sa-up').length, 1);
  });

  it('completes on a lossy, duplicating, reordering network', () => {
    const BAD = { latency: 20, loss: 0.3, duplication: 0.1, reorder: 0.2, reorderDelay: 60 };
    const settings = { retransmitTries: 10, halfOpenTimeout: 150_000 };
    for (let seed = 0; seed < 12; seed++) {
      const { net, a, b } = pair(
        { ...COMMIT_YES, settings },
        { ...COMMIT_YES, settings },
        BAD,
        `commit-lossy-${seed}`,
      );
      a.initiate(0, 'gw', 'net');
      net.run(600_000);
      const logs = `seed ${seed}\n${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
      assert.equal(a.childSaList().length, 1, logs);
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.equal(net.eventsOf('a', 'child-sa-up').length, 1, logs);
      assert.equal(net.eventsOf('b', 'child-sa-up').length, 1, logs);
    }
  });
});
