import { performance } from 'node:perf_hooks';
import { parseSwanctlConfig } from '../src/config/swanctl.js';
import { dhGroup } from '../src/crypto/index.js';
import { Daemon } from '../src/daemon/daemon.js';
import { ikev1EndpointFactory } from '../src/daemon/engine.js';
import { Logger } from '../src/daemon/logger.js';
import { Ikev1Endpoint } from '../src/ikev1/ikev1-endpoint.js';
import type { BenchCase, BenchSuite, Measurement, Row } from './harness.js';

// Complete IKEv1 handshakes (Main Mode + Quick Mode with PFS, PSK), between two ikets endpoints:
// in-process (the sans-I/O core alone, datagrams handed over directly), and over UDP on 127.0.0.1
// (two daemons in this process). Beside them, the Diffie-Hellman work one handshake needs
// (phase 1 and PFS: two key pairs and two shared secrets each), measured in the same run.

const GROUPS = [
  ['x25519', 31],
  ['modp2048', 14],
] as const;

function config(self: 'a' | 'b', group: string, ports: { a: number; b: number }): string {
  const other = self === 'a' ? 'b' : 'a';
  return `connections { bench {
    version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = ${ports[self]}
    remote_port = ${ports[other]}
    proposals = aes128-sha256-${group}
    local { auth = psk
      id = ${self}.bench }
    remote { auth = psk
      id = ${other}.bench }
    children { net { esp_proposals = aes128-sha256-${group} } }
  } }
  secrets { ike { secret = bench-secret-0123456789 } }`;
}

/** Hands the datagrams of one endpoint to the other until both are quiet. */
function settle(a: Ikev1Endpoint, b: Ikev1Endpoint, now: number): void {
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      for (let t = from.pollTransmit(); t !== undefined; t = from.pollTransmit()) {
        to.handleDatagram(now, { local: t.remote, remote: t.local, data: t.data });
        moved = true;
      }
      while (from.pollEvent() !== undefined);
    }
  }
}

function inProcessHandshake(group: string): () => void {
  const ports = { a: 1500, b: 2500 };
  const a = new Ikev1Endpoint({ config: parseSwanctlConfig(config('a', group, ports)), nattPort: 14500 }, 0);
  const b = new Ikev1Endpoint({ config: parseSwanctlConfig(config('b', group, ports)), nattPort: 24500 }, 0);
  let now = 0;
  return () => {
    now += 1;
    a.initiate(now, 'bench', 'net');
    settle(a, b, now);
    if (a.childSaList().length !== 1 || b.childSaList().length !== 1)
      throw new Error('handshake did not complete');
    a.terminate(now, 'bench');
    settle(a, b, now);
  };
}

function dhOnly(id: number): () => void {
  const group = dhGroup(id);
  return () => {
    for (let exchange = 0; exchange < 2; exchange++) {
      const i = group.generate();
      const r = group.generate();
      i.computeSecret(r.publicValue);
      r.computeSecret(i.publicValue);
    }
  };
}

export const handshakeSuites: readonly BenchSuite[] = [
  {
    name: 'ikev1',
    cases: (): BenchCase[] =>
      GROUPS.map(([group, id]) => ({
        name: `Main+Quick Mode in-process, ${group} (baseline: its DH work only)`,
        ikets: inProcessHandshake(group),
        baseline: dhOnly(id),
      })),
  },
];

/** Sequential handshakes over UDP on 127.0.0.1, each brought up and torn down, for `timeMs`. */
async function udpHandshakes(group: string, timeMs: number): Promise<Measurement> {
  const silent = new Logger('error', false, () => undefined);
  const start = async (self: 'a' | 'b', port: number, nattPort: number) =>
    Daemon.start({
      config: parseSwanctlConfig(config(self, group, { a: 21500, b: 22500 })),
      createEndpoint: ikev1EndpointFactory,
      addresses: ['127.0.0.1'],
      port,
      nattPort,
      logger: silent,
    });
  const a = await start('a', 21500, 31500);
  const b = await start('b', 22500, 32500);
  let iterations = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < timeMs || iterations < 3) {
      const up = Promise.all([a.waitFor('child-sa-up'), b.waitFor('child-sa-up')]);
      a.initiate('bench', 'net');
      await up;
      const down = Promise.all([a.waitFor('ike-sa-down'), b.waitFor('ike-sa-down')]);
      a.terminate('bench');
      await down;
      iterations++;
    }
  } finally {
    await a.stop();
    await b.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { iterations, seconds, rate: iterations / seconds };
}

/** The UDP rows, measured after the synchronous suites. */
export async function udpHandshakeRows(timeMs: number, filter?: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [group] of GROUPS) {
    const name = `Main+Quick Mode over UDP 127.0.0.1, ${group}`;
    if (filter !== undefined && !`ikev1 ${name}`.includes(filter)) continue;
    rows.push({ suite: 'ikev1', name, unit: 'op/s', ikets: await udpHandshakes(group, timeMs) });
  }
  return rows;
}
