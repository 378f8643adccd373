// The `ikets load` command line: its usage and errors, source address and port lists, and a run on
// 127.0.0.1 against an ikets daemon in this process (ephemeral ports on both sides), text summary.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sourceAddresses, sourcePorts } from '../../src/cli/load-command.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { Daemon, ikev1EndpointFactory, Logger } from '../../src/daemon/index.js';
import { ikets } from '../cli/run.js';

const PSK = 'load-command-psk-0123456789';

function gatewayConfig(): string {
  return `connections { gw { version = 1
  local_addrs = 127.0.0.1
  proposals = aes128-sha256-x25519
  local { auth = psk
    id = gw.load.test }
  remote { auth = psk }
  children { net { esp_proposals = aes128-sha256
    local_ts = 127.0.0.1/32
    remote_ts = 127.0.0.1/32 } } } }
secrets { ike-1 { id-1 = gw.load.test
  secret = ${PSK} } }`;
}

function loadConfig(port: number): string {
  return `connections { load { version = 1
  local_addrs = 127.0.0.1
  remote_addrs = 127.0.0.1
  remote_port = ${port}
  proposals = aes128-sha256-x25519
  local { auth = psk
    id = c%d.load.test }
  remote { auth = psk
    id = gw.load.test }
  children { net { esp_proposals = aes128-sha256
    local_ts = 127.0.0.1/32
    remote_ts = 127.0.0.1/32 } } } }
secrets { ike-1 { id-1 = gw.load.test
  secret = ${PSK} } }`;
}

describe('ikets load (command line)', () => {
  let dir = '';
  let gateway: Daemon | undefined;
  let file = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ikets-load-cli-'));
    gateway = await Daemon.start({
      config: parseSwanctlConfig(gatewayConfig()),
      createEndpoint: ikev1EndpointFactory,
      addresses: ['127.0.0.1'],
      port: 0,
      nattPort: 0,
      logger: new Logger('error', false, () => {}),
    });
    const port = gateway.bound.find((b) => b.kind === 'ike')?.local.port ?? 0;
    file = join(dir, 'load.conf');
    writeFileSync(file, loadConfig(port), { mode: 0o600 });
  });
  after(async () => {
    await gateway?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('--help prints the usage; a wrong command line exits 2', async () => {
    const help = await ikets(['load', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: ikets load/);
    assert.equal((await ikets(['load', '--config', file, 'load'])).status, 2);
    assert.match((await ikets(['load', '--config', file, 'load'])).stderr, /--count N, --duration/);
    assert.equal((await ikets(['load', '--config', file, 'load', '--count', '0'])).status, 2);
    assert.equal((await ikets(['load', '--config', file, 'load', '--count', '5', '--rate', 'x'])).status, 2);
    assert.equal((await ikets(['load', '--config', file, '--count', '5'])).status, 2);
  });

  it('an unknown connection or child: one line, exit 1', async () => {
    const r = await ikets(['load', '--config', file, 'nope', '--count', '5']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "ikets: no connection named 'nope'\n");
    const c = await ikets(['load', '--config', file, 'load', '--child', 'x', '--count', '5']);
    assert.equal(c.stderr, "ikets: connection 'load' has no child 'x'\n");
  });

  it('source addresses (lists and IPv4 ranges) and ports', () => {
    assert.deepEqual(sourceAddresses(['10.0.0.254-10.0.1.1', '192.0.2.1,fd00::1']), [
      '10.0.0.254',
      '10.0.0.255',
      '10.0.1.0',
      '10.0.1.1',
      '192.0.2.1',
      'fd00::1',
    ]);
    assert.throws(() => sourceAddresses(['10.0.0.5-10.0.0.1']), /not a range/);
    assert.throws(() => sourceAddresses(['example.com']), /not an IP address/);
    assert.deepEqual(sourcePorts('20000-20003'), [20000, 20001, 20002, 20003]);
    assert.deepEqual(sourcePorts('0'), [0]);
    assert.throws(() => sourcePorts('70000'), /expected PORT/);
  });

  it('20 setups on 127.0.0.1 from ephemeral ports: the text summary, exit 0', async () => {
    const r = await ikets([
      'load',
      '--config',
      file,
      'load',
      '--count',
      '20',
      '--concurrency',
      '4',
      '--source-ports',
      '0',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^ikets load: 'load' to 127\.0\.0\.1:\d+, Main Mode \+ Quick Mode 'net', concurrency 4\n/,
    );
    assert.match(r.stdout, /\n {2}established +20 of 20 started, 0 failed, in [\d.]+ s: [\d.]+ setups\/s\n/);
    assert.match(r.stdout, /\n {2}latency +p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(r.stdout, /\n {2}failures +none\n$/);
  });
});
