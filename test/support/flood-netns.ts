/**
 * Two ikets daemons in network namespaces of their own (test/interop/harness/netns.ts) and a
 * flooder process next to the initiator sending spoofed Main Mode messages 1 to the responder
 * from 100.64.0.0/16 (test/support/flood-sender.ts): the real-socket side of issue 10 item C, for
 * test/daemon/spoofed-flood-netns.test.ts and bench/flood-netns.ts. Needs root.
 *
 *   ikets-a-*: 10.231.0.1, the initiator daemon and the flooder (100.64.0.0/16 local on lo)
 *   ikets-b-*: 10.231.0.2, the responder daemon, its answers to 100.64.0.0/16 routed back to a,
 *              where an nft rule at the device's ingress counts and drops them
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { Ikev1Endpoint } from '../../src/ikev1/ikev1-endpoint.js';
import { ikets } from '../cli/run.js';
import { sleep, tempDir } from '../daemon/helpers.js';
import { createNetnsPair, type NetnsPair } from '../interop/harness/netns.js';
import { run } from '../interop/harness/proc.js';

/** The ikets CLI the daemons run: this build, or IKETS_BENCH_IKETS (another build, for before/after). */
const MAIN =
  process.env.IKETS_BENCH_IKETS || fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SENDER = fileURLToPath(new URL('./flood-sender.js', import.meta.url));

/** Why the real-socket flood cannot run here, or undefined. */
export function floodNetnsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'spoofed flood with real sockets: Linux only';
  if (process.getuid?.() !== 0) return 'spoofed flood with real sockets skipped: needs root (namespaces)';
  return undefined;
}

const config = (self: 'a' | 'b') => {
  const other = self === 'a' ? 'b' : 'a';
  return `connections { gw { version = 1
    local_addrs = 10.231.0.${self === 'a' ? 1 : 2}
    remote_addrs = ${self === 'a' ? '10.231.0.2' : '%any'}
    proposals = aes128-sha256-modp2048
    local { auth = psk
      id = ${self}.flood.test }
    remote { auth = psk
      id = ${other}.flood.test }
    children { net {
      local_ts = 10.${self === 'a' ? 1 : 2}.0.0/16
      remote_ts = 10.${self === 'a' ? 2 : 1}.0.0/16
      esp_proposals = aes128-sha256 } } } }
  secrets { ike { id-a = a.flood.test
    id-b = b.flood.test
    secret = flood-netns-secret-0123456789 } }`;
};

interface Daemon {
  readonly process: ChildProcess;
  readonly control: string;
  output: string;
}

export interface FloodRun {
  /**
   * Datagrams sent and the seconds it took, as the flooder last reported them (`answered` is
   * counted at `stop`: the messages 2 that reached namespace a).
   */
  readonly latest: () => { sent: number; answered: number; seconds: number };
  stop(): Promise<{ sent: number; answered: number; seconds: number }>;
}

export class FloodNetns {
  private constructor(
    readonly pair: NetnsPair,
    readonly initiator: Daemon,
    readonly responder: Daemon,
    readonly template: string,
  ) {}

  /** `responderNodeArgs`: extra Node options for the responder daemon (`--cpu-prof`, say). */
  static async start(responderNodeArgs: readonly string[] = []): Promise<FloodNetns> {
    const pair = await createNetnsPair();
    try {
      await run('ip', ['-n', pair.a.ns, 'route', 'add', 'local', '100.64.0.0/16', 'dev', 'lo']);
      await run('ip', ['-n', pair.b.ns, 'route', 'add', '100.64.0.0/16', 'via', pair.a.ipv4]);
      // The responder's answers to the spoofed addresses leave its namespace as they would leave a
      // gateway (sendmsg, routing, the device), and are counted and dropped as they arrive in
      // namespace a: on a real network nobody there reads them, and the flooder, which shares the
      // machine's cores with the responder, should not have to.
      const nft = (command: string) => run('ip', ['netns', 'exec', pair.a.ns, 'nft', command]);
      await nft('add table netdev ikets_flood');
      await nft('add counter netdev ikets_flood answers');
      await nft(
        `add chain netdev ikets_flood in { type filter hook ingress device "${pair.a.iface}" priority 0 ; }`,
      );
      await nft(
        `add rule netdev ikets_flood in ip saddr ${pair.b.ipv4} ip daddr 100.64.0.0/16 udp sport 500 counter name "answers" drop`,
      );
      const dir = await tempDir();
      const daemons: Daemon[] = [];
      for (const self of ['a', 'b'] as const) {
        const file = join(dir, `${self}.conf`);
        await writeFile(file, config(self));
        const ns = self === 'a' ? pair.a.ns : pair.b.ns;
        const nodeArgs = self === 'b' ? responderNodeArgs : [];
        daemons.push(await startDaemon(ns, file, join(dir, `${self}.ctl`), self, nodeArgs));
      }
      // The flood replays what a real initiator sends as message 1.
      const template = new Ikev1Endpoint({ config: parseSwanctlConfig(config('a')) }, 0);
      template.initiate(0, 'gw', 'net');
      const first = template.pollTransmit();
      if (first === undefined || daemons[0] === undefined || daemons[1] === undefined)
        throw new Error('no message 1');
      return new FloodNetns(pair, daemons[0], daemons[1], Buffer.from(first.data).toString('hex'));
    } catch (error) {
      await pair.destroy();
      throw error;
    }
  }

