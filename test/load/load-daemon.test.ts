// `ikets load` in one network namespace against an ikets daemon (`ikets start`) in the other: 200
// setups counted with consistent figures; failures counted by reason against a daemon with another
// PSK and one that refuses the proposal; --rate respected (counted, not timed tightly). Skips
// without root and ip.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createNetnsPair,
  ensureTools,
  type IketsDaemon,
  type NetnsPair,
  startIketsDaemon,
  waitUntil,
} from '../interop/harness/index.js';
import { after, before, it, suite } from '../support/suite.js';
import { ikets_load, iketsGatewayConfig, loadInitiatorConfig, ordered } from './netns-load.js';

const tools = ensureTools(['ip']);

suite('ikets load against an ikets daemon', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  let dir = '';
  before(async () => {
    pair = await createNetnsPair();
    dir = mkdtempSync(join(tmpdir(), 'ikets-load-'));
  });
  after(async () => {
    await pair?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function withGateway(
    o: { proposals?: string; psk?: string },
    body: (gateway: IketsDaemon, p: NetnsPair) => Promise<void>,
  ): Promise<void> {
    assert.ok(pair);
    const gateway = await startIketsDaemon({
      ns: pair.b.ns,
      dir,
      name: 'gateway',
      swanctl: iketsGatewayConfig(pair, o),
      args: ['--dataplane', 'none'],
    });
    try {
      await body(gateway, pair);
    } finally {
      await gateway.stop();
    }
  }

  async function ikeSaCount(gateway: IketsDaemon): Promise<number> {
    const listing = await gateway.ikets(['list-sas']);
    return listing.stdout.match(/ESTABLISHED/g)?.length ?? 0;
  }

  it('200 setups, 20 at a time: all counted, percentiles ordered, SAs held (--hold) then deleted', () =>
    withGateway({}, async (gateway, p) => {
      const running = ikets_load(p, dir, loadInitiatorConfig(p), [
        '--count',
        '200',
        '--concurrency',
        '20',
        '--hold',
        '3',
      ]);
      const held = await waitUntil(async () => (await ikeSaCount(gateway)) === 200, 60_000, 500);
      const { result, summary: s } = await running;
      const why = `${JSON.stringify(s, null, 2)}\n${result.stderr}\n--- gateway ---\n${gateway.log().slice(-3000)}`;
      assert.ok(held, `the gateway never held 200 SAs at once\n${why}`);
      assert.equal(result.code, 0, why);
      assert.equal(s.started, 200, why);
      assert.equal(s.established, 200, why);
      assert.equal(s.failed, 0, why);
      assert.deepEqual(s.failures, [], why);
      assert.ok(ordered(s), why);
      assert.ok(s.setupsPerSecond > 0 && s.elapsedSeconds > 0, why);
      assert.ok(s.cpu.perSetupMs !== null && s.cpu.perSetupMs > 0, why);
      assert.equal(s.identities, 'distinct');
      // Deleted at the end, paced so that the gateway's socket buffer keeps up.
      const gone = await waitUntil(async () => (await ikeSaCount(gateway)) === 0, 15_000, 500);
      assert.ok(gone, `${(await gateway.ikets(['list-sas'])).stdout.slice(0, 2000)}\n${why}`);
    }));

  it('another PSK on the gateway: every setup fails as psk-mismatch', () =>
    withGateway({ psk: 'not-the-load-psk-9876543210' }, async (gateway, p) => {
      const { result, summary: s } = await ikets_load(p, dir, loadInitiatorConfig(p), [
        '--count',
        '10',
        '--concurrency',
        '5',
        '--retransmit-timeout',
        '0.3',
        '--retransmit-tries',
        '1',
      ]);
      const why = `${JSON.stringify(s, null, 2)}\n--- gateway ---\n${gateway.log()}`;
      assert.equal(result.code, 1, why);
      assert.equal(s.established, 0, why);
      assert.deepEqual(
        s.failures.map((f) => [f.reason, f.count]),
        [['psk-mismatch', 10]],
        why,
      );
    }));

  it('a gateway refusing the proposal: phase1-refused NO_PROPOSAL_CHOSEN', () =>
    withGateway({ proposals: 'aes256-sha512-modp4096' }, async (gateway, p) => {
      const { result, summary: s } = await ikets_load(p, dir, loadInitiatorConfig(p), [
        '--count',
        '10',
        '--concurrency',
        '5',
        '--retransmit-timeout',
        '0.3',
        '--retransmit-tries',
        '1',
      ]);
      const why = `${JSON.stringify(s, null, 2)}\n--- gateway ---\n${gateway.log()}`;
      assert.equal(result.code, 1, why);
      assert.deepEqual(
        s.failures.map((f) => [f.reason, f.notify, f.count]),
        [['phase1-refused', 'NO_PROPOSAL_CHOSEN', 10]],
        why,
      );
    }));

  it('--rate 20 with --delete: 30 setups take at least 1.45 s (the last starts at 29/20 s)', () =>
    withGateway({}, async (gateway, p) => {
      const { result, summary: s } = await ikets_load(p, dir, loadInitiatorConfig(p), [
        '--count',
        '30',
        '--concurrency',
        '30',
        '--rate',
        '20',
        '--delete',
      ]);
      const why = `${JSON.stringify(s, null, 2)}\n--- gateway ---\n${gateway.log()}`;
      assert.equal(result.code, 0, why);
      assert.equal(s.established, 30, why);
      assert.equal(s.rate, 20);
      assert.ok(s.elapsedSeconds >= 1.45, why);
      assert.ok(s.setupsPerSecond <= 21, why);
      assert.equal(s.deleteAfterSetup, true);
      assert.equal(await ikeSaCount(gateway), 0, why);
    }));
});
