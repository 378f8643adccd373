/**
 * Rekey rounds against a peer that rekeys as charon 5.9 does in IKEv1 (the interop flake of
 * 2026-12-02, "at most 4 SAs each (5, 5)"): charon rekeys every INSTALLED pair of a child unless
 * another INSTALLED one is rekeyed later, to the second (task_manager_v1.c `queue_child_rekey`,
 * `ikev1_child_sa_is_redundant`), so the two pairs of a collision, installed in the same second, are
 * both rekeyed; its Quick Modes run one after the other; and what it rekeyed stays until it expires
 * or the peer deletes it (`delete_rekeyed = no`). IKEv1 does not say which pair a Quick Mode
 * rekeys: ikets took every one of the peer's Quick Modes of a round as a rekey of the one pair it
 * keeps, so only the first replaced anything, and the pair it had judged redundant stayed next to
 * the new ones until it expired while charon rekeyed it too. The rounds here are the CI run's, on
 * a virtual clock, with the timers fired by hand at the moments they fired there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import { startQuickMode } from '../../src/ikev1/quick-mode/quick-mode-initiator.js';
import type { ChildSa } from '../../src/ikev1/sa/child-sa-table.js';
import { enterChildSa } from '../../src/ikev1/states.js';
import type { SimulatedNetwork } from '../support/simulated-network.js';
import { assertCrosswise, makePair } from './peers.js';

/** No timer of its own fires in the test: the rounds fire them. */
const NO_TIMERS = 'rekey_time = 1000s\n        life_time = 1500s\n        rand_time = 0s';

/** Makes `b` rekey as charon: its rekeys queued and run one at a time, nothing it rekeyed deleted. */
function charonLike(b: EndpointCore) {
  const queue: ChildSa[] = [];
  // charon marks what its own or the peer's Quick Mode rekeyed REKEYED and keeps it
  // (delete_rekeyed = no): installed with nothing replaced ('rekeying' stays, as REKEYED does).
  b.childrenInstalled = (sa, children) => b.lifecycle.childrenInstalled(sa, children, undefined);
  const second = (c: ChildSa) => Math.floor(c.info.installedAt / 1000);
  return {
    /** charon's rekey job for each pair installed now, in the order they were installed. */
    timers(): void {
      for (const c of b.children.all().filter((x) => x.state === 'installed')) {
        if (c.state !== 'installed') continue;
        const later = b.children
          .all()
          .some((o) => o !== c && o.state === 'installed' && second(o) > second(c));
        if (later) enterChildSa(c, 'superseded');
        else {
          enterChildSa(c, 'rekeying');
          queue.push(c);
        }
      }
      this.pump();
    },
    /** Starts the next queued Quick Mode once none of b's is in flight ("delaying task initiation"). */
    pump(): void {
      const busy = b.ikeSas
        .all()
        .some((sa) => [...sa.quickModes.values()].some((q) => q.role === 'initiator'));
      const next = busy ? undefined : queue.shift();
      if (next !== undefined) startQuickMode(next.ikeSa, next.config, b, undefined);
    },
  };
}

/** ikets' rekey timers for every pair installed now (SaTimers fires them in install order). */
function iketsTimers(a: EndpointCore, now: number): void {
  a.handleTimeout(now);
  for (const c of a.children.all()) if (c.state === 'installed') a.lifecycle.rekeying.rekeyChild(c.ikeSa, c);
}

/** The most pairs seen; b's pairs that a deleted (its Delete on the way), and the longest wait. */
interface Seen {
  a: number;
  b: number;
  leaving: Map<ChildSa, number>;
  longestLeaving: number;
}

/**
 * Runs 1 ms at a time to `until`, with charon's queue served between steps. b's pairs count unless
 * a replaced and deleted them: a's Delete leaves `deleteDelayAfterQuickMode` ms after its message 3
 * (rekeying.ts), and until it arrives b holds the replaced pair next to the new ones; how long
 * that lasts is kept too.
 */
function runRound(
  net: SimulatedNetwork,
  a: EndpointCore,
  b: EndpointCore,
  charon: ReturnType<typeof charonLike>,
  until: number,
  max: Seen,
): void {
  while (net.now < until) {
    net.run(net.now + 1);
    charon.pump();
    const held = new Set(a.children.all().map((c) => c.spiIn.toString('hex')));
    const leaving = b.children.all().filter((c) => !held.has(c.spiOut.toString('hex')));
    for (const c of max.leaving.keys()) if (!leaving.includes(c)) max.leaving.delete(c);
    for (const c of leaving) {
      const since = max.leaving.get(c) ?? net.now;
      max.leaving.set(c, since);
      max.longestLeaving = Math.max(max.longestLeaving, net.now - since);
    }
    max.a = Math.max(max.a, a.children.all().length);
    max.b = Math.max(max.b, b.children.all().length - leaving.length);
  }
}

