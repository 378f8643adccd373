// The generator's pooled random source: slices never overlap, a spent pool is replaced (not
// refilled under a caller's feet), large requests bypass the pool.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pooledRandom } from '../../src/load/random.js';

it('pooled random: fresh, non-overlapping slices; a new pool after 64 KiB', () => {
  const random = pooledRandom();
  const first = random.bytes(32);
  const copy = Buffer.from(first);
  const slices = [first];
  for (let i = 0; i < 3000; i++) slices.push(random.bytes(32));
  assert.deepEqual(first, copy, 'a slice handed out never changes');
  assert.equal(new Set(slices.map((s) => s.toString('hex'))).size, slices.length);
  const pools = new Set(slices.map((s) => s.buffer));
  assert.ok(pools.size >= 2, 'more than 64 KiB drawn: a second pool');
  // Within one pool the slices follow each other.
  const same = slices.filter((s) => s.buffer === first.buffer);
  same.forEach((s, i) => {
    assert.equal(s.byteOffset, first.byteOffset + 32 * i);
  });
  assert.equal(random.bytes(20_000).length, 20_000);
  assert.equal(random.bytes(0).length, 0);
});
