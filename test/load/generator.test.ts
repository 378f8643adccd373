// The load generator (src/load) against an ikets responder engine in memory on a simulated clock:
// setups counted, latencies ordered, failures by typed reason, the rate kept, identities distinct.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize } from '../../src/load/index.js';
import { type MemoryRunResult, memoryRun } from './memory-run.js';

function summary(r: MemoryRunResult, count?: number) {
  return summarize(r.generator, r.plan, {
    count,
    concurrency: 8,
    rate: undefined,
    durationMs: undefined,
    deleteAfterSetup: false,
    cpu: { user: 1000, system: 0 },
  });
}

function responderIkeSas(r: MemoryRunResult) {
  return r.responder.ikeSaList().filter((sa) => sa.state === 'established');
}

describe('ikets load generator (in memory)', () => {
  it('50 Main Mode + Quick Mode setups: all counted, percentiles ordered, distinct identities and cookies', () => {
    const r = memoryRun({ count: 50, concurrency: 8 });
    const s = summary(r, 50);
    assert.equal(s.started, 50);
    assert.equal(s.established, 50);
    assert.equal(s.failed, 0);
    assert.deepEqual(s.failures, []);
    assert.equal(s.retransmissions, 0);
    const l = s.latencyMs;
    assert.ok(l !== null);
    assert.ok(
      l.min > 0 && l.min <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max,
      JSON.stringify(l),
    );
    // Main Mode (3 round trips) and Quick Mode (1.5) at 5-10 ms a hop.
    assert.ok(l.min >= 45 && l.max < 200, JSON.stringify(l));
    assert.equal(s.identities, 'distinct');
    assert.equal(s.cpu.perSetupMs, 0.02);
    const ike = responderIkeSas(r);
    assert.equal(ike.length, 50);
    assert.equal(new Set(ike.map((sa) => sa.remoteId)).size, 50);
    assert.ok(
      ike.some((sa) => sa.remoteId === 'c1.load.test') && ike.some((sa) => sa.remoteId === 'c50.load.test'),
    );
    assert.equal(new Set(ike.map((sa) => sa.initiatorCookie)).size, 50);
    assert.equal(r.responder.childSaList().length, 50);
  });

  it('never more setups in flight than the concurrency', () => {
    const r = memoryRun({ count: 40, concurrency: 3 });
    assert.equal(r.generator.established, 40);
    assert.equal(r.maxInFlight, 3);
    // 40 setups three at a time take at least 14 rounds of a setup's minimum (4.5 round trips of 10 ms).
    assert.ok(r.elapsedMs >= 14 * 45, `${r.elapsedMs} ms`);
  });

  it('Aggressive Mode, and phase 1 only for a connection without children', () => {
    const aggressive = memoryRun({ count: 10, aggressive: true });
    assert.equal(aggressive.generator.established, 10);
    assert.equal(aggressive.responder.childSaList().length, 10);
    const phase1 = memoryRun({ count: 10, children: false });
    assert.equal(phase1.generator.established, 10);
    assert.equal(phase1.responder.childSaList().length, 0);
    assert.equal(summary(phase1).child, null);
  });

  it('--delete: each setup deleted once counted, the responder holds nothing at the end', () => {
    const r = memoryRun({ count: 20, deleteAfterSetup: true });
    assert.equal(r.generator.established, 20);
    assert.equal(responderIkeSas(r).length, 0);
    assert.equal(r.responder.childSaList().length, 0);
    assert.equal(
      r.responderEvents.filter((e) => e.type === 'ike-sa-down' && e.reason === 'remote').length,
      20,
    );
  });

  it('--rate: setups start on a fixed schedule (counted on the simulated clock)', () => {
    const r = memoryRun({ count: 30, concurrency: 30, rate: 10 });
    assert.equal(r.generator.established, 30);
    // 10 a second: by the end of second k at most 10(k+1) have started.
    r.startedBySecond.forEach((started, second) => {
      if (started !== undefined) assert.ok(started <= 10 * (second + 1), `${started} by second ${second}`);
    });
    assert.ok(r.elapsedMs >= 2900, `${r.elapsedMs} ms`);
  });

  it('--duration: no setup starts after it', () => {
    const r = memoryRun({ durationMs: 1000, concurrency: 2 });
    assert.ok(r.generator.started > 5);
    assert.equal(r.generator.established, r.generator.started);
    // Each setup takes >= 45 ms: two at a time start at most 2 * (1000 / 45 + 1) in one second.
    assert.ok(r.generator.started <= 2 * 24, `${r.generator.started}`);
  });

  it('a wrong PSK: every setup fails as psk-mismatch', () => {
    const r = memoryRun({ count: 6, responderPsk: 'another-psk-9876543210' });
    const s = summary(r);
    assert.equal(s.established, 0);
    assert.deepEqual(
      s.failures.map((f) => [f.reason, f.count]),
      [['psk-mismatch', 6]],
    );
    assert.match(s.failures[0]?.example ?? '', /pre-shared keys probably differ/);
    assert.ok(s.retransmissions >= 6, `${s.retransmissions}`);
    assert.equal(responderIkeSas(r).length, 0);
  });

  it('a gateway that never answers: no-response, after the retransmissions', () => {
    const r = memoryRun({ count: 4, blackhole: true });
    const s = summary(r);
    assert.deepEqual(
      s.failures.map((f) => [f.reason, f.count]),
      [['no-response', 4]],
    );
    // Each first message sent once and retransmitted twice (retransmitTries 2).
    assert.equal(s.retransmissions, 8);
  });

  it('Quick Modes never answered: quick-mode-timeout once no retransmission schedule is left', () => {
    const r = memoryRun({ count: 3, dropExchanges: [32] });
    const s = summary(r);
    assert.deepEqual(
      s.failures.map((f) => [f.reason, f.count]),
      [['quick-mode-timeout', 3]],
    );
    // The engine reports a Quick Mode it gives up (child-sa-failed) once its retransmissions ran out.
    assert.ok(r.elapsedMs >= 500 + 900 + 1620, `${r.elapsedMs}`);
    assert.equal(r.responder.ikeSaList().length, 0);
  });

  it('a refused phase 1 proposal: phase1-refused NO_PROPOSAL_CHOSEN', () => {
    const r = memoryRun({ count: 6, responderProposals: 'aes256-sha512-modp4096' });
    const s = summary(r);
    assert.deepEqual(
      s.failures.map((f) => [f.reason, f.notify, f.count]),
      [['phase1-refused', 'NO_PROPOSAL_CHOSEN', 6]],
    );
  });

  it('a refused Quick Mode proposal: quick-mode-refused NO_PROPOSAL_CHOSEN, the ISAKMP SA deleted', () => {
    const r = memoryRun({ count: 5, responderEsp: 'aes256gcm16' });
    const s = summary(r);
    assert.deepEqual(
      s.failures.map((f) => [f.reason, f.notify, f.count]),
      [['quick-mode-refused', 'NO_PROPOSAL_CHOSEN', 5]],
    );
    assert.equal(responderIkeSas(r).length, 0);
  });

  it('an interrupted run counts what was in flight as interrupted', () => {
    const r = memoryRun({ count: 100, concurrency: 10, stopAtMs: 200 });
    const s = summary(r);
    assert.ok(s.established > 0 && s.established < 100);
    assert.deepEqual(
      s.failures.map((f) => f.reason),
      ['interrupted'],
    );
    assert.equal(s.established + s.failed, s.started);
    assert.ok(s.started < 100);
  });

  it('setups spread over source ports, round-robin', () => {
    const r = memoryRun({ count: 12, sources: 4 });
    const ports = responderIkeSas(r).map((sa) => sa.remote.port);
    assert.deepEqual(
      [500, 501, 502, 503].map((p) => ports.filter((x) => x === p).length),
      [3, 3, 3, 3],
    );
  });
});
