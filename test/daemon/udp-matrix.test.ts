/**
 * ikets <-> ikets over real UDP sockets on 127.0.0.1 (two daemons in this process): Main Mode and
 * Aggressive Mode, Quick Mode with and without PFS, NAT-T off and forced on, and a Delete from each side.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { ikev1EndpointFactory } from '../../src/daemon/engine.js';
import { Logger } from '../../src/daemon/logger.js';
import { freePorts, pairConfig } from './pair-config.js';

async function startPair(extra: string, esp: string) {
  const [a = 0, b = 0, aNatt = 0, bNatt = 0] = await freePorts(4);
  const ports = { a, b };
  const logs: string[] = [];
  const start = (self: 'a' | 'b', port: number, nattPort: number) =>
    Daemon.start({
      config: parseSwanctlConfig(
        pairConfig(self, ports, extra).replace(
          'esp_proposals = aes128-sha256-modp2048',
          `esp_proposals = ${esp}`,
        ),
      ),
      createEndpoint: ikev1EndpointFactory,
      engineSettings: { aggressivePskResponder: true },
      addresses: ['127.0.0.1'],
      port,
      nattPort,
      logger: new Logger('debug', false, (line) => logs.push(`${self} ${line}`)),
    });
  return { a: await start('a', a, aNatt), b: await start('b', b, bNatt), logs };
}

const CASES = [
  ['Main Mode', ''],
  ['Aggressive Mode', 'aggressive = yes'],
] as const;

describe('ikets <-> ikets over UDP on 127.0.0.1', () => {
  for (const [mode, modeExtra] of CASES) {
    for (const pfs of [true, false]) {
      for (const natt of [false, true]) {
        const deleter = pfs === natt ? 'a' : 'b';
        const name = `${mode}, Quick Mode ${pfs ? 'with' : 'without'} PFS, NAT-T ${natt ? 'on' : 'off'}, Delete from ${deleter === 'a' ? 'the initiator' : 'the responder'}`;
        it(name, async () => {
          const extra = `${modeExtra}\n    encap = ${natt ? 'yes' : 'no'}`;
          const { a, b, logs } = await startPair(extra, pfs ? 'aes128-sha256-modp2048' : 'aes128-sha256');
          try {
            const up = Promise.all([a.waitFor('child-sa-up'), b.waitFor('child-sa-up')]);
            assert.equal(a.initiate('gw', 'net'), undefined);
            await up.catch((error: Error) => assert.fail(`${error.message}\n${logs.join('')}`));
            const [ike] = a.sad.ikeSas();
            assert.equal(ike?.exchange, mode === 'Main Mode' ? 'main' : 'aggressive');
            assert.equal(ike?.nat.encapsulated, natt);
            const [childA] = a.sad.childSas();
            const [childB] = b.sad.childSas();
            assert.equal(childA?.spiOut, childB?.spiIn);
            assert.equal(childA?.spiIn, childB?.spiOut);
            assert.equal(childA?.keys.encryptionOut, childB?.keys.encryptionIn);
            assert.equal(childA?.keys.integrityIn, childB?.keys.integrityOut);
            assert.equal(childA?.encapsulation, natt);
            assert.equal(childA?.pfsGroup, pfs ? 'modp2048' : undefined);
            const down = Promise.all([a.waitFor('ike-sa-down'), b.waitFor('ike-sa-down')]);
            assert.equal((deleter === 'a' ? a : b).terminate('gw'), undefined);
            await down;
            for (const d of [a, b]) assert.deepEqual(d.sad.size, { ike: 0, child: 0 });
          } finally {
            await a.stop();
            await b.stop();
          }
        });
      }
    }
  }
});
