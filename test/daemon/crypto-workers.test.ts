/**
 * `--crypto-workers 2`: two daemons on 127.0.0.1 whose DH key pairs (phase 1 and PFS, MODP-2048)
 * come from worker threads complete Main Mode + Quick Mode, again and again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { type DaemonPair, startPair } from './daemon-pair.js';
import { sleep } from './helpers.js';
import { pairConfig } from './pair-config.js';

describe('daemon with --crypto-workers 2', () => {
  let pair: DaemonPair;

  before(async () => {
    pair = await startPair({ cryptoWorkers: 2, config: pairConfig });
  });

  after(() => pair.stop());

  it('completes handshakes with key pairs from the stock', async () => {
    const [a, b]: [Daemon, Daemon] = [pair.services.a.daemon, pair.services.b.daemon];
    assert.match(pair.logs.b.join(''), /2 crypto worker\(s\) make DH key pairs ahead of time/);
    // The configured group is stocked at start.
    for (let i = 0; i < 500 && b.cryptoPool?.counters()[0]?.inStock !== 32; i++) await sleep(20);
    assert.deepEqual(
      b.cryptoPool?.counters().map((c) => [c.group, c.inStock]),
      [[14, 32]],
    );
    for (let round = 0; round < 3; round++) {
      const upB = b.waitFor('child-sa-up', 15_000);
      assert.equal(a.initiate('gw', 'net'), undefined);
      const child = await upB;
      assert.equal(child.sa.proposal, 'aes128-sha256-modp2048');
      const down = b.waitFor('ike-sa-down', 15_000);
      assert.equal(a.terminate('gw'), undefined);
      await down;
    }
    // Phase 1 and PFS: two key pairs a handshake on each side, all from the stock.
    for (const d of [a, b]) {
      const [c] = d.cryptoPool?.counters() ?? [];
      assert.equal(c?.fromStock, 6, pair.describe());
      assert.equal(c?.inline, 0);
      assert.equal(d.cryptoPool?.workers, 2);
    }
    // g^xy too: phase 1's and Quick Mode's PFS one, on the workers (the compute seam).
    assert.equal(
      a.cryptoPool?.summary(),
      'crypto workers: group 14: 6 from stock, 0 inline; g^xy: 6 on workers, 0 inline',
    );
  });
});
