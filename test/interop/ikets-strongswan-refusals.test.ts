// ikets refusing what charon sends, and charon hearing why: an IKEv2 initiator gets
// N(INVALID-MAJOR-VERSION) (RFC 2408 section 5.2). Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNetnsPair, ensureTools, hostToHost, type NetnsPair, startCharon } from './harness/index.js';
import { IketsPeer } from './ikets-peer-client.js';
import { CONN, FAST_SETTINGS, iketsConfig, PSK } from './strongswan-peers.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

describe('ikets refuses, charon hears why', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  before(async () => {
    pair = await createNetnsPair();
  });
  after(async () => {
    await pair?.destroy();
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
