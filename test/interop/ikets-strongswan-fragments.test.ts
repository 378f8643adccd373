// IKEv1 fragmentation against strongSwan's charon, both roles, Main and Aggressive Mode: both
// sides with a 300-byte fragment size (charon's `charon.fragment_size` in its strongswan.conf,
// ikets' `fragmentSize`), so the Diffie-Hellman messages of phase 1 (MODP 2048) and Quick Mode
// with PFS exceed it. Both logs must show fragments sent and reassembled on each side, and the SAs
// must agree. Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNetnsPair, ensureTools, type NetnsPair } from './harness/index.js';
import {
  AES128_SHA256,
  assertAgree,
  ESP_AES128_SHA256,
  establish,
  logsOf,
  type Scenario,
  startPeers,
} from './strongswan-peers.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

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
});
