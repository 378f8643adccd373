/**
 * `ikets up` when the peer refuses (issue 10, item 6), between two real daemons on 127.0.0.1: a Quick
 * Mode refused with an authenticated N(NO-PROPOSAL-CHOSEN) and an identity refused with
 * N(INVALID-ID-INFORMATION) end at once and `up` exits 1 with the peer's reason; a wrong pre-shared
 * key makes `up` exit with the likely reason, and the next `up` does not reuse the failing SA.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ikets } from '../cli/run.js';
import { type DaemonPair, startPair } from './daemon-pair.js';
import { pairConfig } from './pair-config.js';

describe('`ikets up` against a peer that refuses', () => {
  let pair: DaemonPair;

  /** Gives b another configuration (`ikets reload`) and clears both sides' SAs. */
  async function configureB(text: string): Promise<void> {
    await writeFile(pair.configFile.b, text);
    assert.equal((await ikets(['reload', '--control', pair.control.b])).status, 0);
    await ikets(['down', 'gw', '--control', pair.control.a]);
    await ikets(['down', 'gw', '--control', pair.control.b]);
    pair.logs.a.length = 0;
  }

  before(async () => {
    pair = await startPair({ config: pairConfig });
  });

  after(() => pair.stop());

  it('a Quick Mode refused with N(NO-PROPOSAL-CHOSEN): `up` exits 1 with it, no retransmission', async () => {
    await configureB(
      pairConfig('b', pair.ports).replace(/esp_proposals = .*/, 'esp_proposals = aes256-sha512'),
    );
    const up = await ikets(['up', 'net', '--timeout', '20', '--control', pair.control.a]);
    assert.equal(up.status, 1, up.stdout);
    assert.match(up.stderr, /establishing CHILD SA 'net' failed: the peer refused: NO_PROPOSAL_CHOSEN/);
    assert.doesNotMatch(pair.logs.a.join(''), /retransmitting/);
  });

  it('an identity refused with N(INVALID-ID-INFORMATION): `up` exits 1 with it', async () => {
    await configureB(pairConfig('b', pair.ports).replace('id = a.ikets.test', 'id = x.ikets.test'));
    const up = await ikets(['up', 'net', '--timeout', '20', '--control', pair.control.a]);
    assert.equal(up.status, 1, up.stdout);
    assert.match(up.stderr, /establishing IKE SA #\d+ failed: the peer refused: INVALID_ID_INFORMATION/);
    assert.doesNotMatch(pair.logs.a.join(''), /retransmitting/);
  });

  it('a wrong pre-shared key: `up` exits 1 with the likely reason; the next `up` starts afresh', async () => {
    await configureB(pairConfig('b', pair.ports).replace('two-daemons-secret', 'another-secret'));
    const up = await ikets(['up', 'net', '--timeout', '20', '--control', pair.control.a]);
    assert.equal(up.status, 1, up.stdout);
    assert.match(up.stderr, /establishing IKE SA #(\d+) failed: .*pre-shared keys probably differ/);
    const failed = /IKE SA #(\d+) failed/.exec(up.stderr)?.[1];
    // With b fixed, a new `up` abandons the failing half-open SA instead of waiting on it.
    await writeFile(pair.configFile.b, pairConfig('b', pair.ports));
    assert.equal((await ikets(['reload', '--control', pair.control.b])).status, 0);
    const again = await ikets(['up', 'net', '--timeout', '20', '--control', pair.control.a]);
    assert.equal(again.status, 0, `${again.stderr}\n${pair.logs.a.join('')}`);
    assert.match(
      pair.logs.a.join(''),
      new RegExp(`abandoning ISAKMP SA #${failed}: .*pre-shared keys probably differ`),
    );
  });
});
