import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { type DhKeySource, dhGroup, type RandomSource } from '../../src/crypto/index.js';
import { DhWorkerPool } from '../../src/daemon/crypto-pool/dh-pool.js';
import { DhKeyStock } from '../../src/daemon/crypto-pool/dh-stock.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import { SimulatedNetwork } from '../support/simulated-network.js';
import { assertCrosswise, peerConfig } from './peers.js';

// The engine with key pairs a worker pool made ahead of time sends the same bytes as with key pairs
// generated inline, for a fixed seed: the pool draws the private values from the random source it
// is given, in order, on the event loop; only g^x is computed in the workers.

/** Main Mode + Quick Mode with PFS, every datagram recorded. */
function handshake(proposals: string, dhKeys: (side: 'a' | 'b') => DhKeySource): string[] {
  const net = new SimulatedNetwork(undefined, 'dh-source');
  const wire: string[] = [];
  net.tap = (from, t) => wire.push(`${from} ${Buffer.from(t.data).toString('hex')}`);
  const o = { proposals, espProposals: proposals };
  const hosts = (['a', 'b'] as const).map((side, i) => {
    const endpoint = new EndpointCore(
      {
        config: parseSwanctlConfig(peerConfig(side, o)),
        random: seededRandom(`dh-source-${side}`),
        dhKeys: dhKeys(side),
      },
      0,
    );
    net.attach(side, endpoint, [
      { address: `192.0.2.${i + 1}`, port: 500 },
      { address: `192.0.2.${i + 1}`, port: 4500 },
    ]);
    return endpoint;
  });
  const [a, b] = hosts;
  assert.ok(a && b);
  assert.equal(a.initiate(0, 'gw', 'net'), undefined);
  net.run(10_000);
  assertCrosswise(a.childSaList(), b.childSaList());
  assert.equal(a.childSaList().length, 1);
  return wire;
}

function inline(random: RandomSource): DhKeySource {
  return { keyPair: (group) => group.generate(random) };
}

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 20_000) assert.fail('the stocks did not fill');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('IKEv1 engine: DH key pairs from a worker pool', () => {
  const pools: DhWorkerPool[] = [];
  after(async () => {
    for (const p of pools) await p.close();
  });

  for (const [group, proposals] of [
    [14, 'aes128-sha256-modp2048'],
    [31, 'aes128-sha256-curve25519'],
  ] as const) {
    it(`sends the same datagrams as inline generation for a fixed seed (${proposals})`, async () => {
      const expected = handshake(proposals, (side) => inline(seededRandom(`dh-${side}`)));
      const stocks = new Map<string, DhKeyStock>();
      for (const side of ['a', 'b']) {
        const pool = new DhWorkerPool({ size: 2, random: seededRandom(`dh-${side}`) });
        pools.push(pool);
        // One batch the size of the stock: the pairs arrive in the order their private values were drawn.
        const stock = new DhKeyStock(pool, { capacity: 4, batch: 4 });
        stock.prefill([dhGroup(group)]);
        stocks.set(side, stock);
      }
      await until(() => [...stocks.values()].every((s) => s.counters()[0]?.inStock === 4));
      const got = handshake(proposals, (side) => {
        const stock = stocks.get(side);
        assert.ok(stock);
        return stock;
      });
      assert.equal(got.length, 9);
      assert.deepEqual(got, expected);
      // Each side took its phase 1 and its PFS key pair from the stock, none inline.
      for (const stock of stocks.values())
        assert.deepEqual(
          stock.counters().map((c) => [c.fromStock, c.inline]),
          [[2, 0]],
        );
    });
  }
});
