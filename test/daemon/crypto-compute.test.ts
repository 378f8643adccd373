/**
 * `--crypto-workers 1`: two daemons on 127.0.0.1 whose MODP-2048 g^xy the engine sends out
 * (src/ikev1/compute-queue.ts) to the one worker thread complete Main Mode + Quick Mode with PFS,
 * both as initiator and as responder; an X25519 g^xy stays inline (compute-shell.ts).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { DaemonService } from '../../src/daemon/index.js';
import { tempDir } from './helpers.js';
import { freePorts, pairConfig } from './pair-config.js';

describe('daemon with --crypto-workers 1: g^xy on the worker', () => {
  const services: DaemonService[] = [];
  const logs: string[] = [];

  before(async () => {
    const dir = await tempDir();
    const [a, b, aNatt, bNatt] = (await freePorts(4)) as [number, number, number, number];
    const ports = { a, b };
    const natt = { a: aNatt, b: bNatt };
    for (const self of ['a', 'b'] as const) {
      const configFile = join(dir, `${self}.conf`);
      // A second connection between the same daemons with X25519 and other subnets: the responder
      // tells the two apart by the proposal, and the children by their selectors.
      const x25519 = pairConfig(self, ports)
        .replace(/\n {2}gw \{/, '\n  gwx {')
        .replace(/modp2048/g, 'curve25519')
        .replace(/\n {6}net \{/, '\n      netx {')
        .replace(/10\.1\.0/g, '10.3.0')
        .replace(/10\.2\.0/g, '10.4.0');
      const both = pairConfig(self, ports).replace(
        /^connections \{\n/m,
        `connections {\n${x25519.slice(x25519.indexOf('  gwx {'), x25519.lastIndexOf('\n}\nsecrets'))}\n`,
      );
      await writeFile(configFile, both);
      services.push(
        await DaemonService.start({
          configFile,
          addresses: ['127.0.0.1'],
          port: ports[self],
          nattPort: natt[self],
          controlPath: undefined,
          cryptoWorkers: 1,
          write: (line) => logs.push(`${self}: ${line}`),
        }),
      );
    }
  });

  after(async () => {
    for (const s of services) await s.stop();
  });

  it('completes Main Mode + Quick Mode with MODP-2048 g^xy computed on the worker, in both roles', async () => {
    const [a, b] = services.map((s): Daemon => s.daemon) as [Daemon, Daemon];
    assert.match(
      logs.join(''),
      /b: .*1 crypto worker\(s\) make DH key pairs ahead of time and compute MODP g\^xy/,
    );
    for (const [initiator, responder] of [
      [a, b],
      [b, a],
    ] as const) {
      const up = responder.waitFor('child-sa-up', 15_000);
      const upHere = initiator.waitFor('child-sa-up', 15_000);
      assert.equal(initiator.initiate('gw', 'net'), undefined);
      const [child, mine] = await Promise.all([up, upHere]);
      assert.equal(child.sa.proposal, 'aes128-sha256-modp2048');
      assert.equal(child.sa.spiIn, mine.sa.spiOut);
      const down = responder.waitFor('ike-sa-down', 15_000);
      assert.equal(initiator.terminate('gw'), undefined);
      await down;
    }
    // Per side and handshake one phase 1 g^xy and one Quick Mode (PFS) g^xy, each on the worker,
    // none inline.
    for (const d of [a, b]) assert.deepEqual(d.cryptoPool?.computeCounters(), { onWorkers: 4, inline: 0 });
  });

  it('keeps an X25519 g^xy inline', async () => {
    const [a, b] = services.map((s): Daemon => s.daemon) as [Daemon, Daemon];
    const up = b.waitFor('child-sa-up', 15_000);
    assert.equal(a.initiate('gwx', 'netx'), undefined);
    const child = await up;
    assert.equal(child.sa.proposal, 'aes128-sha256-curve25519');
    for (const d of [a, b]) assert.deepEqual(d.cryptoPool?.computeCounters(), { onWorkers: 4, inline: 0 });
  });
});
