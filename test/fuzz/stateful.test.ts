/**
 * The stateful fuzzer's short run in `npm test` (the long one: `npm run fuzz -- --stateful SECONDS`):
 * 12 seeded scenarios (PSK, signatures, pke, pke-revised in turn), 10 mutants before every datagram an
 * endpoint receives (about 3,000 in all).
 * Nothing may escape the engine, no datagram may take a second, the state stays bounded and a
 * legitimate exchange completes after each scenario; and the mutants reach every state, so the run
 * cannot pass by fuzzing nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH_METHODS } from './auth-methods.js';
import { formatStats, newStats, runStateful } from './stateful.js';

const STATES = [
  'MM1 responder',
  'MM2 initiator',
  'MM3 responder',
  'MM4 initiator',
  'MM5 responder',
  'MM6 initiator',
  'AM1 responder',
  'AM2 initiator',
  'AM3 responder',
  'QM1 responder',
  'QM2 initiator',
  'QM3 responder',
  'Informational DPD initiator',
  'Informational DPD responder',
  'Informational Notify initiator',
  'Informational Notify responder',
];

describe('stateful fuzzer (short run, seed 1)', () => {
  it('mutants in every state of Main, Aggressive and Quick Mode and Informational: no failure', () => {
    const start = Date.now();
    const stats = runStateful(1, { scenarios: 12 }, newStats(), undefined, 10);
    const report = formatStats(stats, (Date.now() - start) / 1000);
    assert.equal(stats.failures.length, 0, report);
    assert.equal(stats.scenarios, 12);
    assert.ok(stats.datagrams >= 2000, report);
    for (const state of STATES)
      assert.ok((stats.perState.get(state) ?? 0) > 0, `${state} not reached\n${report}`);
    // Every phase 1 authentication: pre-shared keys, signatures, SKEME PKE in both revisions.
    for (const auth of AUTH_METHODS)
      assert.ok((stats.perAuth.get(auth) ?? 0) > 200, `${auth}: too few mutants\n${report}`);
    const deletes = [...stats.perState].filter(([k]) => k.startsWith('Informational Delete'));
    assert.ok(deletes.length > 0, report);
    // The mutants that matter most: decrypted with the real keys and re-HASHed.
    const rehashed = [...stats.perKind].filter(([k]) => k.startsWith('decrypted') && k.includes('re-HASHed'));
    assert.ok(rehashed.reduce((n, [, c]) => n + c, 0) > 50, report);
  });
});
