/**
 * The IKE peers of the daemon cases in the qemu guest: `ikets start --dataplane kernel` and
 * strongSwan's charon (kernel-netlink, so real kernel SAs) as processes inside the namespaces that
 * test/kernel-esp/guest-xfrm.sh made, each with its own run directory under /tmp.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ControlRequest, sendControlRequest } from '../../../src/daemon/index.js';
import type { ChildSaInfo } from '../../../src/sa/types.js';
import type { PolicyRow } from '../../../src/spd/index.js';
import { run } from './traffic.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** Waits until `check` holds, polling every `stepMs`; false after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  stepMs = 100,
): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

function stopProcess(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
    }, ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export interface TrafficLine {
  readonly bytesIn: number;
  readonly packetsIn: number;
  readonly bytesOut: number;
  readonly packetsOut: number;
}

export interface SaListing {
  readonly childSas: readonly ChildSaInfo[];
  readonly traffic: Readonly<Record<string, TrafficLine>>;
}

/** An `ikets start --dataplane kernel` daemon in a namespace, and its CLI. */
export class Ikets {
  readonly #proc: ChildProcess;
  readonly #control: string;
  readonly #configFile: string;
  #log = '';

  private constructor(
    readonly name: string,
    readonly ns: string,
    dir: string,
    config: string,
  ) {
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/swanctl.conf`;
    this.#configFile = file;
    writeFileSync(file, config, { mode: 0o600 });
    this.#control = `${dir}/ikets.ctl`;
    const args = ['netns', 'exec', ns, process.execPath, MAIN, 'start', '--dataplane', 'kernel'];
    args.push('--config', file, '--control', this.#control, '--log-level', 'info');
    this.#proc = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const add = (d: Buffer): void => {
      this.#log += d.toString();
    };
    this.#proc.stdout?.on('data', add);
    this.#proc.stderr?.on('data', add);
  }

  /** Starts the daemon and waits for its control socket (up to `ms`). */
  static async start(name: string, ns: string, config: string, ms = 60_000): Promise<Ikets> {
    const daemon = new Ikets(name, ns, `/tmp/ikets-${name}`, config);
    const ok = await until(
      () => daemon.#log.includes('control socket') || daemon.#proc.exitCode !== null,
      ms,
    );
    if (!ok || daemon.#proc.exitCode !== null)
      throw new Error(`ikets ${name} did not start:\n${daemon.#log}`);
    return daemon;
  }

  /** A new swanctl.conf, in force for new SAs after `reload`. */
  async reconfigure(config: string): Promise<void> {
    writeFileSync(this.#configFile, config, { mode: 0o600 });
    await this.request({ command: 'reload' });
  }

  get log(): string {
    return this.#log;
  }

  /**
   * Runs `ikets ARGS --control ...` (the CLI talks to the daemon over its unix socket). A node
   * process costs 10-20 s to start under TCG, so most requests go over the socket from this process
   * (`request`), the CLI only where its own output is the point.
   */
  cli(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
    return run(process.execPath, [MAIN, ...args, '--control', this.#control], timeoutMs);
  }

  /** The request the CLI would send; throws the daemon's error. */
  async request(req: ControlRequest): Promise<Record<string, unknown>> {
    const response = await sendControlRequest(this.#control, req);
    if (!response.ok) throw new Error(`ikets ${this.name} ${req.command}: ${response.error}`);
    return response as unknown as Record<string, unknown>;
  }

  /** `ikets list-sas --json` (through the CLI with `cli`, else the same request over the socket). */
  async listSas(cli = false): Promise<SaListing> {
    if (!cli) return (await this.request({ command: 'list-sas' })) as unknown as SaListing;
    const r = await this.cli(['list-sas', '--json']);
    if (r.code !== 0) throw new Error(`ikets ${this.name} list-sas: ${r.out}`);
    return JSON.parse(r.out) as SaListing;
  }

  /** `ikets list-pols --json`, through the CLI. */
  async listPols(): Promise<PolicyRow[]> {
    const r = await this.cli(['list-pols', '--json']);
    if (r.code !== 0) throw new Error(`ikets ${this.name} list-pols: ${r.out}`);
    return (JSON.parse(r.out) as { policies: PolicyRow[] }).policies;
  }

  stop(): Promise<void> {
    return stopProcess(this.#proc, 15_000);
  }
}

/**
 * charon with kernel-netlink in a namespace. `ip netns exec` gives it a mount namespace of its own,
 * where a fresh tmpfs on /run keeps its pid file apart; the plugin lists are explicit because every
 * exec (and every plugin file opened) is slow under TCG.
 */
export class Charon {
  readonly #proc: ChildProcess;
  readonly #env: NodeJS.ProcessEnv;
  #out = '';

  private constructor(
    readonly ns: string,
    readonly dir: string,
    swanctl: string,
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/strongswan.conf`,
      `charon {
  load = random nonce aes sha1 sha2 md5 hmac gmp openssl kdf gcm pem pkcs1 x509 pubkey kernel-netlink socket-default vici
  install_routes = no
  retransmit_timeout = 2.0
  plugins { vici { socket = unix://${dir}/charon.vici } }
  filelog { log { path = ${dir}/charon.log
                  time_format = %T
                  default = 1
                  ike = 2
                  knl = 2 } }
}
swanctl { socket = unix://${dir}/charon.vici
          load = random nonce pem pkcs1 x509 pubkey openssl }
`,
    );
    writeFileSync(`${dir}/swanctl.conf`, swanctl, { mode: 0o600 });
    this.#env = { ...process.env, STRONGSWAN_CONF: `${dir}/strongswan.conf`, SWANCTL_DIR: dir };
    this.#proc = spawn(
      'ip',
      ['netns', 'exec', ns, 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon'],
      { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const add = (d: Buffer): void => {
      this.#out += d.toString();
    };
    this.#proc.stdout?.on('data', add);
    this.#proc.stderr?.on('data', add);
  }

  static async start(ns: string, swanctl: string): Promise<Charon> {
    const charon = new Charon(ns, `/tmp/charon-${ns}`, swanctl);
    const ok = await until(async () => (await charon.swanctl(['--stats'])).code === 0, 60_000, 200);
    if (!ok) throw new Error(`charon did not answer on vici:\n${charon.#out}\n${charon.log}`);
    const load = await charon.swanctl(['--load-all', '--noprompt']);
    if (load.code !== 0) throw new Error(`swanctl --load-all: ${load.out}`);
    return charon;
  }

  get log(): string {
    try {
      return readFileSync(`${this.dir}/charon.log`, 'utf8');
    } catch {
      return '';
    }
  }

  swanctl(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      const child = spawn('swanctl', args, { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out });
      });
    });
  }

  stop(): Promise<void> {
    return stopProcess(this.#proc, 15_000);
  }
}

/** One policy as `ip xfrm policy` shows it. */
export interface IpPolicy {
  readonly source: string;
  readonly destination: string;
  readonly direction: string;
  readonly priority: number;
  readonly reqid: number | undefined;
}

/** `ip xfrm policy` of a namespace (the per-socket policies left out). */
export async function ipPolicies(ns: string): Promise<{ policies: IpPolicy[]; text: string }> {
  const r = await run('ip', ['-n', ns, 'xfrm', 'policy']);
  const policies: IpPolicy[] = [];
  for (const block of r.out.split(/^(?=src )/m)) {
    const sel = /^src (\S+) dst (\S+)/.exec(block);
    const dir = /^\s*dir (\w+) priority (\d+)/m.exec(block);
    if (sel?.[1] === undefined || sel[2] === undefined || dir?.[1] === undefined) continue;
    const reqid = /reqid (\d+)/.exec(block)?.[1];
    policies.push({
      source: sel[1],
      destination: sel[2],
      direction: dir[1],
      priority: Number(dir[2]),
      reqid: reqid === undefined ? undefined : Number(reqid),
    });
  }
  return { policies, text: r.out };
}
