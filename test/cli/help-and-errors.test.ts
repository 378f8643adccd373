/** Issue 11 item 5: each subcommand's own --help, and one-line answers to wrong input. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../daemon/helpers.js';
import { ikets } from './run.js';

const COMMANDS = [
  'decode',
  'encode',
  'demo',
  'start',
  'up',
  'down',
  'list-sas',
  'list-conns',
  'list-pols',
  'list-certs',
  'reload',
  'help',
  'version',
];

describe('ikets COMMAND --help', () => {
  for (const command of COMMANDS) {
    it(`${command} --help prints its own usage and exits 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const run = await ikets([command, flag]);
        if (command === 'help') {
          assert.equal(run.status, 0);
          continue;
        }
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stderr, '');
        assert.match(run.stdout, new RegExp(`^usage: ikets ${command}\\b`));
      }
    });
  }

  it('down names ike:ID and child:ID, in its help and in the command list', async () => {
    assert.match((await ikets(['down', '--help'])).stdout, /ike:ID.*child:ID/);
    assert.match((await ikets(['help'])).stdout, /down NAME\|ike:ID\|child:ID/);
  });

  it('start --help names --log-keys, --aggressive-psk and --crypto-workers', async () => {
    const run = await ikets(['start', '--help']);
    assert.match(run.stdout, /--crypto-workers N/);
    assert.match(run.stdout, /--log-keys/);
    assert.match(run.stdout, /--aggressive-psk/);
  });
});

describe('ikets start: where the configuration is', () => {
  it('without a configuration says where it looked and mentions --config', async (t) => {
    if (existsSync('swanctl.conf') || existsSync('/etc/ikets/swanctl.conf'))
      return t.skip('a default configuration exists on this machine');
    const run = await ikets(['start', '--port', '0', '--natt-port', '0', '--control', '/nonexistent/x']);
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      'ikets: no configuration: looked for swanctl.conf and /etc/ikets/swanctl.conf; name one with --config FILE\n',
    );
  });

  it('takes --log-keys and --aggressive-psk', async () => {
    const dir = await tempDir();
    const run = await ikets(['start', '--log-keys', '--aggressive-psk', '--config', join(dir, 'none.conf')]);
    assert.equal(run.status, 1, 'not a usage error');
    assert.equal(run.stderr, `ikets: ${join(dir, 'none.conf')}: no such file\n`);
  });

  it('a directory or an unreadable file is one line, not an internal error', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'conf.d');
    await mkdir(sub);
    const asDir = await ikets(['start', '--config', sub]);
    assert.equal(asDir.status, 1);
    assert.equal(asDir.stderr, `ikets: ${sub}:1: is a directory, not a configuration file\n`);
    if (process.getuid?.() === 0) return; // root reads a file of mode 000
    const locked = join(dir, 'locked.conf');
    await writeFile(locked, 'connections {\n}\n');
    await chmod(locked, 0);
    const run = await ikets(['start', '--config', locked]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr, `ikets: ${locked}: permission denied (ikets reads it as this user)\n`);
  });
});

describe('ikets decode and encode refuse what they cannot represent', () => {
  it('decode of a file that is neither a capture nor an ISAKMP message exits 1', async () => {
    // Its byte 17 has high nibble 2: before the length check it passed for an IKEv2 header.
    const text = Buffer.from('hello world, this is text not a capture\n');
    const run = await ikets(['decode', '-'], text);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^ikets: message 1: offset \d+: .+\n$/);
  });

  it('raw encode of several messages refuses instead of concatenating them', async () => {
    const capture = new URL('../../../test/fixtures/captures/ikev1-main-psk.pcapng', import.meta.url);
    const json = await ikets(['decode', '--json', capture.pathname]);
    const run = await ikets(['encode', '-'], Buffer.from(json.stdout));
    assert.equal(run.status, 2);
    assert.equal(run.bytes.length, 0);
    assert.match(run.stderr, /^ikets: - holds 15 messages: raw output takes one; use --hex .* or --pcap\n$/);
    const one = await ikets(['encode', '-'], Buffer.from(`${json.stdout.split('\n')[0]}\n`));
    assert.equal(one.status, 0, one.stderr);
    assert.ok(one.bytes.length > 28);
  });
});
