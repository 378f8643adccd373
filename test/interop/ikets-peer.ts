/**
 * A test-only shell around one Ikev1Endpoint, for the interop tests: runs as a child process
 * (usually under `ip netns exec`), binds UDP sockets for the IKE and NAT-T ports on one address,
 * drives the engine with Date.now(), prints every engine event as one JSON line on stdout and takes
 * commands as JSON lines on stdin:
 *
 *   {"cmd":"initiate","conn":"x","child":"y"}  {"cmd":"terminate","name":"x"}
 *   {"cmd":"list"} -> {"type":"list","ike":[...],"children":[...]}   {"cmd":"quit"}
 *
 * Usage: node dist/test/interop/ikets-peer.js --config FILE --address A [--port 500 --natt-port 4500]
 *        [--settings JSON]   (engine settings, e.g. '{"retransmitTimeout":500}')
 * With IKETS_PEER_DEFER_COMPUTE=1 in its environment every g^xy leaves the engine (the compute
 * seam, src/ikev1/compute-queue.ts) and is answered on a later turn of the event loop, as the
 * daemon's crypto workers answer it, so the interop scenarios run through the deferred path.
 * Besides engine events it prints {"type":"ready"}, {"type":"result",...} for commands and
 * {"type":"fatal","message":...} before exiting on an error.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import type { EngineSettings } from '../../src/ikev1/context.js';
import { computeNow, deferAllCompute, Ikev1Endpoint } from '../../src/ikev1/ikev1-endpoint.js';

const deferCompute = process.env.IKETS_PEER_DEFER_COMPUTE === '1';

function print(value: unknown): void {
  const line = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    return v;
  });
  process.stdout.write(`${line}\n`);
}

function fatal(message: string): never {
  print({ type: 'fatal', message });
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    address: { type: 'string' },
    port: { type: 'string', default: '500' },
    'natt-port': { type: 'string', default: '4500' },
    settings: { type: 'string', default: '{}' },
  },
});
if (values.config === undefined || values.address === undefined)
  fatal('usage: ikets-peer --config FILE --address A [--port 500 --natt-port 4500]');
const address = values.address;
const ports = [Number(values.port), Number(values['natt-port'])];

let endpoint: Ikev1Endpoint;
try {
  const config = parseSwanctlConfig(readFileSync(values.config, 'utf8'), values.config);
  // The interop scenarios run Aggressive Mode both ways: ikets answers it (the daemon-wide opt-in).
  const settings = {
    aggressivePskResponder: true,
    ...(JSON.parse(values.settings ?? '{}') as Partial<EngineSettings>),
  };
  endpoint = new Ikev1Endpoint(
    { config, nattPort: ports[1], settings, ...(deferCompute ? { compute: deferAllCompute } : {}) },
    Date.now(),
  );
} catch (error) {
  fatal(`cannot load ${values.config}: ${(error as Error).message}`);
}

const sockets = new Map<number, Socket>();
let timer: NodeJS.Timeout | undefined;
let pendingSends = 0;

/** Sends what the engine queued, prints its events and arms the timer for its next deadline. */
function drain(): void {
  for (let t = endpoint.pollTransmit(); t !== undefined; t = endpoint.pollTransmit()) {
    const socket = sockets.get(t.local.port);
    if (socket === undefined || t.local.address !== address) {
      print({
        type: 'log',
        level: 'error',
        message: `peer shell: no socket for ${t.local.address}:${t.local.port}`,
      });
      continue;
    }
    pendingSends++;
    socket.send(t.data, t.remote.port, t.remote.address, (error) => {
      pendingSends--;
      if (error) print({ type: 'log', level: 'error', message: `peer shell: send failed: ${error.message}` });
    });
  }
  for (let c = endpoint.pollCompute(); c !== undefined; c = endpoint.pollCompute()) {
    const request = c;
    setImmediate(() => {
      endpoint.handleComputed(Date.now(), request.id, computeNow(request));
      drain();
    });
  }
  // Log lines carry the time (ms) they were drained, to line them up with charon's log.
  for (let e = endpoint.pollEvent(); e !== undefined; e = endpoint.pollEvent())
    print(e.type === 'log' ? { ...e, at: Date.now() } : e);
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  const at = endpoint.pollTimeout();
  if (at !== undefined) {
    timer = setTimeout(
      () => {
        timer = undefined;
        endpoint.handleTimeout(Date.now());
        drain();
      },
      Math.max(0, at - Date.now()),
    );
  }
}

async function bind(port: number): Promise<void> {
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('message', (data, rinfo) => {
    endpoint.handleDatagram(Date.now(), {
      local: { address, port },
      remote: { address: rinfo.address, port: rinfo.port },
      data,
    });
    drain();
  });
  socket.on('error', (error) => print({ type: 'log', level: 'error', message: `socket: ${error.message}` }));
  sockets.set(port, socket);
}

interface Command {
  readonly cmd?: unknown;
  readonly conn?: unknown;
  readonly child?: unknown;
  readonly name?: unknown;
}

async function quit(): Promise<void> {
  endpoint.terminateAll(Date.now());
  drain();
  if (timer !== undefined) clearTimeout(timer);
  const deadline = Date.now() + 1000;
  while (pendingSends > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const s of sockets.values()) s.close();
  print({ type: 'bye' });
  process.stdout.write('', () => process.exit(0));
}

function command(line: string): void {
  let c: Command;
  try {
    c = JSON.parse(line) as Command;
  } catch {
    print({ type: 'result', ok: false, error: `not JSON: ${line}` });
    return;
  }
  const now = Date.now();
  switch (c.cmd) {
    case 'initiate': {
      if (typeof c.conn !== 'string') break;
      const error = endpoint.initiate(now, c.conn, typeof c.child === 'string' ? c.child : undefined);
      print({ type: 'result', cmd: 'initiate', ok: error === undefined, error });
      drain();
      return;
    }
    case 'terminate': {
      if (typeof c.name !== 'string') break;
      const error = endpoint.terminate(now, c.name);
      print({ type: 'result', cmd: 'terminate', ok: error === undefined, error });
      drain();
      return;
    }
    case 'list':
      print({ type: 'list', ike: endpoint.ikeSaList(), children: endpoint.childSaList() });
      return;
    case 'quit':
      void quit();
      return;
  }
  print({ type: 'result', ok: false, error: `bad command: ${line}` });
}

try {
  for (const port of ports) await bind(port);
} catch (error) {
  fatal(`cannot bind ${address}: ${(error as Error).message}`);
}
createInterface({ input: process.stdin })
  .on('line', command)
  .on('close', () => void quit());
print({ type: 'ready', address, ports });
drain();
