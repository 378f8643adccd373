import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type DhGroup, type DhKeyPair, dhGroup } from '../../src/crypto/index.js';
import { worthStocking } from '../../src/daemon/crypto-pool/crypto-pool.js';
import { DhWorkerPool } from '../../src/daemon/crypto-pool/dh-pool.js';
import { DhKeyStock, type DhProducer } from '../../src/daemon/crypto-pool/dh-stock.js';
import { seededRandom } from '../support/seeded-random.js';

const MODP2048 = dhGroup(14);
const X25519 = dhGroup(31);
const P256 = dhGroup(19);

/** A producer that keeps the requests for the test to answer. */
function manualProducer() {
  const requests: { group: DhGroup; count: number; deliver: (pairs: readonly DhKeyPair[]) => void }[] = [];
  const random = seededRandom('manual');
  const producer: DhProducer = {
    produce(group, count, deliver) {
      requests.push({ group, count, deliver });
      return true;
    },
  };
  const answer = (i: number) => {
    const r = requests[i];
    assert.ok(r);
    r.deliver(Array.from({ length: r.count }, () => r.group.generate(random)));
  };
  return { producer, requests, answer };
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 20_000) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('DH key stock', () => {
  it('fills up to its capacity in batches, hands each pair out once and refills as used', () => {
    const { producer, requests, answer } = manualProducer();
    const stock = new DhKeyStock(producer, { capacity: 4, batch: 2 });
    stock.prefill([MODP2048]);
    // Two batches of 2: stock and pending together never exceed the capacity.
    assert.deepEqual(
      requests.map((r) => r.count),
      [2, 2],
    );
    assert.deepEqual(stock.counters(), [{ group: 14, inStock: 0, pending: 4, fromStock: 0, inline: 0 }]);
    // Empty: generated inline (and no further request, the stock is full of pending work).
    const random = seededRandom('inline');
    const inline = stock.keyPair(MODP2048, random);
    assert.deepEqual(inline.publicValue, MODP2048.generate(seededRandom('inline')).publicValue);
    assert.equal(requests.length, 2);
    answer(0);
    answer(1);
    assert.deepEqual(stock.counters(), [{ group: 14, inStock: 4, pending: 0, fromStock: 0, inline: 1 }]);
    const taken = [stock.keyPair(MODP2048, random)];
    // One gap is less than a batch: no request yet.
    assert.equal(requests.length, 2);
    taken.push(stock.keyPair(MODP2048, random));
    assert.deepEqual(
      requests.map((r) => r.count),
      [2, 2, 2],
    );
    answer(2);
    taken.push(stock.keyPair(MODP2048, random), stock.keyPair(MODP2048, random));
    const publics = new Set(taken.map((p) => p.publicValue.toString('hex')));
    assert.equal(publics.size, 4, 'every pair handed out once');
    assert.deepEqual(stock.counters(), [{ group: 14, inStock: 2, pending: 2, fromStock: 4, inline: 1 }]);
  });

  it('stocks a group met for the first time, and never a group that cannot be precomputed (ECP)', () => {
    const { producer, requests } = manualProducer();
    const stock = new DhKeyStock(producer, { capacity: 2, batch: 2 });
    stock.keyPair(X25519, seededRandom('x'));
    stock.keyPair(P256, seededRandom('p'));
    assert.deepEqual(
      requests.map((r) => r.group.id),
      [31],
    );
    assert.deepEqual(
      stock.counters().map((c) => [c.group, c.inline]),
      [[31, 1]],
    );
  });

  it("stocks only the groups its policy names: the daemon's, MODP and not X25519 (inline is cheaper)", () => {
    const { producer, requests } = manualProducer();
    const stock = new DhKeyStock(producer, { capacity: 2, batch: 2, stocked: worthStocking });
    stock.prefill([MODP2048, X25519, P256]);
    const pair = stock.keyPair(X25519, seededRandom('x'));
    assert.equal(pair.publicValue.length, 32);
    assert.deepEqual(
      requests.map((r) => r.group.id),
      [14],
    );
    assert.deepEqual(
      stock.counters().map((c) => c.group),
      [14],
    );
    assert.deepEqual([MODP2048, dhGroup(2), X25519, dhGroup(32), P256].map(worthStocking), [
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('stops asking when the producer cannot make any more', () => {
    let asked = 0;
    const producer: DhProducer = {
      produce: () => {
        asked++;
        return false;
      },
    };
    const stock = new DhKeyStock(producer, { capacity: 4, batch: 2 });
    stock.prefill([MODP2048, X25519]);
    stock.keyPair(MODP2048, seededRandom('y'));
    assert.equal(asked, 1);
  });
});

describe('DH worker pool', () => {
  const pools: DhWorkerPool[] = [];
  after(async () => {
    for (const p of pools) await p.close();
  });

  it('makes the key pairs inline generation makes from the same private values, usable for DH', async () => {
    const pool = new DhWorkerPool({ size: 2, random: seededRandom('pool') });
    pools.push(pool);
    const stock = new DhKeyStock(pool, { capacity: 4, batch: 2 });
    stock.prefill([MODP2048, X25519]);
    await until('full stocks', () => stock.counters().every((c) => c.inStock === 4));
    const inline = seededRandom('pool');
    for (const group of [MODP2048, X25519]) {
      for (let i = 0; i < 4; i++) {
        // The pool drew private values in request order: MODP 2 + 2, X25519 2 + 2 (one worker each).
        const pair = stock.keyPair(group, seededRandom('unused'));
        const peer = group.generate(seededRandom(`peer-${i}`));
        assert.deepEqual(pair.computeSecret(peer.publicValue), peer.computeSecret(pair.publicValue));
      }
    }
    // Same private values, same public values: requests went out MODP, MODP, X25519, X25519.
    const expected = [MODP2048, MODP2048, MODP2048, MODP2048, X25519, X25519, X25519, X25519].map((g) =>
      g.generate(inline).publicValue.toString('hex'),
    );
    const again = new DhWorkerPool({ size: 1, random: seededRandom('pool') });
    pools.push(again);
    const got: string[] = [];
    for (const group of [MODP2048, MODP2048, X25519, X25519]) {
      const pairs = await new Promise<readonly DhKeyPair[]>((resolve) => again.produce(group, 2, resolve));
      got.push(...pairs.map((p) => p.publicValue.toString('hex')));
    }
    assert.deepEqual(got, expected);
  });

  it('a worker that dies is logged and dropped; with none left the stock falls back inline', async () => {
    const logs: string[] = [];
    const pool = new DhWorkerPool({
      size: 1,
      workerUrl: new URL('./crashing-dh-worker.js', import.meta.url),
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    pools.push(pool);
    const stock = new DhKeyStock(pool, { capacity: 2, batch: 2 });
    stock.prefill([MODP2048]);
    await until('the crash', () => pool.size === 0);
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(
      logs[0] ?? '',
      /^warn: crypto worker 0 failed: crypto worker crash \(test\); DH key pairs are generated inline/,
    );
    assert.deepEqual(stock.counters(), [{ group: 14, inStock: 0, pending: 0, fromStock: 0, inline: 0 }]);
    const pair = stock.keyPair(MODP2048, seededRandom('after-crash'));
    assert.deepEqual(pair.publicValue, MODP2048.generate(seededRandom('after-crash')).publicValue);
    assert.deepEqual(stock.counters(), [{ group: 14, inStock: 0, pending: 0, fromStock: 0, inline: 1 }]);
  });
});
