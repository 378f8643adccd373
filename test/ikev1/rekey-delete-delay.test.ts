/**
 * The Delete of the pair our Quick Mode replaced waits `deleteDelayAfterQuickMode` ms after that
 * Quick Mode's message 3 (interop flake of 2026-12-02, "decryption failed"): message 3 is not
 * acknowledged (RFC 2409 section 5.5; only the commit bit, RFC 2408 section 3.1, would say when the
 * responder is done), and charon hands each datagram to a worker thread of its own, so a Delete
 * sent 1 ms after message 3 was handled first there and took the IV slot of our Quick Mode (charon
 * keeps 3 per IKE SA); message 3 then did not decrypt.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType } from '../../src/codec/index.js';
import type { Transmit } from '../../src/sa/types.js';
import { makePair } from './peers.js';

const NO_TIMERS = 'rekey_time = 1000s\n        life_time = 1500s\n        rand_time = 0s';

/** Rekeys a's one pair by hand; when a sent each Quick Mode and Informational datagram. */
function rekeyOnce(settings: { deleteDelayAfterQuickMode: number }) {
  const { net, a, b } = makePair({ childExtra: NO_TIMERS, settings });
  // b as charon with delete_rekeyed = no (quick_mode.c `install`): the pair a rekeyed stays
  // (REKEYED) until a's Delete comes.
  b.childrenInstalled = (sa, children) => b.lifecycle.childrenInstalled(sa, children, undefined);
  a.initiate(0, 'gw', 'net');
  net.run(2_000);
  const [old] = a.children.all();
  assert.ok(old !== undefined);
  const sent: { at: number; exchange: number | undefined }[] = [];
  const seenOnB: number[] = [];
  net.tap = (from: string, t: Transmit, at: number) => {
    if (from === 'a') sent.push({ at, exchange: t.data[18] });
  };
  a.lifecycle.rekeying.rekeyChild(old.ikeSa, old);
  for (let until = net.now + 1; until < 3_000; until++) {
    net.run(until);
    seenOnB.push(b.children.all().length);
  }
  const quickMode = sent.filter((s) => s.exchange === ExchangeType.QUICK_MODE);
  const informational = sent.filter((s) => s.exchange === ExchangeType.INFORMATIONAL);
  return { a, b, old, quickMode, informational, seenOnB, why: () => net.logsOf('a').join('\n') };
}

describe('IKEv1 engine: the Delete after our rekeying Quick Mode', () => {
  it('leaves deleteDelayAfterQuickMode ms after message 3, and the replaced pair goes on both sides', () => {
    const r = rekeyOnce({ deleteDelayAfterQuickMode: 50 });
    // Messages 1 and 3 of our Quick Mode, then one Informational: the Delete of the old pair.
    assert.equal(r.quickMode.length, 2, r.why());
    assert.equal(r.informational.length, 1, r.why());
    const message3 = r.quickMode[1]?.at ?? 0;
    const gap = (r.informational[0]?.at ?? 0) - message3;
    assert.ok(gap >= 50 && gap <= 51, `Delete ${gap} ms after message 3\n${r.why()}`);
    // b held the old pair next to the new one until the Delete came, then only the new one.
    assert.ok(r.seenOnB.includes(2), r.why());
    assert.deepEqual([r.a.children.all().length, r.b.children.all().length], [1, 1]);
    assert.ok(!r.a.children.all().includes(r.old));
  });

  it('leaves with message 3 when the delay is 0 (the test sees the gap)', () => {
    const r = rekeyOnce({ deleteDelayAfterQuickMode: 0 });
    assert.equal(r.informational.length, 1, r.why());
    assert.equal((r.informational[0]?.at ?? 0) - (r.quickMode[1]?.at ?? 0), 0);
    assert.deepEqual([r.a.children.all().length, r.b.children.all().length], [1, 1]);
  });
});
