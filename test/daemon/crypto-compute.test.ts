/**
 * `--crypto-workers 1`: two daemons on 127.0.0.1 whose MODP-2048 g^xy the engine sends out
 * (src/ikev1/compute-queue.ts) to the one worker thread complete Main Mode + Quick Mode with PFS,
 * both as initiator and as responder; an X25519 g^xy stays inline (compute-shell.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { type DaemonPair, startPair } from './daemon-pair.js';
import { pairConfig } from './pair-config.js';

describe('daemon with --crypto-workers 1: g^xy on the worker', () => {
  let pair: DaemonPair;
  const daemons = (): [Daemon, Daemon] => [pair.services.a.daemon, pair.services.b.daemon];

  before(async () => {
    pair = await startPair({
      cryptoWorkers: 1,
      config: (self, ports) => {
        // A second connection between the same daemons with X25519 and other subnets: the responder
        // tells the two apart by the proposal, and the children by their selectors.
        const x25519 = pairConfig(self, ports)
          .replace(/\n {2}gw \{/, '\n  gwx {')
          .replace(/modp2048/g, 'curve25519')
          .replace(/\n {6}net \{/, '\n      netx {')
          .replace(/10\.1\.0/g, '10.3.0')
          .replace(/10\.2\.0/g, '10.4.0');
        const both = pairConfig(self, ports).replace(
          /^connections \{\n/m,
          `connections {\n${x25519.slice(x25519.indexOf('  gwx {'), x25519.lastIndexOf('\n}\nsecrets'))}\n`,
        );
        return both;
      },
    });
  });

  after(() => pair.stop());

  it('completes Main Mode + Quick Mode with MODP-2048 g^xy computed on the worker, in both roles', async () => {
    const [a, b] = daemons();
    assert.match(
      pair.logs.b.join(''),
      /1 crypto worker\(s\) make DH key pairs ahead of time and compute MODP g\^xy/,
    );
    for (const [initiator, responder] of [
      [a, b],
      [b, a],
    ] as const) {
      const up = responder.waitFor('child-sa-up', 15_000);
      const upHere = initiator.waitFor('child-sa-up', 15_000);
      assert.equal(initiator.initiate('gw', 'net'), undefined);
      const [child, mine] = await Promise.all([up, upHere]);
      assert.equal(child.sa.proposal, 'aes128-sha256-modp2048');
      assert.equal(child.sa.spiIn, mine.sa.spiOut);
      const down = responder.waitFor('ike-sa-down', 15_000);
      assert.equal(initiator.terminate('gw'), undefined);
      await down;
    }
    // Per side and handshake one phase 1 g^xy and one Quick Mode (PFS) g^xy, each on the worker,
    // none inline.
    for (const d of [a, b]) assert.deepEqual(d.cryptoPool?.computeCounters(), { onWorkers: 4, inline: 0 });
  });

  it('keeps an X25519 g^xy inline', async () => {
    const [a, b] = daemons();
    const up = b.waitFor('child-sa-up', 15_000);
    assert.equal(a.initiate('gwx', 'netx'), undefined);
    const child = await up;
    assert.equal(child.sa.proposal, 'aes128-sha256-curve25519');
    for (const d of [a, b]) assert.deepEqual(d.cryptoPool?.computeCounters(), { onWorkers: 4, inline: 0 });
  });
});
