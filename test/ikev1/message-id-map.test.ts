/** The per-exchange records of an ISAKMP SA (src/ikev1/sa/message-id-map.ts), checked against Map and Set. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MessageIdMap, MessageIdSet } from '../../src/ikev1/sa/message-id-map.js';

// Message IDs are 32-bit: SMIs and, above 2^30, heap numbers, both compared by value.
const id = fc.oneof(fc.nat({ max: 7 }), fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff));
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id, value: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), id }),
  fc.record({ kind: fc.constant('clear' as const) }),
);

describe('MessageIdMap and MessageIdSet', () => {
  it('property: a MessageIdMap answers as a Map after any sequence of set/delete/clear, in insertion order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const map = new MessageIdMap<number>();
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            assert.equal(map.set(o.id, o.value), map);
            model.set(o.id, o.value);
          } else if (o.kind === 'delete') assert.equal(map.delete(o.id), model.delete(o.id));
          else {
            map.clear();
            model.clear();
          }
          assert.equal(map.size, model.size);
          assert.deepEqual([...map], [...model]);
          assert.deepEqual([...map.keys()], [...model.keys()]);
          assert.deepEqual([...map.values()], [...model.values()]);
          for (let k = 0; k < 8; k++) {
            assert.equal(map.get(k), model.get(k));
            assert.equal(map.has(k), model.has(k));
          }
        }
      }),
    );
  });

  it('iterates over the entries as they were when iteration began, so deleting while iterating is safe', () => {
    const map = new MessageIdMap<string>();
    for (const k of [1, 2, 3, 4]) map.set(k, `m${k}`);
    const seen: number[] = [];
    for (const [k] of map) {
      seen.push(k);
      map.delete(k + 1);
    }
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.deepEqual([...map.keys()], [1]);
  });

  it('property: a MessageIdSet answers as a Set, and keepNewest drops the oldest IDs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), id), { maxLength: 80 }),
        fc.nat({ max: 10 }),
        (ops, limit) => {
          const set = new MessageIdSet();
          const model = new Set<number>();
          for (const [add, k] of ops) {
            if (add) {
              set.add(k);
              model.add(k);
            } else assert.equal(set.delete(k), model.delete(k));
            assert.equal(set.size, model.size);
            assert.deepEqual([...set], [...model]);
            assert.equal(set.has(k), model.has(k));
          }
          set.keepNewest(limit);
          assert.deepEqual([...set], [...model].slice(Math.max(0, model.size - limit)));
        },
      ),
    );
  });

  it('holds 1,024 IDs (an SA with DPD for hours) in order, each once', () => {
    const set = new MessageIdSet();
    for (let k = 0; k < 2000; k++) set.add((k * 2654435761) >>> 0);
    set.add((1999 * 2654435761) >>> 0);
    set.keepNewest(1024);
    assert.equal(set.size, 1024);
    assert.equal([...set][0], (976 * 2654435761) >>> 0);
    assert.ok(set.has((1999 * 2654435761) >>> 0) && !set.has((975 * 2654435761) >>> 0));
  });
});
