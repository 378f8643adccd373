/**
 * SKEME public-key encryption between two ikets endpoints on the simulated network (RFC 2409
 * sections 5.2 and 5.3): the matrix (pke, pke-revised) x (Main, Aggressive) x (Quick Mode with and
 * without PFS), on a clean and a lossy network, with the peer's key from a certificate or raw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCrosswise } from './peers.js';
import { pkePair } from './pke-peers.js';

const LOSSY = { latency: 5, loss: 0.2, duplication: 0.05, reorder: 0.1, reorderDelay: 20 };

describe('SKEME public-key encryption (ikets <-> ikets)', () => {
  for (const method of ['pke', 'pke-revised'] as const) {
    for (const aggressive of [false, true]) {
      for (const pfs of [true, false]) {
        for (const lossy of [false, true]) {
          const name = `${method} in ${aggressive ? 'Aggressive' : 'Main'} Mode, Quick Mode ${pfs ? 'with' : 'without'} PFS${lossy ? ', lossy network' : ''}`;
          it(name, () => {
            const { net, a, b } = pkePair(
              method,
              { aggressive, espProposals: pfs ? 'aes128-sha256-modp2048' : 'aes128-sha256' },
              lossy ? LOSSY : undefined,
              `${name}`,
            );
            a.initiate(0, 'gw', 'net');
            net.run(lossy ? 120_000 : 10_000);
            const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
            assert.equal(a.ikeSaList()[0]?.state, 'established', logs);
            assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
            assert.equal(a.ikeSaList()[0]?.suite?.auth, method);
            assert.equal(b.ikeSaList()[0]?.suite?.auth, method);
            assert.equal(b.ikeSaList()[0]?.remoteId, 'a.ikets.test');
            assert.equal(a.ikeSaList()[0]?.remoteId, 'b.ikets.test');
            assertCrosswise(a.childSaList(), b.childSaList());
            assert.match(logs, new RegExp(`authentication of 'a.ikets.test' with ${method} successful`));
            assert.match(logs, new RegExp(`authentication of 'b.ikets.test' with ${method} successful`));
          });
        }
      }
    }
  }
});
