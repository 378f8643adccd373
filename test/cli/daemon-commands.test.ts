import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DaemonService } from '../../src/daemon/index.js';
import { startFakeService, tempDir } from '../daemon/helpers.js';
import { ikets } from './run.js';

describe('ikets up/down/list-sas/list-conns/reload against a daemon', () => {
  let service: DaemonService;
  let control: string;
  let dir: string;

  before(async () => {
    ({ service, control, dir } = await startFakeService());
  });
  after(() => service.stop());

  it('lists the SAs as text, without keys', async () => {
    const run = await ikets(['list-sas', '--control', control]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^gw: #1, ESTABLISHED, IKEv1, 0000000000000001_i\* e8267802a2bd286a_r\n/);
    assert.match(run.stdout, /\n {2}web: #2, INSTALLED, TUNNEL-in-UDP, ESP:aes128-sha256-modp2048\n/);
    assert.doesNotMatch(run.stdout, /Ka|588e7fec/);
  });

  it('shows keys, the Wireshark tables and JSON on request', async () => {
    const keys = await ikets(['list-sas', '--show-keys', '--control', control]);
    assert.match(keys.stdout, / {2}Ka {7}588e7fec2975a997c56d8c245db9e66d\n/);
    const ws = await ikets(['list-sas', '--wireshark', '--control', control]);
    assert.match(ws.stdout, /\n0000000000000001,588e7fec2975a997c56d8c245db9e66d\n/);
    assert.match(ws.stdout, /\n"IPv4","10\.231\.0\.1","10\.231\.0\.2","0xb4fd716f","AES-CBC \[RFC3602\]"/);
    const json = await ikets(['list-sas', '--json', '--control', control]);
    const parsed = JSON.parse(json.stdout) as { ikeSas: unknown[]; childSas: unknown[] };
    assert.equal(parsed.ikeSas.length, 1);
    assert.doesNotMatch(json.stdout, /588e7fec/);
    const both = await ikets(['list-sas', '--json', '--wireshark', '--control', control]);
    assert.equal(both.status, 2);
  });

  it('lists the SAs of one connection or child only (ikets list-sas NAME)', async () => {
    const web = await ikets(['list-sas', 'web', '--control', control]);
    assert.equal(web.status, 0, web.stderr);
    assert.match(web.stdout, /^gw: #1, ESTABLISHED, IKEv1, /, 'the IKE SA carrying the child');
    assert.match(web.stdout, /\n {2}web: #2, INSTALLED, /);
    const gw = await ikets(['list-sas', 'gw', '--json', '--control', control]);
    const parsed = JSON.parse(gw.stdout) as { ikeSas: { connection: string }[]; childSas: unknown[] };
    assert.deepEqual(
      parsed.ikeSas.map((s) => s.connection),
      ['gw'],
    );
    assert.equal(parsed.childSas.length, 1);
    const none = await ikets(['list-sas', 'nosuch', '--control', control]);
    assert.equal(none.stdout, 'no security associations\n');
    const two = await ikets(['list-sas', 'gw', 'web', '--control', control]);
    assert.equal(two.status, 2);
  });

  it('brings a child up showing its log, and says why when it cannot', async () => {
    const up = await ikets(['up', 'net', '--control', control]);
    assert.equal(up.status, 0, up.stderr);
    const lines = up.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT[\d:.]+Z info \[gw #3\] initiating Main Mode$/);
    assert.match(
      lines.at(-1) ?? '',
      /^'net' is up: IKE SA #3 0000000000000003_i e8267802a2bd286a_r, CHILD SA 'net' #4 /,
    );
    const unknown = await ikets(['up', 'nope', '--control', control]);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, "ikets: no connection or child named 'nope'\n");
    const usage = await ikets(['up', '--control', control]);
    assert.equal(usage.status, 2);
  });

  it('lists the connections, reloads, and takes a connection down', async () => {
    const conns = await ikets(['list-conns', '--control', control]);
    assert.equal(conns.status, 0);
    assert.match(conns.stdout, /^gw: IKEv1, Main Mode, 127\.0\.0\.1\[500\] - 127\.0\.0\.1\[500\]\n/);
    assert.match(
      conns.stdout,
      /\n {2}web: TUNNEL, start_action start, rekeying every 3600s, ESP:default\n {4}dynamic === dynamic\n/,
    );
    const reload = await ikets(['reload', '--control', control]);
    assert.equal(reload.stdout, 'configuration reloaded: 2 connection(s)\n');
    const down = await ikets(['down', 'gw', '--control', control]);
    assert.equal(down.status, 0);
    assert.match(down.stdout, /deleting IKE SA\n/);
    assert.match(down.stdout, /'gw' deleted\n$/);
  });

  it('says in one line that no daemon runs, with exit status 1', async () => {
    const path = join(dir, 'absent.ctl');
    for (const command of [['list-sas'], ['list-conns'], ['up', 'x'], ['down', 'x'], ['reload']]) {
      const run = await ikets([...command, '--control', path]);
      assert.equal(run.status, 1);
      assert.equal(run.stderr, `ikets: no daemon at ${path} (start it with 'ikets start')\n`);
    }
  });
});

describe('ikets start (errors before the daemon runs)', () => {
  it('reports a configuration error with file:line, a missing file and a bad option', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.conf');
    await writeFile(bad, 'connections {\n  gw {\n    version = 2\n  }\n}\n');
    const run = await ikets(['start', '--config', bad, '--control', join(dir, 'c.ctl')]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^ikets: .*bad\.conf:3: version: expected 1/);
    const missing = await ikets(['start', '--config', join(dir, 'none.conf')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^ikets: .*none\.conf: no such file\n$/);
    const level = await ikets(['start', '--log-level', 'loud']);
    assert.equal(level.status, 2);
    const port = await ikets(['start', '--port', '70000']);
    assert.equal(port.status, 2);
    const workers = await ikets(['start', '--crypto-workers', 'many']);
    assert.equal(workers.status, 2);
    assert.match(workers.stderr, /--crypto-workers: expected a number of threads \(0: none\), found 'many'/);
  });
});
