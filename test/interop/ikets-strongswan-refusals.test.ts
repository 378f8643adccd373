// ikets refusing what charon sends, and charon hearing why: an IKEv2 initiator gets
// N(INVALID-MAJOR-VERSION) (RFC 2408 section 5.2); an identity ikets does not accept in Main Mode
// message 5 or 6 gets an encrypted N(INVALID-ID-INFORMATION) that charon decrypts (RFC 2409
// Appendix B). Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  hostToHost,
  type NetnsPair,
  startCharon,
  waitUntil,
} from './harness/index.js';
import { IketsPeer } from './ikets-peer-client.js';
import { CONN, FAST_SETTINGS, iketsConfig, logsOf, PSK, startPeers } from './strongswan-peers.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

describe('ikets refuses, charon hears why', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  before(async () => {
    pair = await createNetnsPair();
  });
  after(async () => {
    await pair?.destroy();
  });

  /** charon in b as `c.ikets.test`, which ikets (expecting `b.ikets.test`) refuses, with the same PSK. */
  async function withStrangerCharon(
    body: (charon: Charon, ikets: IketsPeer) => Promise<void>,
  ): Promise<void> {
    assert.ok(pair);
    const charon = await startCharon({
      name: 'b',
      netns: pair.b.ns,
      log: { ike: 1, cfg: 1, net: 1, enc: 1 },
      swanctl: hostToHost({
        name: CONN,
        version: 1,
        localAddr: pair.b.ipv4,
        remoteAddr: pair.a.ipv4,
        localId: 'c.ikets.test',
        remoteId: 'a.ikets.test',
        auth: 'psk',
        psk: PSK,
      }),
    });
    try {
      const ikets = await IketsPeer.start({
        netns: pair.a.ns,
        address: pair.a.ipv4,
        config: iketsConfig(pair, { proposals: 'aes128-sha256-modp2048', esp: 'aes128-sha256' }),
        settings: FAST_SETTINGS,
      });
      try {
        await body(charon, ikets);
      } finally {
        await ikets.stop();
      }
    } finally {
      await charon.stop();
    }
  }

  for (const who of ['charon', 'ikets'] as const) {
    const message = who === 'charon' ? 5 : 6;
    it(`identity refused in Main Mode message ${message} (${who} initiates): charon decrypts N(INVALID-ID-INFORMATION)`, () =>
      withStrangerCharon(async (charon, ikets) => {
        const from = ikets.events.length;
        if (who === 'ikets') ikets.initiate(CONN, CONN);
        else await charon.swanctl(['--initiate', '--child', CONN, '--timeout', '1'], true);
        const why = () => `${charon.readLog()}\n--- ikets ---\n${ikets.logs()}`;
        await ikets.waitFor((e) => e.type === 'ike-sa-down', 10_000, from);
        assert.match(ikets.logs(), /phase 1 failed: .*c\.ikets\.test/, why());
        assert.ok(await charon.waitForLog(/received INVALID_ID_INFORMATION error notify/, 5000), why());
        assert.doesNotMatch(charon.readLog(), /decryption failed/, why());
        assert.ok(!ikets.events.some((e) => e.type === 'ike-sa-up'));
        // charon established its SA when it sent message 6 and ignores the error notify then: the
        // Delete that comes with it removes the SA (RFC 2408 section 4.8).
        if (who === 'ikets') assert.ok(await charon.waitForLog(/received DELETE for IKE_SA/, 3000), why());
        const none = await waitUntil(async () => (await charon.listSas()).ikeSas.length === 0, 3000);
        assert.ok(none, `charon still lists an IKE SA\n${why()}`);
      }));
  }

  it('Quick Mode refused by ikets (no common ESP proposal): charon decrypts N(NO-PROPOSAL-CHOSEN)', async () => {
    assert.ok(pair);
    const p = await startPeers(pair, {
      proposals: 'aes128-sha256-modp2048',
      esp: 'aes128-sha256',
      charonEspProposals: 'aes256-sha512',
    });
    try {
      await p.charon.swanctl(['--initiate', '--child', CONN, '--timeout', '2'], true);
      const why = () => logsOf(p);
      assert.ok(await p.charon.waitForLog(/received NO_PROPOSAL_CHOSEN error notify/, 5000), why());
      assert.doesNotMatch(p.charon.readLog(), /decryption failed/, why());
      assert.match(p.ikets.logs(), /Quick Mode refused/);
      assert.equal((await p.ikets.list()).children.length, 0);
    } finally {
      await p.stop();
    }
  });

  it('Quick Mode refused by charon: ikets ends it at once with child-sa-failed, no retransmission', async () => {
    assert.ok(pair);
    const p = await startPeers(pair, {
      proposals: 'aes128-sha256-modp2048',
      esp: 'aes128-sha256',
      charonEspProposals: 'aes256-sha512',
    });
    try {
      const from = p.ikets.events.length;
      p.ikets.initiate(CONN, CONN);
      const failed = await p.ikets.waitFor((e) => e.type === 'child-sa-failed', 5000, from);
      const why = logsOf(p);
      assert.ok(
        failed.type === 'child-sa-failed' && failed.reason === 'the peer refused: NO_PROPOSAL_CHOSEN',
        why,
      );
      assert.match(p.charon.readLog(), /no matching proposal found, sending NO_PROPOSAL_CHOSEN/, why);
      // FAST_SETTINGS retransmit after 1 s: wait past it, QM1 must not come again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(p.charon.readLog().match(/parsed QUICK_MODE request/g)?.length, 1, logsOf(p));
      assert.equal((await p.ikets.list()).ike[0]?.state, 'established');
    } finally {
      await p.stop();
    }
  });

  it('charon initiating IKEv2 gets INVALID_MAJOR_VERSION from ikets, which logs it at info', async () => {
    assert.ok(pair);
    const charon = await startCharon({
      name: 'b',
      netns: pair.b.ns,
      log: { ike: 1, cfg: 1, net: 1, enc: 1 },
      swanctl: hostToHost({
        name: CONN,
        version: 2,
        localAddr: pair.b.ipv4,
        remoteAddr: pair.a.ipv4,
        localId: 'b.ikets.test',
        remoteId: 'a.ikets.test',
        auth: 'psk',
        psk: PSK,
      }),
    });
    try {
      const ikets = await IketsPeer.start({
        netns: pair.a.ns,
        address: pair.a.ipv4,
        config: iketsConfig(pair, { proposals: 'aes128-sha256-modp2048', esp: 'aes128-sha256' }),
        settings: FAST_SETTINGS,
      });
      try {
        await charon.swanctl(['--initiate', '--child', CONN, '--timeout', '1'], true);
        // charon (which also speaks IKEv1) reads the answer as an IKEv1 Informational and ignores it
        // on its IKEv2 SA: it keeps retransmitting until its own timeout (test/interop/README.md).
        const seen = await charon.waitForLog(/ignoring INFORMATIONAL_V1 IKEv1 exchange on IKEv2 SA/, 3000);
        const log = charon.readLog();
        assert.ok(seen, `${log}\n${ikets.logs()}`);
        assert.match(
          log,
          /sending packet: from 10\.231\.0\.2\[500\] to 10\.231\.0\.1\[500\] \((\d+) bytes\)/,
        );
        assert.match(log, /received packet: from 10\.231\.0\.1\[500\] to 10\.231\.0\.2\[500\] \(40 bytes\)/);
        assert.match(
          ikets.logs(),
          /info: a version 2\.0 message from 10\.231\.0\.2:500: answered INVALID-MAJOR-VERSION \(ikets speaks IKEv1 only\)/,
        );
        assert.equal((await ikets.list()).ike.length, 0);
      } finally {
        await ikets.stop();
      }
    } finally {
      await charon.stop();
    }
  });
});
