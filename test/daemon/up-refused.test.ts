/**
 * `ikets up` when the peer refuses (issue 10, item 6), between two real daemons on 127.0.0.1: a Quick
 * Mode refused with an authenticated N(NO-PROPOSAL-CHOSEN) and an identity refused with
 * N(INVALID-ID-INFORMATION) end at once and `up` exits 1 with the peer's reason; a wrong pre-shared
 * key makes `up` exit with the likely reason, and the next `up` does not reuse the failing SA.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DaemonService } from '../../src/daemon/index.js';
import { ikets } from '../cli/run.js';
import { tempDir } from './helpers.js';
import { freePorts, pairConfig } from './pair-config.js';

describe('`ikets up` against a peer that refuses', () => {
  const services: DaemonService[] = [];
  const logs: Record<'a' | 'b', string[]> = { a: [], b: [] };
  const control = { a: '', b: '' };
  let ports = { a: 0, b: 0 };
  let configB = '';

  /** Gives b another configuration (`ikets reload`) and clears both sides' SAs. */
  async function configureB(text: string): Promise<void> {
    await writeFile(configB, text);
    assert.equal((await ikets(['reload', '--control', control.b])).status, 0);
    await ikets(['down', 'gw', '--control', control.a]);
    await ikets(['down', 'gw', '--control', control.b]);
    logs.a.length = 0;
  }

  before(async () => {
    const dir = await tempDir();
    const [a, b, aNatt, bNatt] = (await freePorts(4)) as [number, number, number, number];
    ports = { a, b };
    const natt = { a: aNatt, b: bNatt };
    for (const self of ['a', 'b'] as const) {
      const configFile = join(dir, `${self}.conf`);
      if (self === 'b') configB = configFile;
      await writeFile(configFile, pairConfig(self, ports));
      control[self] = join(dir, `${self}.ctl`);
      services.push(
        await DaemonService.start({
          configFile,
          addresses: ['127.0.0.1'],
          port: ports[self],
          nattPort: natt[self],
          logLevel: 'debug',
          controlPath: control[self],
          write: (line) => logs[self].push(line),
        }),
      );
    }
  });

  after(async () => {
    for (const s of services) await s.stop();
  });

  it('a Quick Mode refused with N(NO-PROPOSAL-CHOSEN): `up` exits 1 with it, no retransmission', async () => {
    await configureB(pairConfig('b', ports).replace(/esp_proposals = .*/, 'esp_proposals = aes256-sha512'));
    const up = await ikets(['up', 'net', '--timeout', '20', '--control', control.a]);
    assert.equal(up.status, 1, up.stdout);
    assert.match(up.stderr, /establishing CHILD SA 'net' failed: the peer refused: NO_PROPOSAL_CHOSEN/);
    assert.doesNotMatch(logs.a.join(''), /retransmitting/);
  });

  it('an identity refused with N(INVALID-ID-INFORMATION): `up` exits 1 with it', async () => {
    await configureB(pairConfig('b', ports).replace('id = a.ikets.test', 'id = x.ikets.test'));
    const up = await ikets(['up', 'net', '--timeout', '20', '--control', control.a]);
    assert.equal(up.status, 1, up.stdout);
    assert.match(up.stderr, /establishing IKE SA #\d+ failed: the peer refused: INVALID_ID_INFORMATION/);
    assert.doesNotMatch(logs.a.join(''), /retransmitting/);
  });

  it('a wrong pre-shared key: `up` exits 1 with the likely reason; the next `up` starts afresh', async () => {
    await configureB(pairConfig('b', ports).replace('two-daemons-secret', 'another-secret'));
    const up = await ikets(['up', 'net', '--timeout', '20', '--control', control.a]);
    assert.equal(up.status, 1, up.stdout);
    assert.match(up.stderr, /establishing IKE SA #(\d+) failed: .*pre-shared keys probably differ/);
    const failed = /IKE SA #(\d+) failed/.exec(up.stderr)?.[1];
    // With b fixed, a new `up` abandons the failing half-open SA instead of waiting on it.
    await writeFile(configB, pairConfig('b', ports));
    assert.equal((await ikets(['reload', '--control', control.b])).status, 0);
    const again = await ikets(['up', 'net', '--timeout', '20', '--control', control.a]);
    assert.equal(again.status, 0, `${again.stderr}\n${logs.a.join('')}`);
    assert.match(
      logs.a.join(''),
      new RegExp(`abandoning ISAKMP SA #${failed}: .*pre-shared keys probably differ`),
    );
  });
});
