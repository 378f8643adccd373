/** The queue of datagrams that leave a little later (src/ikev1/delayed-transmits.ts): ordered, bounded. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelayedTransmits } from '../../src/ikev1/delayed-transmits.js';
import type { Transmit } from '../../src/sa/types.js';

const local = { address: '192.0.2.1', port: 500 };
const remote = { address: '192.0.2.2', port: 500 };
const datagram = (n: number): Transmit => ({ local, remote, data: new Uint8Array([n]) });
const bytes = (ts: readonly Transmit[]) => ts.map((t) => t.data[0]);

describe('DelayedTransmits', () => {
  it('gives the datagrams back in the order of their time, each message whole, and none early', () => {
    const q = new DelayedTransmits();
    assert.ok(q.add(300, [datagram(3)]));
    assert.ok(q.add(100, [datagram(1), datagram(2)]));
    assert.ok(q.add(300, [datagram(4)]));
    assert.equal(q.next(), 100);
    assert.deepEqual(bytes(q.take(99)), []);
    assert.deepEqual(bytes(q.take(100)), [1, 2]);
    assert.equal(q.next(), 300);
    assert.deepEqual(bytes(q.take()), [3, 4]);
    assert.equal(q.next(), undefined);
  });

  it('refuses past its bound, so that the caller sends at once', () => {
    const q = new DelayedTransmits(2);
    assert.ok(q.add(1, [datagram(1)]));
    assert.ok(q.add(2, [datagram(2)]));
    assert.equal(q.add(3, [datagram(3)]), false);
    assert.equal(q.size, 2);
  });
});
