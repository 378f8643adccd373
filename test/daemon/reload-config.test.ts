/**
 * Issue 11 item 1: configuration errors at load and reload, never first at `up`; after a good
 * reload, a new child on an ISAKMP SA that is up uses the new settings.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DaemonService } from '../../src/daemon/index.js';
import { ikets } from '../cli/run.js';
import { sleep, tempDir } from './helpers.js';
import { freePorts, pairConfig } from './pair-config.js';

const OLD_ESP = 'esp_proposals = aes128-sha256-modp2048';

describe('reload: new children of an ISAKMP SA that is up use the new settings', () => {
  const services: DaemonService[] = [];
  const logs: Record<'a' | 'b', string[]> = { a: [], b: [] };
  const control = { a: '', b: '' };
  const files = { a: '', b: '' };
  let ports: { a: number; b: number };

  before(async () => {
    const dir = await tempDir();
    const [a, b, aNatt, bNatt] = (await freePorts(4)) as [number, number, number, number];
    ports = { a, b };
    const natt = { a: aNatt, b: bNatt };
    for (const self of ['a', 'b'] as const) {
      files[self] = join(dir, `${self}.conf`);
      let text = pairConfig(self, ports);
      // The responder accepts both the old and the new proposal; the initiator's offer decides.
      if (self === 'b')
        text = text.replace(OLD_ESP, 'esp_proposals = aes128-sha256-modp2048, aes256-sha384-modp3072');
      await writeFile(files[self], text, { mode: 0o600 });
      control[self] = join(dir, `${self}.ctl`);
      services.push(
        await DaemonService.start({
          configFile: files[self],
          addresses: ['127.0.0.1'],
          port: ports[self],
          nattPort: natt[self],
          controlPath: control[self],
          write: (line) => logs[self].push(line),
        }),
      );
    }
  });

  after(async () => {
    for (const s of services) await s.stop();
  });

  it('refuses a mistyped ESP proposal at reload with file:line, keeps the old one and logs why', async () => {
    const good = pairConfig('a', ports);
    await writeFile(files.a, good.replace(OLD_ESP, 'esp_proposals = aes128-sha257-modp2048'));
    const run = await ikets(['reload', '--control', control.a]);
    assert.equal(run.status, 1);
    const line = good.split('\n').findIndex((l) => l.includes(OLD_ESP)) + 1;
    assert.equal(
      run.stderr,
      `ikets: ${files.a}:${line}: esp_proposals: unknown algorithm keyword 'sha257' in proposal 'aes128-sha257-modp2048'\n`,
    );
    assert.match(logs.a.join(''), /error reload failed, the configuration in force is kept: .*sha257/);
    const conns = await ikets(['list-conns', '--control', control.a]);
    assert.match(conns.stdout, /ESP:aes128-sha256-modp2048\n/);
  });

  it('warns at reload of a connection no secret can serve', async () => {
    const text = pairConfig('a', ports).replace(/secrets \{[\s\S]*$/, '');
    await writeFile(files.a, text);
    const run = await ikets(['reload', '--control', control.a]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      logs.a.join(''),
      / warn \[gw\] no secret matches this connection's identities \(local a\.ikets\.test, remote b\.ikets\.test\): every exchange will fail/,
    );
    await writeFile(files.a, pairConfig('a', ports));
    assert.equal((await ikets(['reload', '--control', control.a])).status, 0);
  });

  it('a child started after a good reload negotiates the new esp_proposals on the same ISAKMP SA', async () => {
    await writeFile(files.a, pairConfig('a', ports));
    const first = await ikets(['up', 'net', '--timeout', '10', '--control', control.a]);
    assert.equal(first.status, 0, first.stderr);
    const a = services[0]?.daemon.sad;
    const ikeSa = a?.ikeSas()[0];
    assert.equal(a?.childSas()[0]?.proposal, 'aes128-sha256-modp2048');

    await writeFile(
      files.a,
      pairConfig('a', ports).replace(OLD_ESP, 'esp_proposals = aes256-sha384-modp3072'),
    );
    const reload = await ikets(['reload', '--control', control.a]);
    assert.equal(reload.status, 0, reload.stderr);
    // `up` of a child that is up does nothing: take the child down (the ISAKMP SA stays), then up.
    const down = await ikets(['down', 'net', '--control', control.a]);
    assert.equal(down.status, 0, down.stderr);
    const second = await ikets(['up', 'net', '--timeout', '10', '--control', control.a]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(a?.ikeSas().length, 1, 'no new ISAKMP SA');
    assert.equal(a?.ikeSas()[0]?.id, ikeSa?.id);
    const proposals = (a?.childSas() ?? []).map((c) => c.proposal);
    assert.ok(proposals.includes('aes256-sha384-modp3072'), proposals.join(' '));
    const renewed = () =>
      services[1]?.daemon.sad.childSas().some((c) => c.proposal === 'aes256-sha384-modp3072');
    for (let i = 0; i < 40 && renewed() !== true; i++) await sleep(50);
    assert.ok(services[1]?.daemon.sad.childSas().some((c) => c.proposal === 'aes256-sha384-modp3072'));
  });
});
