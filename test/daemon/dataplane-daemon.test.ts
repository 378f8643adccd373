/**
 * Two ikets daemons on 127.0.0.1 with a recording data plane: what the engine negotiates reaches the
 * backend crosswise (one side's outbound SA is the other's inbound, same keys), the SPD holds each
 * child's policies, list-pols and list-sas show them, and ESP-in-UDP shares the NAT-T socket
 * (RFC 3948) in both directions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { createControlHandler } from '../../src/daemon/control-handler.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { ikev1EndpointFactory } from '../../src/daemon/engine.js';
import { Logger } from '../../src/daemon/logger.js';
import type { EspInUdpPort } from '../../src/dataplane/backend.js';
import { RecordingBackend } from '../support/recording-backend.js';
import { freePorts, pairConfig } from './pair-config.js';

describe('daemon with a data plane', () => {
  const backends = { a: new RecordingBackend(), b: new RecordingBackend() };
  const ports: Partial<Record<'a' | 'b', EspInUdpPort>> = {};
  let a: Daemon;
  let b: Daemon;
  const logs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ikets-updown-'));
  const script = join(dir, 'updown.sh');
  const record = join(dir, 'calls');
  writeFileSync(
    script,
    `#!/bin/sh\nenv | grep '^PLUTO_' | sort >> '${record}'\necho ---- >> '${record}'\necho "updown ran: $PLUTO_VERB"\n`,
    { mode: 0o755 },
  );

  before(async () => {
    const [pa = 0, pb = 0, na = 0, nb = 0] = await freePorts(4);
    const start = (self: 'a' | 'b', port: number, nattPort: number) =>
      Daemon.start({
        config: parseSwanctlConfig(
          pairConfig(self, { a: pa, b: pb }, 'encap = yes').replace(
            'esp_proposals = aes128-sha256-modp2048',
            `esp_proposals = aes128-sha256-modp2048\n${self === 'a' ? `updown = ${script}` : ''}`,
          ),
        ),
        createEndpoint: ikev1EndpointFactory,
        addresses: ['127.0.0.1'],
        port,
        nattPort,
        logger: new Logger('debug', false, (line) => logs.push(`${self} ${line}`)),
        createDataplane: async (p) => {
          ports[self] = p;
          return backends[self];
        },
      });
    a = await start('a', pa, na);
    b = await start('b', pb, nb);
  });

  after(async () => {
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs both SAs of a child crosswise with their policies, and removes them with it', async () => {
    const up = Promise.all([a.waitFor('child-sa-up'), b.waitFor('child-sa-up')]);
    assert.equal(a.initiate('gw', 'net'), undefined);
    await up.catch((error: Error) => assert.fail(`${error.message}\n${logs.join('')}`));
    await a.dataplane?.settled();
    await b.dataplane?.settled();
    const sas = (side: 'a' | 'b', direction: 'in' | 'out') =>
      [...backends[side].sas.values()].find((s) => s.direction === direction) ??
      assert.fail(`${side} ${direction}`);
    for (const [x, y] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const out = sas(x, 'out');
      const inbound = sas(y, 'in');
      assert.equal(out.spi, inbound.spi);
      assert.deepEqual(out.encryption?.key, inbound.encryption?.key);
      assert.deepEqual(out.integrity?.key, inbound.integrity?.key);
      assert.equal(out.encryption?.name, 'aes128');
      // The same SA seen from both ends: same outer addresses and UDP ports.
      assert.deepEqual(out.encapsulation, inbound.encapsulation);
      assert.equal(out.source, inbound.source);
      assert.equal(out.destination, inbound.destination);
      assert.equal(out.reqid, sas(x, 'in').reqid);
    }
    assert.equal(backends.a.calls.filter((c) => c.op === 'bypass').length, 2, 'IKE and NAT-T socket bypass');
    const handler = createControlHandler(a);
    const pols = await handler({ command: 'list-pols' }, () => {});
    assert.equal(pols.ok, true);
    const rows = (
      pols as unknown as { policies: { direction: string; source: string; destination: string }[] }
    ).policies;
    assert.deepEqual(
      rows.map((r) => `${r.direction} ${r.source} ${r.destination}`),
      ['fwd 10.2.0.0/16 10.1.0.0/16', 'in 10.2.0.0/16 10.1.0.0/16', 'out 10.1.0.0/16 10.2.0.0/16'],
    );
    const listing = (await handler({ command: 'list-sas' }, () => {})) as unknown as {
      traffic: Record<string, { packetsIn: number }>;
    };
    const [child] = a.sad.childSas();
    assert.equal(listing.traffic[String(child?.id)]?.packetsIn, 2);

    const down = Promise.all([a.waitFor('child-sa-down'), b.waitFor('child-sa-down')]);
    assert.equal(a.terminate('net'), undefined);
    await down;
    await a.dataplane?.settled();
    await b.dataplane?.settled();
    for (const side of ['a', 'b'] as const) {
      assert.equal(backends[side].sas.size, 0);
      assert.equal(backends[side].policies.size, 0);
    }

    // updown = PATH ran once up and once down with charon's environment (a only has it configured).
    await a.updownSettled();
    const runs = readFileSync(record, 'utf8')
      .split('----\n')
      .filter((r) => r !== '');
    assert.equal(runs.length, 2);
    const env = (run: string) =>
      Object.fromEntries(
        run
          .trim()
          .split('\n')
          .map((l) => l.split(/=(.*)/s).slice(0, 2)),
      );
    const [upEnv, downEnv] = runs.map(env);
    assert.equal(upEnv?.PLUTO_VERB, 'up-client');
    assert.equal(downEnv?.PLUTO_VERB, 'down-client');
    assert.equal(upEnv?.PLUTO_CONNECTION, 'net');
    assert.equal(upEnv?.PLUTO_MY_CLIENT, '10.1.0.0/16');
    assert.equal(upEnv?.PLUTO_PEER_CLIENT, '10.2.0.0/16');
    assert.equal(upEnv?.PLUTO_ME, '127.0.0.1');
    assert.equal(upEnv?.PLUTO_MY_ID, 'a.ikets.test');
    assert.equal(upEnv?.PLUTO_PEER_ID, 'b.ikets.test');
    assert.equal(upEnv?.PLUTO_PROTO, 'esp');
    assert.equal(upEnv?.PLUTO_INTERFACE, 'lo');
    assert.equal(upEnv?.PLUTO_REQID, String(backends.a.calls.find((c) => c.op === 'addSa')?.sa.reqid));
    assert.match(upEnv?.PLUTO_UDP_ENC ?? '', /^\d+$/);
    assert.ok(logs.some((l) => l.includes('updown: updown ran: up-client')));
  });

  it('ESP-in-UDP sent through one daemon NAT-T socket reaches the other daemon backend, not its engine', async () => {
    const natt = (d: Daemon) =>
      d.bound.find((s) => s.kind === 'natt')?.local ?? assert.fail('no NAT-T socket');
    const esp = Buffer.from('c0ffee0100000001aabbccddeeff', 'hex');
    const before = b.datagramsReceived;
    ports.a?.send(natt(a), natt(b), esp);
    for (let i = 0; i < 100 && backends.b.espInUdp.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(b.datagramsReceived, before + 1);
    assert.deepEqual(Buffer.from(backends.b.espInUdp[0]?.data ?? []), esp);
    assert.deepEqual(backends.b.espInUdp[0]?.remote, natt(a));
  });
});

describe('a data plane that carries only ESP-in-UDP', () => {
  it('makes every connection negotiate UDP encapsulation, as charon with kernel-libipsec does', async () => {
    const [pa = 0, pb = 0, na = 0, nb = 0] = await freePorts(4);
    const logs: string[] = [];
    const start = (self: 'a' | 'b', port: number, nattPort: number, backend?: RecordingBackend) =>
      Daemon.start({
        config: parseSwanctlConfig(pairConfig(self, { a: pa, b: pb }, 'encap = no')),
        createEndpoint: ikev1EndpointFactory,
        addresses: ['127.0.0.1'],
        port,
        nattPort,
        logger: new Logger('debug', false, (line) => logs.push(`${self} ${line}`)),
        createDataplane: backend === undefined ? undefined : async () => backend,
      });
    const backend = Object.assign(new RecordingBackend(), { requiresUdpEncapsulation: true });
    const a = await start('a', pa, na, backend);
    const b = await start('b', pb, nb);
    try {
      const up = Promise.all([a.waitFor('child-sa-up'), b.waitFor('child-sa-up')]);
      assert.equal(a.initiate('gw', 'net'), undefined);
      const [childA, childB] = await up.catch((error: Error) =>
        assert.fail(`${error.message}\n${logs.join('')}`),
      );
      assert.equal(childA.sa.encapsulation, true);
      assert.equal(childB.sa.encapsulation, true);
      await a.dataplane?.settled();
      assert.ok([...backend.sas.values()].every((s) => s.encapsulation !== undefined));
      assert.ok(logs.some((l) => l.includes('every connection negotiates UDP encapsulation')));
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('close_action = trap', () => {
  it('the peer closing the child leaves its trap policies in the data plane', async () => {
    const [pa = 0, pb = 0, na = 0, nb = 0] = await freePorts(4);
    const logs: string[] = [];
    const backend = new RecordingBackend();
    const start = (self: 'a' | 'b', port: number, nattPort: number, extra: string, dp?: RecordingBackend) =>
      Daemon.start({
        config: parseSwanctlConfig(
          pairConfig(self, { a: pa, b: pb }).replace(
            'esp_proposals = aes128-sha256-modp2048',
            `esp_proposals = aes128-sha256-modp2048\n${extra}`,
          ),
        ),
        createEndpoint: ikev1EndpointFactory,
        addresses: ['127.0.0.1'],
        port,
        nattPort,
        logger: new Logger('debug', false, (line) => logs.push(`${self} ${line}`)),
        createDataplane: dp === undefined ? undefined : async () => dp,
      });
    const a = await start('a', pa, na, 'close_action = trap', backend);
    const b = await start('b', pb, nb, '');
    try {
      const up = Promise.all([a.waitFor('child-sa-up'), b.waitFor('child-sa-up')]);
      assert.equal(a.initiate('gw', 'net'), undefined);
      await up.catch((error: Error) => assert.fail(`${error.message}\n${logs.join('')}`));
      await a.dataplane?.settled();
      assert.deepEqual(
        [...backend.policies.values()].map((p) => p.action),
        ['protect', 'protect', 'protect'],
      );
      const down = a.waitFor('child-sa-down');
      assert.equal(b.terminate('net'), undefined);
      assert.equal((await down).reason, 'remote');
      await a.dataplane?.settled();
      assert.equal(backend.sas.size, 0);
      assert.deepEqual(
        [...backend.policies.values()].map((p) => p.action),
        ['trap', 'trap', 'trap'],
      );
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
