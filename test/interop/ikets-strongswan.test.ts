// ikets against strongSwan's charon: IKEv1 Main and Aggressive Mode with pre-shared keys, Quick
// Mode with and without PFS, Delete from either side, and a wrong pre-shared key. ikets runs as a
// child process (ikets-peer) in namespace a, charon in namespace b; both must list the same SAs.
// charon runs with kernel-libipsec, so it fakes a NAT and everything is UDP-encapsulated.
// Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { after, before, it, suite } from '../support/suite.js';
import { createNetnsPair, ensureTools, type NetnsPair, waitUntil } from './harness/index.js';
import {
  AES128_SHA256,
  assertAgree,
  CONN,
  charonSas,
  ESP_AES128_SHA256,
  establish,
  logsOf,
  type Peers,
  type Scenario,
  startPeers,
} from './strongswan-peers.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

const SUITES: readonly Scenario[] = [
  {
    proposals: 'aes128-sha256-modp2048',
    esp: 'aes128-sha256',
    charonIke: { ...AES128_SHA256, dhGroup: 'MODP_2048' },
    charonEsp: ESP_AES128_SHA256,
  },
  {
    proposals: 'aes256-sha1-modp1024',
    esp: '3des-sha1',
    charonIke: {
      encrAlg: 'AES_CBC',
      encrKeysize: 256,
      integAlg: 'HMAC_SHA1_96',
      prfAlg: 'PRF_HMAC_SHA1',
      dhGroup: 'MODP_1024',
    },
    charonEsp: { encrAlg: '3DES_CBC', integAlg: 'HMAC_SHA1_96' },
  },
  {
    proposals: 'aes128-sha256-ecp256',
    esp: 'aes128-sha256',
    charonIke: { ...AES128_SHA256, dhGroup: 'ECP_256' },
    charonEsp: ESP_AES128_SHA256,
  },
  {
    // Debian's charon loads the curve25519 plugin and negotiates it in IKEv1 as CURVE_25519 (group 31)
    proposals: 'aes128-sha256-x25519',
    iketsProposal: 'aes128-sha256-curve25519',
    esp: 'aes128-sha256',
    charonIke: { ...AES128_SHA256, dhGroup: 'CURVE_25519' },
    charonEsp: ESP_AES128_SHA256,
  },
];

const AGGRESSIVE: Scenario = { ...SUITES[0]!, aggressive: true };
const PFS: Scenario = {
  ...SUITES[0]!,
  esp: 'aes128-sha256-modp2048',
  charonEsp: { ...ESP_AES128_SHA256, dhGroup: 'MODP_2048' },
};
const INITIATORS = ['ikets', 'charon'] as const;