  /** Starts the flooder at `rate` datagrams a second (0: as fast as it can). */
  async flood(rate: number, sockets = 256): Promise<FloodRun> {
    const proc = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.pair.a.ns,
        process.execPath,
        SENDER,
        this.pair.b.ipv4,
        '500',
        String(rate),
        this.template,
        String(sockets),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const answeredBefore = await this.answers();
    let latest = { sent: 0, answered: 0, seconds: 0 };
    const lines = createInterface({ input: proc.stdout ?? process.stdin });
    const first = new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        latest = JSON.parse(line) as { sent: number; answered: number; seconds: number };
        resolve();
      });
      proc.on('exit', () => resolve());
    });
    await first;
    return {
      latest: () => latest,
      stop: async () => {
        if (proc.exitCode === null) {
          const exited = new Promise((resolve) => proc.on('exit', resolve));
          proc.kill('SIGTERM');
          await exited;
        }
        return { ...latest, answered: (await this.answers()) - answeredBefore };
      },
    };
  }

  /** The responder's answers to the spoofed addresses so far (the nft counter in namespace a). */
  async answers(): Promise<number> {
    const { stdout } = await run('ip', [
      'netns',
      'exec',
      this.pair.a.ns,
      'nft',
      'list counter netdev ikets_flood answers',
    ]);
    return Number(/packets (\d+)/.exec(stdout)?.[1] ?? 0);
  }

  /** `ikets up net` on the initiator: its exit status and how long it took (ms). */
  async up(timeoutSeconds = 30): Promise<{ status: number; ms: number; output: string }> {
    const started = performance.now();
    const r = await ikets([
      'up',
      'net',
      '--timeout',
      String(timeoutSeconds),
      '--control',
      this.initiator.control,
    ]);
    return { status: r.status, ms: performance.now() - started, output: r.stdout + r.stderr };
  }

  /** Takes the connection down on the initiator and waits until the responder has no SA left. */
  async down(): Promise<void> {
    await ikets(['down', 'gw', '--control', this.initiator.control]);
    for (let i = 0; i < 100; i++) {
      const list = await ikets(['list-sas', '--control', this.responder.control]);
      if (!/ESTABLISHED/.test(list.stdout)) return;
      await sleep(50);
    }
  }

  /**
   * The responder namespace's UDP counters (/proc/net/snmp): datagrams read by the daemon, and those
   * the kernel dropped because the daemon's socket buffer was full.
   */
  async responderUdp(): Promise<{ received: number; bufferDrops: number }> {
    const { stdout } = await run('ip', ['netns', 'exec', this.pair.b.ns, 'cat', '/proc/net/snmp']);
    const [names, values] = stdout
      .split('\n')
      .filter((l) => l.startsWith('Udp:'))
      .map((l) => l.split(/\s+/));
    const field = (name: string) => Number(values?.[names?.indexOf(name) ?? -1] ?? 0);
    return { received: field('InDatagrams'), bufferDrops: field('RcvbufErrors') };
  }

  /** The responder daemon's CPU time so far, ms (/proc/PID/stat utime + stime, at 100 ticks a second). */
  responderCpuMs(): number {
    const stat = readFileSync(`/proc/${this.responder.process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }

  /** The responder daemon's resident set size in bytes (/proc/PID/status VmRSS). */
  responderRss(): number {
    const pid = this.responder.process.pid;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return Number(kb ?? 0) * 1024;
  }

  async destroy(): Promise<void> {
    for (const d of [this.initiator, this.responder]) {
      if (d.process.exitCode === null) {
        const exited = new Promise((resolve) => d.process.on('exit', resolve));
        d.process.kill('SIGTERM');
        const killer = setTimeout(() => d.process.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    }
    await this.pair.destroy();
  }
}

async function startDaemon(
  ns: string,
  configFile: string,
  control: string,
  name: string,
  nodeArgs: readonly string[],
): Promise<Daemon> {
  const proc = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      ...nodeArgs,
      MAIN,
      'start',
      '--config',
      configFile,
      '--port',
      '500',
      '--natt-port',
      '4500',
      '--control',
      control,
      '--dataplane',
      'none',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const daemon: Daemon = { process: proc, control, output: '' };
  const collect = (chunk: Buffer) => {
    // Keep the last few kilobytes: a flood's suppressed-lines summaries are all that grows.
    daemon.output = (daemon.output + chunk.toString()).slice(-20_000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  for (let i = 0; !daemon.output.includes('control socket'); i++) {
    if (i > 200 || proc.exitCode !== null) throw new Error(`daemon ${name} did not start:\n${daemon.output}`);
    await sleep(25);
  }
  return daemon;
}
