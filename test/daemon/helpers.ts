/** Starting a daemon around the fake engine on 127.0.0.1 with ephemeral ports, and a UDP peer. */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, DaemonService, Logger } from '../../src/daemon/index.js';
import type { Address } from '../../src/sa/types.js';
import { FAKE_CONFIG_TEXT, FakeEndpoint, fakeConfig } from './fake-endpoint.js';

export interface Harness {
  readonly daemon: Daemon;
  readonly fake: FakeEndpoint;
  readonly lines: string[];
  readonly ike: Address;
  readonly natt: Address;
}

export async function startFakeDaemon(
  options: { json?: boolean; level?: 'debug' | 'info'; configFile?: string; addresses?: string[] } = {},
): Promise<Harness> {
  const lines: string[] = [];
  let fake: FakeEndpoint | undefined;
  const daemon = await Daemon.start({
    config: fakeConfig(),
    configFile: options.configFile,
    loadConfig: options.configFile ? async () => fakeConfig() : undefined,
    createEndpoint: (config, now, nattPort) => {
      fake = new FakeEndpoint(config, now, nattPort);
      return fake;
    },
    addresses: options.addresses ?? ['127.0.0.1'],
    port: 0,
    nattPort: 0,
    logger: new Logger(options.level ?? 'debug', options.json === true, (line) => lines.push(line)),
  });
  const find = (kind: 'ike' | 'natt') => daemon.bound.find((b) => b.kind === kind)?.local as Address;
  return { daemon, fake: fake as FakeEndpoint, lines, ike: find('ike'), natt: find('natt') };
}

export class Peer {
  readonly received: { data: string; from: RemoteInfo }[] = [];
  readonly #waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (data, from) => {
      this.received.push({ data: data.toString(), from });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(): Promise<Peer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Peer(socket);
  }

  get address(): Address {
    return { address: '127.0.0.1', port: this.socket.address().port };
  }

  send(to: Address, data: string): void {
    this.socket.send(data, to.port, to.address);
  }

  /** Waits until `count` datagrams have arrived (or fails after `ms`). */
  async waitFor(count: number, ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`peer got ${this.received.length} datagrams, expected ${count}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const tempDirs: string[] = [];
// Tests leave nothing behind: the directories go when the test file's process ends.
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ikets-daemon-'));
  tempDirs.push(dir);
  return dir;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A DaemonService around the fake engine on 127.0.0.1 (ephemeral ports), with its configuration file
 * and control socket in a fresh temporary directory.
 */
export async function startFakeService(write: (line: string) => void = () => {}) {
  const dir = await tempDir();
  const control = join(dir, 'ikets.ctl');
  const configFile = join(dir, 'swanctl.conf');
  await writeFile(configFile, FAKE_CONFIG_TEXT);
  let fake: FakeEndpoint | undefined;
  const service = await DaemonService.start({
    configFile,
    addresses: ['127.0.0.1'],
    port: 0,
    nattPort: 0,
    controlPath: control,
    write,
    createEndpoint: (config, now, nattPort) => {
      fake = new FakeEndpoint(config, now, nattPort);
      return fake;
    },
  });
  return { service, fake: fake as FakeEndpoint, control, dir, configFile };
}
