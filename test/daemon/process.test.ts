/**
 * `ikets start` as a process: up with the real engine, then SIGTERM; the peer (an in-process daemon)
 * receives the Deletes before the process exits with status 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DaemonService } from '../../src/daemon/index.js';
import { ikets } from '../cli/run.js';
import { sleep, tempDir } from './helpers.js';
import { freePorts, pairConfig } from './pair-config.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('ikets start as a process', () => {
  let child: ChildProcess | undefined;
  let peer: DaemonService | undefined;
  after(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await peer?.stop();
  });

  it('serves the control socket, and on SIGTERM deletes its SAs at the peer and exits 0', async () => {
    const dir = await tempDir();
    const [a, b, aNatt, bNatt] = (await freePorts(4)) as [number, number, number, number];
    const ports = { a, b };
    for (const self of ['a', 'b'] as const)
      await writeFile(join(dir, `${self}.conf`), pairConfig(self, ports));
    peer = await DaemonService.start({
      configFile: join(dir, 'b.conf'),
      addresses: ['127.0.0.1'],
      port: b,
      nattPort: bNatt,
      controlPath: undefined,
      write: () => {},
    });
    const control = join(dir, 'a.ctl');
    let out = '';
    const proc = spawn(
      process.execPath,
      [
        MAIN,
        'start',
        '--config',
        join(dir, 'a.conf'),
        '--port',
        String(a),
        '--natt-port',
        String(aNatt),
        '--address',
        '127.0.0.1',
        '--control',
        control,
        '--log-json',
        '--dataplane',
        'none',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      proc.on('exit', (code, signal) => resolve([code, signal])),
    );
    await until('the control socket', () => out.includes('control socket'));

    const up = await ikets(['up', 'net', '--timeout', '10', '--control', control]);
    assert.equal(up.status, 0, up.stderr + out);
    const sad = peer.daemon.sad;
    await until('the peer to install the child', () => sad.size.ike === 1 && sad.size.child === 1);

    // SIGHUP reloads (SAs stay up); a broken file is refused and the configuration in force is kept.
    const extra = pairConfig('a', ports).replace(
      'connections {',
      'connections {\n  spare { version = 1\n local { auth = psk }\n remote { auth = psk } }',
    );
    await writeFile(join(dir, 'a.conf'), extra);
    proc.kill('SIGHUP');
    await until('the reload', () => out.includes('reloaded'));
    const conns = await ikets(['list-conns', '--control', control]);
    assert.match(conns.stdout, /spare/);
    await writeFile(join(dir, 'a.conf'), 'connections {');
    proc.kill('SIGHUP');
    await until('the failed reload', () => out.includes('reload failed'));
    assert.equal(proc.exitCode, null, 'still running');
    assert.match((await ikets(['list-conns', '--control', control])).stdout, /spare/);
    assert.equal(sad.size.child, 1);

    proc.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    await until('the peer to apply the Deletes', () => sad.size.ike === 0 && sad.size.child === 0, 2000);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; message: string });
    assert.ok(lines.some((l) => l.message === 'SIGTERM received'));
    // The Deletes sent at shutdown are logged, each with the SA it deletes (issue 11 item 2).
    const last = lines.slice(lines.findIndex((l) => l.message === 'shutting down: deleting all SAs'));
    assert.deepEqual(
      last.map((l) => `${l.level} ${l.message.replace(/SPIs \S+ in, \S+ out/, 'SPIs')}`),
      [
        'info shutting down: deleting all SAs',
        "info sending Delete for CHILD SA 'net' #1 (esp SPIs): local",
        'info sending Delete for ISAKMP SA #1: local',
      ],
    );
    const gone = await ikets(['list-sas', '--control', control]);
    assert.equal(gone.status, 1, 'the control socket is gone');
  });
});