describe('IKEv1 engine: rekey rounds against a peer rekeying as charon', () => {
  it('each of the peer’s Quick Modes replaces a pair of its own: at most 4 pairs, none left over', () => {
    // Our rekey after a collision is not deferred here (the next case): each of the peer's Quick
    // Modes and ours cross in rounds 2 and 3 as they did in CI.
    const { net, a, b } = makePair({ childExtra: NO_TIMERS, settings: { rekeyDeferAfterCollision: false } });
    const charon = charonLike(b);
    a.initiate(0, 'gw', 'net');
    net.run(2_000);
    assert.equal(a.children.all().length, 1);
    const max: Seen = { a: 0, b: 0, leaving: new Map(), longestLeaving: 0 };
    const why = () => `${net.logsOf('a').join('\n')}\n---\n${net.logsOf('b').join('\n')}`;

    // Round 1 (CI 07:36:19): both rekey the pair in the same millisecond, a collision.
    runRound(net, a, b, charon, 10_000, max);
    charon.timers();
    iketsTimers(a, net.now);
    runRound(net, a, b, charon, 20_000, max);
    assert.equal(a.children.all().length, 2, why());
    assertCrosswise(a.childSaList(), b.childSaList());

    // Round 2 (07:36:23): charon rekeys both pairs of the collision (same second), ikets the one
    // it keeps and finds the other redundant; three Quick Modes, three new pairs.
    charon.timers();
    iketsTimers(a, net.now);
    runRound(net, a, b, charon, 30_000, max);
    assert.match(why(), /is redundant next to/);
    const afterTwo = a.children.all();

    // Round 3 (07:36:27): charon rekeys the three (same second); its first Quick Mode reaches
    // ikets before ikets' timers, so ikets starts none and finds two of its three redundant.
    charon.timers();
    runRound(net, a, b, charon, net.now + 6, max);
    iketsTimers(a, net.now);
    runRound(net, a, b, charon, 40_000, max);
    const log = why();
    // Before: the peer's three Quick Modes all took the one pair ikets kept; the two redundant
    // pairs stayed next to the three new ones until they expired: 6 pairs on each side here (5
    // in the CI run), 3 and 4 now.
    assert.ok(max.a <= 4 && max.b <= 4, `at most 4 pairs (a ${max.a}, b ${max.b})\n${log}`);
    // A pair a deleted goes from b once the Delete arrives: the delay, one latency (5 ms), and a
    // Quick Mode of the round's in flight at most (the Delete waits for it, rekeying.ts).
    assert.ok(max.longestLeaving <= 100, `b kept a deleted pair ${max.longestLeaving} ms\n${log}`);
    // Three Quick Modes in round 2 and three in round 3: three new pairs each time, the old gone.
    assert.equal(afterTwo.length, 3, log);
    const left = a.children.all();
    assert.equal(left.length, 3, log);
    for (const old of afterTwo) assert.ok(!left.includes(old), `#${old.info.id} replaced\n${log}`);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.doesNotMatch(log, /does not verify|decrypt|failed|malformed/i);
  });
  it('after a collision our rekey waits and the peer’s Quick Modes take the pairs: they stop growing', () => {
    const { net, a, b } = makePair({ childExtra: NO_TIMERS });
    const charon = charonLike(b);
    a.initiate(0, 'gw', 'net');
    net.run(2_000);
    const max: Seen = { a: 0, b: 0, leaving: new Map(), longestLeaving: 0 };
    const why = () => `${net.logsOf('a').join('\n')}\n---\n${net.logsOf('b').join('\n')}`;
    // Round 1: a collision (no redundant pair yet, so ours is not deferred): two pairs.
    runRound(net, a, b, charon, 10_000, max);
    charon.timers();
    iketsTimers(a, net.now);
    runRound(net, a, b, charon, 20_000, max);
    assert.equal(a.children.all().length, 2, why());
    // Rounds 2 to 4, both timers in the same millisecond as in CI: ours waits (up to the collision
    // window, 1 s) and charon's two Quick Modes take both pairs first; two new pairs each round,
    // where without the wait ours added a third (the previous case) and the next round a fourth.
    const quickModes = () =>
      (
        net
          .logsOf('a')
          .join('\n')
          .match(/initiating Quick Mode/g) ?? []
      ).length;
    const ours = quickModes();
    for (const until of [30_000, 40_000, 50_000]) {
      charon.timers();
      iketsTimers(a, net.now);
      runRound(net, a, b, charon, until, max);
      assert.equal(a.children.all().length, 2, why());
      assertCrosswise(a.childSaList(), b.childSaList());
    }
    assert.equal(quickModes(), ours, `ours left to the peer\n${why()}`);
    assert.match(why(), /rekey in \d+ ms \(after a collision\)/);
    assert.ok(max.a <= 3 && max.b <= 3, `at most 3 pairs (a ${max.a}, b ${max.b})\n${why()}`);
    assert.doesNotMatch(why(), /does not verify|decrypt|failed|malformed/i);
  });
});
