/**
 * Issue 11 item 2: what the daemon logs. Never a key or a pre-shared key, at any level, unless
 * `--log-keys`; dropped datagrams, Deletes we send and reloads at info, rate-limited where anyone
 * can cause them. Also item 3's opt-in through the service (`--aggressive-psk`).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DaemonService } from '../../src/daemon/index.js';
import { ikets } from '../cli/run.js';
import { sleep, tempDir } from './helpers.js';
import { freePorts, pairConfig } from './pair-config.js';

const PSK = 'two-daemons-secret-0123456789';

async function pair(options: { logKeys?: boolean; aggressive?: boolean; aggressivePsk?: boolean }) {
  const dir = await tempDir();
  const [a, b, aNatt, bNatt] = (await freePorts(4)) as [number, number, number, number];
  const ports = { a, b };
  const natt = { a: aNatt, b: bNatt };
  const logs = { a: [] as string[], b: [] as string[] };
  const control = { a: join(dir, 'a.ctl'), b: join(dir, 'b.ctl') };
  const services: DaemonService[] = [];
  for (const self of ['a', 'b'] as const) {
    const configFile = join(dir, `${self}.conf`);
    // encap = yes: NAT-T too, whose float is logged at debug.
    const extra = `${options.aggressive ? 'aggressive = yes' : ''}\n    encap = yes`;
    await writeFile(configFile, pairConfig(self, ports, extra), {
      mode: 0o600,
    });
    services.push(
      await DaemonService.start({
        configFile,
        addresses: ['127.0.0.1'],
        port: ports[self],
        nattPort: natt[self],
        logLevel: 'debug',
        logKeys: options.logKeys === true && self === 'a',
        aggressivePsk: options.aggressivePsk === true,
        controlPath: control[self],
        write: (line) => logs[self].push(line),
      }),
    );
  }
  return { services, logs, control, ports, stop: () => Promise.all(services.map((s) => s.stop())) };
}

/** The keys of an ISAKMP SA: the engine holds them, the SAD keeps none (issue 12). */
const ikeKeys = (service: DaemonService | undefined, id: number | undefined) =>
  id === undefined ? undefined : service?.daemon.endpoint.ikeSaKeys?.(id);

/** Every key of both sides' SAs, as hex. */
function keysOf(service: DaemonService): string[] {
  const out: string[] = [];
  for (const sa of service.daemon.sad.ikeSas()) {
    const keys = ikeKeys(service, sa.id);
    if (keys !== undefined) out.push(...Object.values(keys).filter((k) => k.length >= 16));
  }
  // A CHILD SA's keys are made in hex when read (not own properties: child-sa-bytes.ts).
  for (const { keys } of service.daemon.sad.childSas())
    out.push(
      ...[keys.encryptionIn, keys.integrityIn, keys.encryptionOut, keys.integrityOut].filter(
        (k) => k.length >= 16,
      ),
    );
  return out;
}

describe('the daemon log and keys', () => {
  const stops: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const stop of stops) await stop();
  });

  it('at debug level, a whole exchange logs no key and no pre-shared key', async () => {
    const p = await pair({ aggressive: true, aggressivePsk: true });
    stops.push(p.stop);
    const up = await ikets(['up', 'net', '--timeout', '10', '--control', p.control.a]);
    assert.equal(up.status, 0, up.stderr);
    for (let i = 0; i < 40 && p.services[1]?.daemon.sad.childSas().length !== 1; i++) await sleep(50);
    const down = await ikets(['down', 'gw', '--control', p.control.a]);
    assert.equal(down.status, 0, down.stderr);
    const keys = [...keysOf(p.services[0] as DaemonService), ...keysOf(p.services[1] as DaemonService)];
    assert.ok(keys.length >= 8, `${keys.length} keys`);
    const text = `${p.logs.a.join('')}${p.logs.b.join('')}${up.stdout}`.toLowerCase();
    assert.match(text, / debug \[gw #1\] floating to udp /, 'debug lines were logged');
    for (const key of keys) assert.ok(!text.includes(key.toLowerCase()), `key ${key} is not in the log`);
    assert.ok(!text.includes(PSK.toLowerCase()));
    assert.ok(!text.includes(Buffer.from(PSK).toString('hex')));
    // The Delete we sent (`down`) is in the log at info.
    assert.match(
      p.logs.a.join(''),
      / info \[gw #\d+\] sending Delete for CHILD SA 'net' #\d+ \(esp SPIs [0-9a-f]{8} in, [0-9a-f]{8} out\): local\n/,
    );
    assert.match(p.logs.a.join(''), / info \[gw #\d+\] sending Delete for ISAKMP SA #\d+: local\n/);
  });

  it('with --log-keys, the keys of each SA are logged', async () => {
    const p = await pair({ logKeys: true });
    stops.push(p.stop);
    const up = await ikets(['up', 'net', '--timeout', '10', '--control', p.control.a]);
    assert.equal(up.status, 0, up.stderr);
    const log = p.logs.a.join('');
    assert.match(log, / warn --log-keys: the keys of every SA are logged; for test setups only\n/);
    const ike = ikeKeys(p.services[0], p.services[0]?.daemon.sad.ikeSas()[0]?.id);
    const child = p.services[0]?.daemon.sad.childSas()[0]?.keys;
    assert.ok(ike !== undefined && child !== undefined);
    assert.ok(log.includes(`SKEYID_d ${ike.skeyidD}`), log);
    assert.ok(log.includes(`Ka ${ike.encryptionKey}`));
    assert.ok(log.includes(`encryption ${child.encryptionIn} integrity ${child.integrityIn}`));
    assert.ok(log.includes(`encryption ${child.encryptionOut} integrity ${child.integrityOut}`));
    // Only the side started with --log-keys.
    assert.ok(!p.logs.b.join('').includes(ike.skeyidD));
  });

  it('Aggressive Mode as responder needs --aggressive-psk: without it the initiator hears AUTHENTICATION_FAILED', async () => {
    const p = await pair({ aggressive: true });
    stops.push(p.stop);
    const up = await ikets(['up', 'net', '--timeout', '10', '--control', p.control.a]);
    assert.equal(up.status, 1);
    assert.match(up.stderr, /AUTHENTICATION_FAILED/);
    assert.match(
      p.logs.b.join(''),
      / info refused Aggressive Mode from 127\.0\.0\.1:\d+: answering Aggressive Mode with pre-shared keys is off \(ikets start --aggressive-psk\)\n/,
    );
    assert.equal(p.services[1]?.daemon.endpoint.ikeSas().length, 0);
  });

  it('malformed datagrams are logged at info, rate-limited; a reload is logged', async () => {
    const p = await pair({});
    stops.push(p.stop);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const junk = Buffer.alloc(40, 0x41);
    for (let i = 0; i < 200; i++) socket.send(junk, p.ports.b, '127.0.0.1');
    for (let i = 0; i < 40 && p.services[1]?.daemon.datagramsReceived !== 200; i++) await sleep(50);
    socket.close();
    const dropped = p.logs.b.filter((l) =>
      / info dropped a malformed message from 127\.0\.0\.1:\d+: /.test(l),
    );
    assert.ok(dropped.length >= 1, p.logs.b.join(''));
    assert.ok(dropped.length <= 11, `${dropped.length} lines for 200 datagrams`);
    const reload = await ikets(['reload', '--control', p.control.b]);
    assert.equal(reload.status, 0);
    assert.match(p.logs.b.join(''), / info reloaded .*b\.conf: 1 connection\(s\)\n/);
  });
});
