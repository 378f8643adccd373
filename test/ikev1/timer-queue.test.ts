/** The timer queue: an indexed min-heap with one entry per SA, checked against a plain map. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import { TimerQueue } from '../../src/ikev1/sa/timer-queue.js';

const op = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    sa: fc.nat({ max: 15 }),
    at: fc.integer({ min: 0, max: 1000 }),
  }),
  fc.record({ kind: fc.constant('clear' as const), sa: fc.nat({ max: 15 }) }),
  fc.record({ kind: fc.constant('delete' as const), sa: fc.nat({ max: 15 }) }),
);

describe('TimerQueue', () => {
  it('property: after any sequence of set/delete, one entry per SA and the top is the earliest', () => {
    const sas = Array.from({ length: 16 }, (_, id) => ({ id }) as unknown as IkeSa);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new TimerQueue();
        const model = new Map<IkeSa, number>();
        for (const o of ops) {
          const sa = sas[o.sa]!;
          if (o.kind === 'set') {
            queue.set(sa, o.at);
            model.set(sa, o.at);
          } else if (o.kind === 'clear') {
            queue.set(sa, Number.POSITIVE_INFINITY);
            model.delete(sa);
          } else {
            queue.delete(sa);
            model.delete(sa);
          }
          assert.equal(queue.size, model.size);
          const min = Math.min(...model.values());
          assert.equal(queue.peek()?.at, model.size === 0 ? undefined : min);
          for (const [s, at] of model) assert.equal(queue.get(s), at);
        }
      }),
      { numRuns: 300, seed: 10 },
    );
  });
});
