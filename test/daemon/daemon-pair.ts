/**
 * Two ikets daemons (DaemonService with the real engine) on 127.0.0.1, each with its own swanctl
 * folder (swanctl.conf, x509/, private/, pubkey/, ...), talking over real UDP sockets on ephemeral
 * ports. Every datagram either engine hands to its daemon's sockets is recorded, so a test can write
 * them to a pcap for tshark (`recordedPcap`), with the keys of `ikeSas()` to decrypt them.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writePcap } from '../../src/capture/pcap-writer.js';
import type { EndpointFactory } from '../../src/daemon/endpoint-like.js';
import { ikev1EndpointFactory } from '../../src/daemon/engine.js';
import { DaemonService } from '../../src/daemon/index.js';
import { ikets } from '../cli/run.js';
import { sleep, tempDir } from './helpers.js';
import { freePorts } from './pair-config.js';

export type Side = 'a' | 'b';
export const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

export interface Sent {
  readonly from: Side;
  readonly data: Uint8Array;
}

export interface DaemonPair {
  readonly services: Record<Side, DaemonService>;
  /** Each side's IKE and NAT-T ports, and its swanctl.conf (rewrite it and `ikets reload`). */
  readonly ports: Record<Side, number>;
  readonly natt: Record<Side, number>;
  readonly configFile: Record<Side, string>;
  readonly control: Record<Side, string>;
  readonly logs: Record<Side, string[]>;
  /** Every datagram sent by either daemon, in order. */
  readonly sent: Sent[];
  /** `ikets ARGS --control <side's socket>`. */
  ikets(side: Side, args: readonly string[]): ReturnType<typeof ikets>;
  /** `ikets list-sas` of `side` once every child named is INSTALLED there (or after ~4 s). */
  listInstalled(side: Side, children: readonly string[]): Promise<string>;
  /** Both logs, for a failure message. */
  describe(): string;
  stop(): Promise<void>;
}

export interface PairOptions {
  /** swanctl.conf of `self`, whose IKE port is `ports[self]` and the peer's `ports[other(self)]`. */
  readonly config: (self: Side, ports: Record<Side, number>) => string;
  /** Files under each side's swanctl folder, e.g. `{ 'x509/a.crt': pem, 'private/a.key': pem }`. */
  readonly files?: Partial<Record<Side, Readonly<Record<string, string | Buffer>>>>;
  /** `--crypto-workers` of both daemons (none by default). */
  readonly cryptoWorkers?: number;
}

export async function startPair(o: PairOptions): Promise<DaemonPair> {
  const root = await tempDir();
  const [a, b, aNatt, bNatt] = (await freePorts(4)) as [number, number, number, number];
  const ports = { a, b };
  const natt = { a: aNatt, b: bNatt };
  const logs: Record<Side, string[]> = { a: [], b: [] };
  const control = { a: join(root, 'a.ctl'), b: join(root, 'b.ctl') };
  const sent: Sent[] = [];
  const configFiles = { a: join(root, 'a', 'swanctl.conf'), b: join(root, 'b', 'swanctl.conf') };
  const services: Partial<Record<Side, DaemonService>> = {};
  const stop = async () => {
    for (const s of Object.values(services)) await s?.stop();
  };
  try {
    for (const self of ['a', 'b'] as const) {
      const dir = join(root, self);
      mkdirSync(dir);
      for (const [file, content] of Object.entries(o.files?.[self] ?? {})) {
        const path = join(dir, file);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
        if (file.startsWith('private/')) chmodSync(path, 0o600);
      }
      const configFile = configFiles[self];
      writeFileSync(configFile, o.config(self, ports), { mode: 0o600 });
      const recording: EndpointFactory = (...args) => {
        const endpoint = ikev1EndpointFactory(...args);
        return {
          ...endpoint,
          pollTransmit: () => {
            const t = endpoint.pollTransmit();
            if (t !== undefined) sent.push({ from: self, data: Uint8Array.from(t.data) });
            return t;
          },
        };
      };
      services[self] = await DaemonService.start({
        configFile,
        addresses: ['127.0.0.1'],
        port: ports[self],
        nattPort: natt[self],
        logLevel: 'debug',
        controlPath: control[self],
        write: (line) => logs[self].push(line),
        createEndpoint: recording,
        cryptoWorkers: o.cryptoWorkers,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const run = (side: Side, args: readonly string[]) => ikets([...args, '--control', control[side]]);
  return {
    services: services as Record<Side, DaemonService>,
    ports,
    natt,
    configFile: configFiles,
    control,
    logs,
    sent,
    ikets: run,
    async listInstalled(side, children) {
      let list = '';
      for (let i = 0; i < 80; i++) {
        list = (await run(side, ['list-sas'])).stdout;
        if (children.every((c) => new RegExp(`\\n {2}${c}: #\\d+, INSTALLED`).test(list))) break;
        await sleep(50);
      }
      return list;
    },
    describe: () => `a:\n${logs.a.join('')}\nb:\n${logs.b.join('')}`,
    stop,
  };
}

/**
 * The recorded datagrams as a pcap between 192.0.2.1 (a) and 192.0.2.2 (b) on port 500, or 4500
 * when the datagram starts with the non-ESP marker (RFC 3948 section 2.2), as tshark expects them.
 */
export function recordedPcap(sent: readonly Sent[]): Buffer {
  const address = (side: Side) => (side === 'a' ? '192.0.2.1' : '192.0.2.2');
  return writePcap(
    sent.map((s, i) => {
      const marker =
        s.data.length >= 4 && s.data[0] === 0 && s.data[1] === 0 && s.data[2] === 0 && s.data[3] === 0;
      const port = marker ? 4500 : 500;
      return {
        src: { address: address(s.from), port },
        dst: { address: address(other(s.from)), port },
        payload: s.data,
        timestampNs: BigInt(i) * 1_000_000n,
      };
    }),
  );
}
