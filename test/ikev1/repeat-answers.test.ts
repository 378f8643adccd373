/**
 * Repeats are answered only with the answer to them (RFC 2408 section 5): a duplicated last message
 * of an exchange (Main Mode 6, Aggressive Mode 3, Quick Mode 3) must not make its receiver send its
 * own earlier message again, or the two peers re-send their last messages to each other for ever
 * (found by the stateful fuzzer, test/fuzz/stateful.ts: one duplicated datagram, an endless storm).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transmit } from '../../src/sa/types.js';
import { assertCrosswise, makePair } from './peers.js';

describe('IKEv1 engine: a repeated message is answered with its own answer only', () => {
  for (const aggressive of [false, true]) {
    it(`${aggressive ? 'Aggressive' : 'Main'} Mode and Quick Mode: every message of the exchanges delivered again`, () => {
      const { net, a, b } = makePair({ aggressive });
      const seen: { to: 'a' | 'b'; t: Transmit }[] = [];
      net.tap = (from, t) => seen.push({ to: from === 'a' ? 'b' : 'a', t });
      a.initiate(0, 'gw', 'net');
      net.run(10_000);
      assertCrosswise(a.childSaList(), b.childSaList());
      const exchange = [...seen];
      net.tap = undefined;
      let sent = 0;
      net.tap = () => sent++;
      // Each message once more, as a duplicating network delivers it.
      for (const { to, t } of exchange) {
        (to === 'a' ? a : b).handleDatagram(net.now, { local: t.remote, remote: t.local, data: t.data });
        net.run(net.now + 1_000);
      }
      net.run(net.now + 20_000);
      // The repeats of messages 1..n-1 are answered once each; the last messages of the exchanges not.
      assert.ok(sent <= exchange.length, `${sent} datagrams sent for ${exchange.length} repeats`);
      assert.equal(a.ikeSaList()[0]?.state, 'established');
      assertCrosswise(a.childSaList(), b.childSaList());
    });
  }
});