suite('ikets <-> strongSwan charon, IKEv1 PSK', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  before(async () => {
    pair = await createNetnsPair();
  });
  after(async () => {
    await pair?.destroy();
  });

  /** Each case gets fresh processes (independent), sharing the namespace pair. */
  async function withPeers(s: Scenario, body: (p: Peers) => Promise<void>): Promise<void> {
    assert.ok(pair, 'namespace pair');
    const peers = await startPeers(pair, s);
    try {
      await body(peers);
    } finally {
      await peers.stop();
    }
  }

  for (const s of SUITES) {
    for (const who of INITIATORS) {
      it(`Main Mode ${s.proposals}, ESP ${s.esp}: ${who} initiates`, () =>
        withPeers(s, async (p) => {
          await establish(p, who);
          await assertAgree(p, s, who === 'ikets');
        }));
    }
  }

  for (const who of INITIATORS) {
    it(`Aggressive Mode PSK: ${who} initiates`, () =>
      withPeers(AGGRESSIVE, async (p) => {
        await establish(p, who);
        await assertAgree(p, AGGRESSIVE, who === 'ikets');
      }));
    it(`Quick Mode with PFS (esp ${PFS.esp}): ${who} initiates`, () =>
      withPeers(PFS, async (p) => {
        await establish(p, who);
        await assertAgree(p, PFS, who === 'ikets');
        const child = (await p.ikets.list()).children[0];
        assert.equal(child?.pfsGroup, 'modp2048');
      }));
  }

  for (const who of INITIATORS) {
    it(`IPv6 Main Mode (NAT-D over IPv6 addresses, /128 selectors): ${who} initiates`, () => {
      const s: Scenario = { ...SUITES[0]!, ipv6: true };
      return withPeers(s, async (p) => {
        await establish(p, who);
        await assertAgree(p, s, who === 'ikets');
        const child = (await p.ikets.list()).children[0];
        assert.deepEqual([child?.localTs, child?.remoteTs], [['fd31::1/128'], ['fd31::2/128']]);
      });
    });
  }

  it('Delete from ikets removes the SAs on charon', () =>
    withPeers(SUITES[0]!, async (p) => {
      await establish(p, 'charon');
      const from = p.ikets.events.length;
      p.ikets.terminate(CONN);
      await p.ikets.waitFor((e) => e.type === 'ike-sa-down', 5000, from);
      const listing = await charonSas(p.charon, true);
      assert.equal(listing.ikeSas.length, 0, `charon still lists SAs\n${logsOf(p)}`);
      assert.match(p.charon.readLog(), /received DELETE for IKE_SA/);
      assert.equal((await p.ikets.list()).ike.length, 0);
    }));

  it('Delete from charon (swanctl --terminate) removes the SAs in ikets', () =>
    withPeers(SUITES[0]!, async (p) => {
      await establish(p, 'ikets');
      const from = p.ikets.events.length;
      await p.charon.terminate(CONN, { ike: true });
      const child = await p.ikets.waitFor((e) => e.type === 'child-sa-down', 5000, from);
      const ike = await p.ikets.waitFor((e) => e.type === 'ike-sa-down', 5000, from);
      assert.ok('reason' in child && child.reason === 'remote', `child-sa-down reason\n${logsOf(p)}`);
      assert.ok('reason' in ike && ike.reason === 'remote', `ike-sa-down reason\n${logsOf(p)}`);
      const mine = await p.ikets.list();
      assert.deepEqual([mine.ike.length, mine.children.length], [0, 0]);
      assert.equal((await p.charon.listSas()).ikeSas.length, 0);
    }));

  it('CHILD SA rekeyed by charon: ikets replaces the old SAs and both list the new pair', () => {
    // charon proposes 30 s, so ikets (rekeying at most 1 s before that) leaves the rekeying to charon
    const charonChild = { rekey_time: '2s', life_time: '30s', rand_time: '0s' };
    const s: Scenario = { ...SUITES[0]!, charonChild };
    return withPeers(s, async (p) => {
      await establish(p, 'charon');
      const from = p.ikets.events.length;
      const up = await p.ikets.waitFor(
        (e) => e.type === 'child-sa-up' && e.rekeyOf !== undefined,
        6000,
        from,
      );
      const down = await p.ikets.waitFor((e) => e.type === 'child-sa-down', 2000, from);
      assert.ok('reason' in down && down.reason === 'rekeyed', logsOf(p));
      assert.match(p.charon.readLog(), /CHILD_SA gw\{2\} established/);
      assert.doesNotMatch(p.ikets.logs(), /initiating Quick Mode/, 'charon rekeyed, not ikets');
      // charon closes its REKEYED copy when ikets deletes the replaced SAs
      await waitUntil(async () => (await p.charon.listSas()).ikeSas[0]?.childSas.length === 1, 3000);
      await assertAgree(p, s, false);
      assert.equal((await p.ikets.list()).children[0]?.id, up.type === 'child-sa-up' ? up.sa.id : -1);
    });
  });

  it('ISAKMP SA rekeyed (reauthenticated) by ikets: charon moves the CHILD SA to the new SA', () => {
    const s: Scenario = { ...SUITES[0]!, iketsConn: 'rekey_time = 2s\n    rand_time = 0s' };
    return withPeers(s, async (p) => {
      await establish(p, 'ikets');
      const before = (await p.ikets.list()).children[0];
      const down = await p.ikets.waitFor((e) => e.type === 'ike-sa-down', 6000);
      assert.ok('reason' in down && down.reason === 'rekeyed', logsOf(p));
      await waitUntil(async () => (await p.charon.listSas()).ikeSas.length === 1, 3000);
      await assertAgree(p, s, true);
      const after = (await p.ikets.list()).children[0];
      assert.deepEqual([after?.spiIn, after?.spiOut], [before?.spiIn, before?.spiOut]);
    });
  });

  it('ISAKMP SA reauthenticated by charon (Main Mode from 4500): ikets lists the new SA with NAT-T', () => {
    const s: Scenario = { ...SUITES[0]!, charonConn: { rekey_time: '2s', over_time: '5s', rand_time: '0s' } };
    // (charon proposes rekey_time + over_time as the lifetime: with the default 10 % ikets may expire
    // the SA before charon reauthenticates)
    return withPeers(s, async (p) => {
      await establish(p, 'charon');
      const [first] = (await p.ikets.list()).ike;
      const up = await p.ikets.waitFor((e) => e.type === 'ike-sa-up' && e.sa.id !== first?.id, 6000);
      assert.ok('sa' in up && up.type === 'ike-sa-up');
      const listing = await p.charon.listSas();
      const fresh = listing.ikeSas.find((x) => x.initiatorSpi === up.sa.initiatorCookie);
      assert.ok(fresh, `charon lists the new IKE SA\n${logsOf(p)}`);
      assert.equal(fresh.state, 'ESTABLISHED');
      assert.equal(fresh.responderSpi, up.sa.responderCookie);
      assert.equal(up.sa.role, 'responder');
      assert.ok(up.sa.nat.encapsulated, 'a phase 1 started on 4500 is floated');
      assert.deepEqual([up.sa.local.port, up.sa.remote.port], [4500, 4500]);
    });
  });

  // One side at a time: a peer sends R-U-THERE only after dpd_delay without traffic from the other
  // (RFC 3706 section 5.3), and the other side's R-U-THEREs are such traffic.
  for (const who of INITIATORS) {
    it(`DPD: ${who}'s R-U-THERE is answered with R-U-THERE-ACK (RFC 3706)`, () => {
      const s: Scenario =
        who === 'charon'
          ? { ...SUITES[0]!, charonConn: { dpd_delay: '1s' } }
          : { ...SUITES[0]!, iketsConn: 'dpd_delay = 1s' };
      return withPeers(s, async (p) => {
        await establish(p, 'ikets');
        // charon logs what it parses and generates; both directions are IKEv1 'request's
        const log = () => p.charon.readLog();
        const answered =
          who === 'charon'
            ? () =>
                log().includes('sending DPD request') &&
                /parsed \S+ request \d+ \[ HASH N\(DPD_ACK\) \]/.test(log())
            : () =>
                /parsed \S+ request \d+ \[ HASH N\(DPD\) \][\s\S]*generating \S+ request \d+ \[ HASH N\(DPD_ACK\) \]/.test(
                  log(),
                );
        assert.ok(await waitUntil(answered, 4000), `no R-U-THERE answered\n${logsOf(p)}`);
        await assertAgree(p, s, true);
      });
    });
  }

  for (const who of INITIATORS) {
    it(`no common IKE proposal: NO-PROPOSAL-CHOSEN, both sides say so: ${who} initiates`, () =>
      withPeers({ ...SUITES[0]!, charonProposals: 'aes256-sha512-modp4096' }, async (p) => {
        const from = p.ikets.events.length;
        if (who === 'ikets') {
          p.ikets.initiate(CONN, CONN);
          await p.ikets.waitFor((e) => e.type === 'ike-sa-down', 10_000, from);
          assert.match(p.ikets.logs(), /NO_PROPOSAL_CHOSEN/, logsOf(p));
          assert.match(p.charon.readLog(), /no proposal found/);
        } else {
          await p.charon.swanctl(['--initiate', '--child', CONN, '--timeout', '1'], true);
          assert.ok(await p.charon.waitForLog(/received NO_PROPOSAL_CHOSEN error notify/, 3000), logsOf(p));
          assert.match(p.ikets.logs(), /no connection accepts main mode .* with the proposals offered/);
        }
        assert.ok(!p.ikets.events.some((e) => e.type === 'ike-sa-up'));
        assert.equal((await p.ikets.list()).ike.length, 0);
      }));
  }

  for (const who of INITIATORS) {
    it(`a wrong pre-shared key fails on both sides and says why: ${who} initiates`, () =>
      withPeers({ ...SUITES[0]!, iketsPsk: 'not-the-right-psk-0123456789' }, async (p) => {
        const from = p.ikets.events.length;
        if (who === 'ikets') p.ikets.initiate(CONN, CONN);
        // swanctl stops waiting after 1 s (charon itself gives up after its retransmissions, ~7 s)
        else await p.charon.swanctl(['--initiate', '--child', CONN, '--timeout', '1'], true);
        const down = await p.ikets.waitFor((e) => e.type === 'ike-sa-down', 15_000, from);
        assert.ok('reason' in down && down.reason === 'failed');
        assert.ok(!p.ikets.events.some((e) => e.type === 'ike-sa-up' || e.type === 'child-sa-up'));
        const logs = logsOf(p);
        assert.match(p.ikets.logs(), /pre-shared keys probably differ/, logs);
        // charon cannot decrypt what ikets protected with its key (message 5 or ikets' notify). What
        // it logs depends on the garbage: mostly "invalid ID_V1 payload length, decryption failed?"
        // at level 1, but when the garbled length happens to fit, the parser fails later at level 2
        // and only "message parsing failed" shows (1 CI run in many, 2026-12-02).
        assert.ok(await p.charon.waitForLog(/decryption failed\?|message parsing failed/, 5000), logs);
        assert.equal((await p.charon.listSas()).ikeSas.filter((s) => s.state === 'ESTABLISHED').length, 0);
        assert.equal((await p.ikets.list()).ike.length, 0);
      }));
  }
});
