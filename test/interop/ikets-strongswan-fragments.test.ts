// IKEv1 fragmentation against strongSwan's charon, both roles, Main and Aggressive Mode: both
// sides with a 300-byte fragment size (charon's `charon.fragment_size` in its strongswan.conf,
// ikets' `fragmentSize`), so the Diffie-Hellman messages of phase 1 (MODP 2048) and Quick Mode
// with PFS exceed it. Both logs must show fragments sent and reassembled on each side, and the SAs
// must agree. Then the daemon: `ikets start --fragment-size 300` with `fragmentation = yes` in its
// swanctl.conf. Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createNetnsPair,
  ensureTools,
  hostToHost,
  type NetnsPair,
  startCharon,
  startIketsDaemon,
  waitUntil,
} from './harness/index.js';
import {
  AES128_SHA256,
  assertAgree,
  CONN,
  ESP_AES128_SHA256,
  establish,
  iketsConfig,
  logsOf,
  PSK,
  type Scenario,
  startPeers,
} from './strongswan-peers.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

/**
 * The kinds of message charon split: for each "splitting IKE message" line, the payloads of the
 * message its worker thread generated just before (charon logs `NN[ENC] <...> generating ...`).
 */
function splitByCharon(log: string): string[] {
  const lines = log.split('\n');
  const kinds: string[] = [];
  lines.forEach((line, i) => {
    const thread = /^\S+ (\d+)\[ENC\].*splitting IKE message/.exec(line)?.[1];
    if (thread === undefined) return;
    for (let j = i - 1; j >= 0; j--) {
      const generated = new RegExp(`^\\S+ ${thread}\\[ENC\\].*generating (\\S+) \\S+ \\d+ (\\[.*\\])`).exec(
        lines[j] ?? '',
      );
      if (generated !== null) {
        kinds.push(`${generated[1]} ${generated[2]}`);
        return;
      }
    }
  });
  return kinds;
}

const FRAGMENTS: Scenario = {
  proposals: 'aes128-sha256-modp2048',
  esp: 'aes128-sha256-modp2048',
  charonIke: { ...AES128_SHA256, dhGroup: 'MODP_2048' },
  charonEsp: { ...ESP_AES128_SHA256, dhGroup: 'MODP_2048' },
  charonSettings: { fragment_size: 300 },
  iketsSettings: { fragmentSize: 300 },
};

describe('IKEv1 fragmentation between ikets and charon', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  before(async () => {
    pair = await createNetnsPair();
  });
  after(async () => {
    await pair?.destroy();
  });

  for (const aggressive of [false, true])
    for (const who of ['ikets', 'charon'] as const)
      it(`${aggressive ? 'Aggressive' : 'Main'} Mode and Quick Mode, ${who} initiates: both send and reassemble fragments`, async () => {
        assert.ok(pair);
        const s: Scenario = { ...FRAGMENTS, aggressive };
        const p = await startPeers(pair, s);
        try {
          await establish(p, who);
          await assertAgree(p, s, who === 'ikets');
          const why = logsOf(p);
          const charon = p.charon.readLog();
          const ikets = p.ikets.logs();
          // Each side heard the other's FRAGMENTATION Vendor ID...
          assert.match(charon, /received FRAGMENTATION vendor ID/, why);
          // ...sent messages in fragments...
          assert.match(charon, /splitting IKE message \(\d+ bytes\) into \d+ fragments/, why);
          assert.match(ikets, /sending a message of \d+ bytes in \d+ fragments/, why);
          // ...and put the other's together again.
          assert.match(charon, /reassembled fragmented IKE message \(\d+ bytes\)/, why);
          assert.match(ikets, /reassembled a message of \d+ bytes from \d+ fragments/, why);
          assert.doesNotMatch(
            charon,
            /fragmented IKE message is too large|failed to parse header of reassembled/,
            why,
          );
          // charon fragments the unencrypted Diffie-Hellman messages of phase 1 and Quick Mode alike.
          const kinds = splitByCharon(charon);
          // (Except when charon starts Aggressive Mode: its message 1 goes whole, as ikets'
          // FRAGMENTATION Vendor ID is not known yet, and its message 3 is small.)
          assert.ok(
            (aggressive && who === 'charon') ||
              kinds.some((k) => /^(ID_PROT|AGGRESSIVE) \[ (SA )?KE No/.test(k)),
            `phase 1 split: ${kinds.join('; ')}\n${why}`,
          );
          assert.ok(
            kinds.some((k) => k.startsWith('QUICK_MODE [ HASH SA No KE')),
            `Quick Mode split: ${kinds.join('; ')}`,
          );
          const split = [...charon.matchAll(/splitting IKE message \((\d+) bytes\)/g)].length;
          const joined = [...ikets.matchAll(/reassembled a message/g)].length;
          assert.ok(
            joined >= split,
            `ikets reassembled ${joined} of the ${split} messages charon split\n${why}`,
          );
        } finally {
          await p.stop();
        }
      });

  it('the daemon: `ikets start --fragment-size 300`, `fragmentation = yes` as swanctl.conf writes it', async () => {
    assert.ok(pair);
    const dir = mkdtempSync(join(tmpdir(), 'ikets-frag-'));
    const charon = await startCharon({
      name: 'b',
      netns: pair.b.ns,
      log: { ike: 2, cfg: 1 },
      charon: { fragment_size: 300 },
      swanctl: hostToHost({
        name: CONN,
        version: 1,
        localAddr: pair.b.ipv4,
        remoteAddr: pair.a.ipv4,
        localId: 'b.ikets.test',
        remoteId: 'a.ikets.test',
        auth: 'psk',
        psk: PSK,
        proposals: FRAGMENTS.proposals,
        espProposals: FRAGMENTS.esp,
        extra: { fragmentation: 'yes' },
      }),
    });
    try {
      const daemon = await startIketsDaemon({
        ns: pair.a.ns,
        dir,
        name: 'a',
        swanctl: iketsConfig(pair, {
          ...FRAGMENTS,
          iketsConn: 'fragmentation = yes',
          iketsChild: 'start_action = start',
        }),
        args: ['--dataplane', 'none', '--fragment-size', '300', '--log-level', 'debug'],
      });
      try {
        const why = () => `${daemon.log()}\n--- charon ---\n${charon.readLog()}`;
        // start_action = start: the daemon brings the child up by itself.
        assert.ok(
          await waitUntil(async () => (await charon.listSas()).ikeSas[0]?.childSas.length === 1, 10_000),
          why(),
        );
        assert.match(daemon.log(), /CHILD SA 'gw' installed/, why());
        assert.match(daemon.log(), /sending a message of \d+ bytes in \d+ fragments/, why());
        assert.match(daemon.log(), /reassembled a message of \d+ bytes from \d+ fragments/, why());
        assert.match(charon.readLog(), /reassembled fragmented IKE message/, why());
        assert.match(charon.readLog(), /splitting IKE message/, why());
      } finally {
        await daemon.stop();
      }
    } finally {
      await charon.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
