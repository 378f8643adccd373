import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from '../../src/dataplane/esp/replay.js';

// The anti-replay window of RFC 4303 section 3.4.3 against a model (a set of the numbers seen and
// the top): duplicates, too old, out of order within the window, big jumps; ESN's Appendix A2.2.

class Model {
  readonly seen = new Set<number>();
  top = 0;
  constructor(readonly size: number) {}
  accept(seq: number): boolean {
    if (seq <= 0) return false;
    if (this.size === 0 || seq > this.top) return true;
    return this.top - seq < this.size && !this.seen.has(seq);
  }
  update(seq: number): void {
    this.seen.add(seq);
    if (seq > this.top) this.top = seq;
  }
}

test('default window is 32 packets, as strongSwan (charon.replay_window)', () => {
  assert.equal(new ReplayWindow().size, DEFAULT_REPLAY_WINDOW);
  assert.equal(DEFAULT_REPLAY_WINDOW, 32);
});

test('duplicates, too old, out of order inside the window, big jumps', () => {
  const w = new ReplayWindow(32);
  assert.equal(w.check(0), false);
  for (const s of [1, 2, 3]) {
    assert.ok(w.check(s));
    w.update(s);
  }
  assert.equal(w.check(2), false);
  assert.ok(w.check(10));
  w.update(10);
  assert.ok(w.check(5), 'out of order within the window');
  w.update(5);
  assert.equal(w.check(5), false);
  w.update(1000);
  assert.equal(w.check(968), false, 'top - 32 is outside');
  assert.ok(w.check(969));
  assert.ok(w.check(999));
  assert.equal(w.check(1000), false);
  w.update(1_000_000_000);
  assert.equal(w.check(1000), false);
  assert.ok(w.check(999_999_999));
});

test('property: the window agrees with the model for any sequence of arrivals and sizes', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(0, 1, 31, 32, 33, 64, 100, 1024),
      fc.array(
        fc.oneof(
          fc.integer({ min: 0, max: 200 }),
          fc.integer({ min: 0, max: 5000 }),
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        ),
        { maxLength: 300 },
      ),
      fc.array(fc.boolean(), { maxLength: 300 }),
      (size, arrivals, forged) => {
        const w = new ReplayWindow(size);
        const m = new Model(size);
        arrivals.forEach((seq, i) => {
          const ok = w.check(seq);
          assert.equal(ok, m.accept(seq), `size ${size}, seq ${seq}, top ${m.top}`);
          // A forged packet (ICV failed) never updates the window.
          if (ok && forged[i] !== true) {
            w.update(seq);
            m.update(seq);
          }
          assert.equal(w.top, m.top);
        });
      },
    ),
    { numRuns: 400 },
  );
});

test('ESN (RFC 4303 Appendix A2.2): the high half is inferred across the 2^32 boundary', () => {
  const w = new ReplayWindow(64);
  w.update(0xffff_fff0);
  // Case A: the window lies in one subspace.
  assert.equal(w.extend(0xffff_fff5), 0xffff_fff5);
  assert.equal(w.extend(3), 0x1_0000_0003);
  w.update(0x1_0000_0003);
  // Case B: the window spans two subspaces.
  assert.equal(w.extend(0xffff_fff8), 0xffff_fff8);
  assert.equal(w.extend(2), 0x1_0000_0002);
  assert.equal(w.extend(100), 0x1_0000_0064);
  assert.ok(w.check(0xffff_fff8));
  assert.equal(w.check(0xffff_fff0), false, 'already seen across the boundary');
  // At the very start (Th = 0, Case B) a low number stays in subspace 0.
  const fresh = new ReplayWindow(32);
  assert.equal(fresh.extend(1), 1);
  assert.equal(fresh.extend(0xffff_ffff), 0xffff_ffff);
});
