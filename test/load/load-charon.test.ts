// `ikets load` against strongSwan's charon as the gateway (in a network namespace, kernel-libipsec):
// 100 Main Mode + Quick Mode PSK setups from distinct identities, all counted; charon holds them all
// while `--hold` keeps them, and they are deleted at the end. Skips without root, ip or charon.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  type NetnsPair,
  startCharon,
  waitUntil,
} from '../interop/harness/index.js';
import { after, before, it, suite } from '../support/suite.js';
import { ikets_load, LOAD_PSK, loadInitiatorConfig, ordered } from './netns-load.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

suite('ikets load against charon', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  let charon: Charon | undefined;
  let dir = '';
  before(async () => {
    pair = await createNetnsPair();
    dir = mkdtempSync(join(tmpdir(), 'ikets-load-charon-'));
    charon = await startCharon({
      name: 'gw',
      netns: pair.b.ns,
      log: { default: 0, ike: 1, cfg: 0, net: 0, enc: 0, knl: 0, chd: 0 },
      // As strongSwan's load-tester documentation advises for load against a gateway: no DoS
      // protection (it would cap half-open SAs per peer address at 5).
      charon: { dos_protection: 'no', block_threshold: 10000 },
      swanctl: {
        connections: {
          gw: {
            version: 1,
            local_addrs: pair.b.ipv4,
            remote_addrs: '%any',
            proposals: 'aes128-sha256-x25519',
            local: { auth: 'psk', id: 'gw.load.test' },
            remote: { auth: 'psk', id: '%any' },
            children: {
              net: {
                esp_proposals: 'aes128-sha256',
                local_ts: `${pair.b.ipv4}/32`,
                remote_ts: `${pair.a.ipv4}/32`,
                mode: 'tunnel',
              },
            },
          },
        },
        secrets: { 'ike-gw': { 'id-gw': 'gw.load.test', secret: LOAD_PSK } },
      },
    });
  });
  after(async () => {
    await charon?.stop();
    await pair?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('100 setups from distinct identities, 10 at a time: all counted; charon holds them, then none', async () => {
    assert.ok(pair && charon);
    const gateway = charon;
    const ikeSas = async () => (await gateway.listSas()).ikeSas;
    const running = ikets_load(pair, dir, loadInitiatorConfig(pair), [
      '--count',
      '100',
      '--concurrency',
      '10',
      '--hold',
      '3',
    ]);
    let seen = 0;
    const held = await waitUntil(
      async () => {
        seen = (await ikeSas()).length;
        return seen === 100;
      },
      90_000,
      500,
    );
    const { result, summary: s } = await running;
    const why = `${JSON.stringify(s, null, 2)}\n${result.stderr}\n--- charon ---\n${gateway.readLog().slice(-4000)}`;
    assert.ok(held, `charon held ${seen} IKE SAs, never 100\n${why}`);
    assert.equal(result.code, 0, why);
    assert.equal(s.started, 100, why);
    assert.equal(s.established, 100, why);
    assert.equal(s.failed, 0, why);
    assert.equal(s.droppedAfterSetup, 0, why);
    assert.ok(ordered(s), why);
    const gone = await waitUntil(async () => (await ikeSas()).length === 0, 20_000, 500);
    assert.ok(gone, `charon still holds IKE SAs after the run\n${why}`);
  });
});
