import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { parseSwanctlConfig } from '../config/swanctl.js';
import { Daemon, DaemonTimeoutError } from '../daemon/daemon.js';
import { ikev1EndpointFactory } from '../daemon/engine.js';
import { Logger } from '../daemon/logger.js';
import type { ChildSaInfo } from '../sa/types.js';
import { formatSaListing } from '../sad/index.js';
import type { CliIo } from './io.js';
import { CliError } from './usage-error.js';

/**
 * `ikets demo`: two ikets peers, alice and bob, on 127.0.0.1 negotiate Main Mode + Quick Mode with a
 * pre-shared key, once plainly and once with NAT traversal forced on (`encap = yes`: both float to
 * their NAT-T ports and use UDP-encapsulated ESP). Both sides' SAs are printed, and each IPsec SA's
 * outbound keys are checked against the peer's inbound keys.
 */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { quiet: { type: 'boolean' } }, allowPositionals: false });
  let ok = true;
  for (const natt of [false, true]) {
    io.stdout(
      `\n=== Main Mode + Quick Mode on 127.0.0.1, NAT-T ${natt ? 'forced on (encap = yes)' : 'off'} ===\n`,
    );
    ok = (await runScenario(natt, io, values.quiet === true)) && ok;
  }
  io.stdout(
    ok
      ? "\nBoth negotiations succeeded; every outbound key equals the peer's inbound key.\n"
      : '\nThe demo FAILED.\n',
  );
  return ok ? 0 : 1;
}

function peerConfig(self: 'alice' | 'bob', ports: Record<'alice' | 'bob', number>, natt: boolean): string {
  const other = self === 'alice' ? 'bob' : 'alice';
  return `connections {
  demo {
    version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = ${ports[self]}
    remote_port = ${ports[other]}
    proposals = aes128-sha256-x25519
    encap = ${natt ? 'yes' : 'no'}
    local { auth = psk
      id = ${self}.demo.ikets }
    remote { auth = psk
      id = ${other}.demo.ikets }
    children { net { esp_proposals = aes128-sha256-x25519 } }
  }
}
secrets { ike-demo {
  id-1 = alice.demo.ikets
  id-2 = bob.demo.ikets
  secret = "demo-only-pre-shared-key"
} }`;
}

/** A UDP port nobody uses right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function runScenario(natt: boolean, io: CliIo, quiet: boolean): Promise<boolean> {
  const ports = { alice: await freePort(), bob: await freePort() };
  const nattPorts = { alice: await freePort(), bob: await freePort() };
  const daemons: Partial<Record<'alice' | 'bob', Daemon>> = {};
  try {
    for (const name of ['alice', 'bob'] as const) {
      const logger = new Logger('info', false, (line) => {
        if (!quiet) io.stdout(`[${name.padEnd(5)}] ${line}`);
      });
      daemons[name] = await Daemon.start({
        config: parseSwanctlConfig(peerConfig(name, ports, natt), `${name}.conf`),
        createEndpoint: ikev1EndpointFactory,
        addresses: ['127.0.0.1'],
        port: ports[name],
        nattPort: nattPorts[name],
        logger,
      });
    }
    const alice = daemons.alice!;
    const bob = daemons.bob!;
    const up = Promise.all([alice.waitFor('child-sa-up'), bob.waitFor('child-sa-up')]);
    const error = alice.initiate('demo', 'net');
    if (error !== undefined) throw new CliError('ERR_DEMO', error);
    await up;
    for (const [name, d] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      io.stdout(
        `\n${name}'s SAs:\n${formatSaListing(d.endpoint.ikeSas(), d.endpoint.childSas(), { now: d.now(), showKeys: true })}`,
      );
    }
    const matched = crosswise(alice.endpoint.childSas(), bob.endpoint.childSas(), io);
    const down = Promise.all([alice.waitFor('ike-sa-down'), bob.waitFor('ike-sa-down')]);
    alice.terminate('demo');
    await down;
    return matched;
  } catch (error) {
    if (error instanceof DaemonTimeoutError) throw new CliError('ERR_DEMO', error.message);
    throw error;
  } finally {
    for (const d of Object.values(daemons)) await d?.stop();
  }
}

/** Alice's outbound SA is Bob's inbound one: same SPI, same keys (RFC 2409 section 5.5). */
function crosswise(alice: readonly ChildSaInfo[], bob: readonly ChildSaInfo[], io: CliIo): boolean {
  let ok = alice.length > 0 && alice.length === bob.length;
  io.stdout('\nkeys crosswise:\n');
  for (const a of alice) {
    const b = bob.find((x) => x.spiIn === a.spiOut);
    const out =
      b !== undefined &&
      b.keys.encryptionIn === a.keys.encryptionOut &&
      b.keys.integrityIn === a.keys.integrityOut;
    const back =
      b !== undefined &&
      b.spiOut === a.spiIn &&
      b.keys.encryptionOut === a.keys.encryptionIn &&
      b.keys.integrityOut === a.keys.integrityIn;
    io.stdout(
      `  alice -> bob  SPI ${a.spiOut}: alice's outbound keys ${out ? '==' : '!='} bob's inbound keys\n`,
    );
    io.stdout(
      `  bob -> alice  SPI ${a.spiIn}: bob's outbound keys ${back ? '==' : '!='} alice's inbound keys\n`,
    );
    ok = ok && out && back;
  }
  return ok;
}
