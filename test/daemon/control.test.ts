import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type ControlLogLine,
  ControlServer,
  createControlHandler,
  DaemonNotRunningError,
  type DaemonService,
  sendControlRequest,
} from '../../src/daemon/index.js';
import type { FakeEndpoint } from './fake-endpoint.js';
import { startFakeService, tempDir } from './helpers.js';

/** Sends raw lines and collects the raw answer lines until `count` lines came. */
function raw(path: string, text: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(text));
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n').filter((l) => l !== '');
      if (lines.length >= count) {
        socket.destroy();
        resolve(lines);
      }
    });
  });
}

describe('control socket', () => {
  let service: DaemonService;
  let fake: FakeEndpoint;
  let path: string;
  const lines: string[] = [];

  before(async () => {
    ({ service, fake, control: path } = await startFakeService((l) => lines.push(l)));
  });
  after(() => service.stop());

  it('brings a child up, streaming its log, and answers without keys', async () => {
    const logs: ControlLogLine['log'][] = [];
    const response = await sendControlRequest(path, { command: 'up', name: 'net' }, (l) => logs.push(l));
    assert.equal(response.ok, true);
    assert.deepEqual(fake.initiated.at(-1), { connection: 'gw', child: 'net' });
    assert.deepEqual(
      logs.map((l) => [l.level, l.connection, l.message]),
      [
        ['info', 'gw', 'initiating Main Mode'],
        ['info', 'gw', 'CHILD SA net established'],
      ],
    );
    assert.match(logs[0]?.time ?? '', /^\d{4}-\d\d-\d\dT/);
    const text = JSON.stringify(response);
    assert.match(text, /"spiIn":"c0/);
    assert.doesNotMatch(text, /588e7fec|934e6417|"keys"/, 'no key material in the answer');
  });

  it('answers a failed negotiation, a timeout and an unknown name with ok: false', async () => {
    fake.behaviour = 'fail';
    const failed = await sendControlRequest(path, { command: 'up', name: 'lone' });
    assert.deepEqual(failed, { ok: false, error: 'establishing IKE SA #5 failed (failed)' });
    fake.behaviour = 'silent';
    const slow = await sendControlRequest(path, { command: 'up', name: 'lone', timeout: 100 });
    assert.deepEqual(slow, { ok: false, error: "'lone' is not up after 0.1s" });
    fake.behaviour = 'succeed';
    const unknown = await sendControlRequest(path, { command: 'up', name: 'nope' });
    assert.deepEqual(unknown, { ok: false, error: "no connection or child named 'nope'" });
  });

  it('lists SAs with keys only on request, and the connections without secrets', async () => {
    const plain = await sendControlRequest(path, { command: 'list-sas' });
    assert.ok(plain.ok);
    assert.doesNotMatch(JSON.stringify(plain), /588e7fec/);
    assert.ok(Array.isArray(plain.ikeSas) && plain.ikeSas.length >= 2);
    assert.equal(typeof plain.now, 'number');
    const keyed = await sendControlRequest(path, { command: 'list-sas', showKeys: true });
    assert.match(JSON.stringify(keyed), /588e7fec2975a997c56d8c245db9e66d/);
    const conns = await sendControlRequest(path, { command: 'list-conns' });
    assert.ok(conns.ok);
    assert.deepEqual(
      (conns.connections as { name: string }[]).map((c) => c.name),
      ['gw', 'other'],
    );
    assert.doesNotMatch(JSON.stringify(conns), /"test"|secret/);
  });

  it('reloads the configuration file and deletes by name', async () => {
    const reloaded = await sendControlRequest(path, { command: 'reload' });
    assert.deepEqual(reloaded, { ok: true, connections: 2 });
    assert.equal(fake.reloaded.length, 1);
    const down = await sendControlRequest(path, { command: 'down', name: 'gw' });
    assert.deepEqual(down, { ok: true });
    assert.equal(service.daemon.sad.byName('gw').ike.length, 0);
    const none = await sendControlRequest(path, { command: 'down', name: 'gw' });
    assert.deepEqual(none, { ok: false, error: "no SA matches 'gw'" });
  });

  it('answers malformed lines in order on one connection', async () => {
    const answers = await raw(
      path,
      'not json\n{"command":"fly"}\n{"command":"up"}\n\n{"command":"list-conns"}\n',
      4,
    );
    assert.deepEqual(
      answers.slice(0, 3).map((l) => JSON.parse(l)),
      [
        { ok: false, error: 'not JSON' },
        {
          ok: false,
          error:
            'unknown command "fly" (expected up, down, list-sas, list-conns, list-pols, list-certs or reload)',
        },
        { ok: false, error: "'up' needs a 'name'" },
      ],
    );
    assert.equal(JSON.parse(answers[3] ?? '{}').ok, true);
  });

  it('refuses to start a second daemon on the same control socket, and replaces a stale one', async () => {
    await assert.rejects(ControlServer.listen(path, createControlHandler(service.daemon)), {
      code: 'ERR_DAEMON_RUNNING',
    });
    const stalePath = join(await tempDir(), 'stale.ctl');
    await writeFile(stalePath, '');
    const server = await ControlServer.listen(stalePath, createControlHandler(service.daemon));
    const r = await sendControlRequest(stalePath, { command: 'list-conns' });
    assert.equal(r.ok, true);
    await server.close();
    await assert.rejects(sendControlRequest(stalePath, { command: 'list-conns' }), DaemonNotRunningError);
  });
});
