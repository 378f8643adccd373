// Rekey collisions against charon (issue 10 item 3): both sides rekey one CHILD SA every 4 s with
// no jitter for 20 s, so their Quick Modes cross. charon must decrypt every message (it keeps the
// IVs of only 3 exchanges per IKE SA), and both sides must list the same SAs, bounded: at most 4
// pairs each, where charon's count leaves out the pairs it lists REKEYED (replaced: ikets' Delete
// waits 50 ms after its Quick Mode's message 3, so charon lists them for that moment), while the
// sides differ for less than a rekey interval and no pair is listed past its lifetime
// (rekey-collision-charon.ts, `assertSoak`). The
// minutes-long soak is `node dist/test/interop/rekey-soak.js [seconds]` (not in npm test).
// Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { after, before, it, suite } from '../support/suite.js';
import { createNetnsPair, ensureTools, type NetnsPair } from './harness/index.js';
import { agree, assertSoak, longestDisagreement, simultaneous, soak } from './rekey-collision-charon.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

suite('ikets <-> charon: CHILD SA rekey collisions', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  before(async () => {
    pair = await createNetnsPair();
  });
  after(async () => {
    await pair?.destroy();
  });

  it('both rekeying every 4 s for 20 s: every message decrypts, both list the same SAs', {
    timeout: 120_000,
  }, async () => {
    assert.ok(pair);
    const o = { rekeyS: 4, lifeS: 7, durationS: 20, everyMs: 250 };
    const r = await soak(pair, o);
    assertSoak(r, o);
    // About five rekeys in 20 s, from both sides. With rand_time 0 the side that initiated the
    // surviving pair installs it first and so rekeys it first: once charon wins a collision it
    // leads every later rekey, so ikets may have initiated only its first Quick Mode and one rekey
    // (seen in CI, 2026-12-02: 2 Quick Modes from ikets, 5 pairs from charon).
    assert.ok(r.charonInstalled >= 5, `${r.charonInstalled} CHILD SAs installed by charon\n${r.logs}`);
    assert.ok(r.iketsQuickModes >= 2, r.logs);
  });

  it('both initiating at once: one ISAKMP SA on both sides by the end, the same pairs all along', {
    timeout: 180_000,
  }, async () => {
    assert.ok(pair);
    // Rekey every 6 s (less up to 2 s, so that not every rekey collides), lifetime 10 s: the
    // redundant pairs expire within 10 s, and an ISAKMP SA without children is deleted at the
    // latest 30 s after it is up.
    const r = await simultaneous(pair, { rekeyS: 6, lifeS: 10, randS: 2, durationS: 50, everyMs: 500 });
    const table = r.samples
      .map(
        (s) =>
          `${s.at} ms: ISAKMP ${s.iketsIke}/${s.charonIke} CHILD ${s.ikets.length}/${s.charon.length}` +
          `${agree(s) ? '' : ' differ'}: ikets in ${s.ikets} out ${s.iketsOut}, charon in ${s.charon} out ${s.charonOut}`,
      )
      .join('\n');
    const why = `${table}\n${r.logs}`;
    // Both sides list the same CHILD SAs all along, bounded. A sample caught between the two
    // listings of a rekey differs once (under load ~17: 5 to 7 of 50-60 samples, each alone); SAs
    // that only one side holds would differ for sample after sample.
    const longest = longestDisagreement(r.samples);
    assert.ok(longest < 6000, `the sides differed for ${longest} ms\n${why}`);
    assert.ok(Math.max(...r.samples.map((s) => s.ikets.length)) <= 4, why);
    assert.doesNotMatch(r.logs, /decryption failed|invalid HASH_V1|processing failed/);
    // One ISAKMP SA on both sides by the end; the child's pairs: the live one, and a redundant
    // one until it expires if the last rekey collided.
    const last = r.samples.slice(-4);
    for (const s of last) assert.deepEqual([s.iketsIke, s.charonIke], [1, 1], why);
    assert.ok(
      last.some((s) => s.ikets.length <= 2 && agree(s)),
      why,
    );
    assert.ok(
      r.samples.slice(-30).some((s) => s.ikets.length === 1 && s.charon.length === 1),
      `one pair on both sides at some point in the last 15 s\n${why}`,
    );
  });
});
