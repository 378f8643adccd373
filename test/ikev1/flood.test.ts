/**
 * Floods of forged datagrams against an established SA, on the virtual clock: the state they can
 * cause stays bounded (timer queue entries, log lines), and the SA keeps working.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType } from '../../src/codec/index.js';
import { fromAttacker, garbageEncrypted } from './forge.js';
import { assertCrosswise, makePair } from './peers.js';

const FLOOD = 100_000;
/** 20,000 datagrams per second of virtual time. */
const PER_MS = 20;

function established() {
  const pair = makePair({ connExtra: 'dpd_delay = 10s\n    dpd_timeout = 30s' });
  pair.a.initiate(0, 'gw', 'net');
  pair.net.run(10_000);
  const sa = pair.a.ikeSas.all()[0];
  assert.ok(sa !== undefined && sa.state === 'established');
  return { ...pair, sa };
}

describe('IKEv1 engine under a flood of forged datagrams', () => {
  it(`${FLOOD} datagrams to one SA leave one timer queue entry per SA`, () => {
    const { net, a, b, sa } = established();
    let largest = 0;
    const start = net.now;
    for (let i = 0; i < FLOOD; i++) {
      const now = start + Math.floor(i / PER_MS);
      const type = i % 2 === 0 ? ExchangeType.QUICK_MODE : ExchangeType.INFORMATIONAL;
      a.handleDatagram(now, fromAttacker(sa.local, garbageEncrypted(sa, type, 1 + (i % 5000), i)));
      if (i % PER_MS === 0) a.handleTimeout(now);
      largest = Math.max(largest, a.timers.size);
      while (a.pollEvent() !== undefined);
    }
    assert.equal(largest, 1, `the timer queue held ${largest} entries for 1 SA`);
    // The SA's timers still run: DPD keeps it up with the live peer, and a rekey still works.
    net.run(net.now + 120_000);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.equal(a.pollTimeout(), a.timers.deadlineOf(sa));
    const installed = net.eventsOf('a', 'child-sa-up').length;
    a.initiate(net.now, 'gw', 'net');
    net.run(net.now + 10_000);
    assert.equal(net.eventsOf('a', 'child-sa-up').length, installed + 1);
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});
