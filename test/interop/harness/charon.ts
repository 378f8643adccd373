// Runs strongSwan's charon as an independent IKE peer: generated strongswan.conf, private
// run directory, optionally inside a network namespace.
//
// charon hardcodes /var/run/charon.pid and refuses to start when it exists, so every instance
// runs under `unshare --mount --propagation private` with a fresh tmpfs on /run. `ip netns exec`
// and `unshare` exec, and the shell execs charon, so the spawned PID is charon's own.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { trackDir, trackPid, untrackDir, untrackPid } from './cleanup.js';
import { HarnessError } from './errors.js';
import { parseListSas, type SaListing } from './list-sas.js';
import { inNamespace } from './netns.js';
import { procRunning, type RunResult, run, stopPid, waitUntil } from './proc.js';
import { type LogLevels, renderStrongswanConf } from './strongswan-conf.js';
import { renderSettings, type SwanctlSection } from './swanctl-conf.js';
import { CHARON_BIN } from './tools.js';

export interface CharonOptions {
  /** Instance name (run dir prefix, messages). */
  readonly name: string;
  /** Network namespace to run in; undefined = the current one (then use non-default ports). */
  readonly netns?: string;
  readonly port?: number;
  readonly nattPort?: number;
  readonly kernel?: 'libipsec' | 'netlink';
  readonly log?: LogLevels;
  /** Extra keys for the `charon` section of strongswan.conf. */
  readonly charon?: SwanctlSection;
  /** swanctl.conf (text or tree) to load once charon is ready. */
  readonly swanctl?: string | SwanctlSection;
  /** Extra files under the swanctl dir, e.g. `{ 'x509ca/ca.crt': pem, 'private/a.key': pem }`. */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** Keep the run directory after stop() (for debugging). */
  readonly keepRunDir?: boolean;
  readonly readyTimeoutMs?: number;
}

export interface Charon {
  readonly name: string;
  readonly pid: number;
  readonly netns: string | undefined;
  readonly runDir: string;
  /** SWANCTL_DIR: swanctl.conf, x509ca/, x509/, private/. */
  readonly swanctlDir: string;
  readonly logPath: string;
  /** Runs swanctl against this instance (rejects on non-zero exit unless allowFailure). */
  swanctl(args: readonly string[], allowFailure?: boolean): Promise<RunResult>;
  /** Writes swanctl.conf (and extra files) and runs `swanctl --load-all --noprompt`. */
  load(conf: string | SwanctlSection, files?: Readonly<Record<string, string | Buffer>>): Promise<void>;
  /** `swanctl --initiate --child NAME` (or `--ike` with `{ ike: true }`); resolves when done. */
  initiate(name: string, options?: { ike?: boolean; timeoutS?: number }): Promise<RunResult>;
  /** `swanctl --terminate --child|--ike NAME`. */
  terminate(name: string, options?: { ike?: boolean; timeoutS?: number }): Promise<RunResult>;
  /** `swanctl --list-sas --raw`, parsed. */
  listSas(): Promise<SaListing>;
  /** Contents of charon's log file so far. */
  readLog(): string;
  /** Waits until the log contains `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<boolean>;
  running(): boolean;
  /** SIGTERM, wait for exit (zombie-aware), SIGKILL after 5 s; removes the run dir. Never throws. */
  stop(): Promise<void>;
}

function writeFiles(base: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [rel, content] of Object.entries(files)) {
    if (rel.startsWith('/') || rel.split('/').includes('..')) {
      throw new HarnessError('BAD_PATH', `file path must stay inside the swanctl dir: ${rel}`);
    }
    const path = join(base, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: rel.startsWith('private/') ? 0o600 : 0o644 });
  }
}

/** Starts charon and waits until its vici socket answers; loads `options.swanctl` if given. */
/**
 * The command that runs the charon binary `bin` in namespace `netns` with a private tmpfs on /run:
 * charon insists on /var/run/charon.pid, so each instance gets its own and several run at once.
 */
export function charonCommand(netns: string | undefined, bin: string): [string, string[]] {
  return inNamespace(netns, 'unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount -t tmpfs -o size=1m,mode=755 tmpfs /run && exec "$0"',
    bin,
  ]);
}

export async function startCharon(options: CharonOptions): Promise<Charon> {
  const runDir = mkdtempSync(join(tmpdir(), `ikets-charon-${options.name}-`));
  if (!options.keepRunDir) trackDir(runDir);
  const swanctlDir = join(runDir, 'swanctl');
  const logPath = join(runDir, 'charon.log');
  const confPath = join(runDir, 'strongswan.conf');
  mkdirSync(swanctlDir);
  writeFileSync(
    confPath,
    renderStrongswanConf({
      runDir,
      port: options.port ?? 500,
      nattPort: options.nattPort ?? 4500,
      kernel: options.kernel ?? 'libipsec',
      log: options.log ?? {},
      ...(options.charon === undefined ? {} : { charon: options.charon }),
    }),
  );
  const env = { ...process.env, STRONGSWAN_CONF: confPath, SWANCTL_DIR: swanctlDir };
  const [file, args] = charonCommand(options.netns, CHARON_BIN);
  const child: ChildProcess = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', () => {
      exited = true;
      resolve();
    });
  });
  const pid = child.pid ?? -1;
  if (pid > 0) trackPid(pid);

  const swanctl = (a: readonly string[], allowFailure = false): Promise<RunResult> =>
    run('swanctl', a, { env, allowFailure, timeoutMs: 60_000 });
  const running = (): boolean => !exited && pid > 0 && procRunning(pid);
  const stop = async (): Promise<void> => {
    if (pid > 0 && !exited) {
      await stopPid(pid);
      await Promise.race([exitPromise, waitUntil(() => exited, 1000)]);
    }
    if (pid > 0) untrackPid(pid);
    if (!options.keepRunDir) {
      rmSync(runDir, { recursive: true, force: true });
      untrackDir(runDir);
    }
  };
  const readLog = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };

  const instance: Charon = {
    name: options.name,
    pid,
    netns: options.netns,
    runDir,
    swanctlDir,
    logPath,
    swanctl,
    async load(conf, files) {
      if (files) writeFiles(swanctlDir, files);
      const text = typeof conf === 'string' ? conf : renderSettings(conf, `swanctl.conf for ${options.name}`);
      writeFileSync(join(swanctlDir, 'swanctl.conf'), text);
      await swanctl(['--load-all', '--noprompt']);
    },
    initiate(name, o = {}) {
      return swanctl([
        '--initiate',
        o.ike ? '--ike' : '--child',
        name,
        '--timeout',
        String(o.timeoutS ?? 15),
      ]);
    },
    terminate(name, o = {}) {
      return swanctl([
        '--terminate',
        o.ike ? '--ike' : '--child',
        name,
        '--timeout',
        String(o.timeoutS ?? 15),
      ]);
    },
    async listSas() {
      return parseListSas((await swanctl(['--list-sas', '--raw'])).stdout);
    },
    readLog,
    waitForLog(pattern, timeoutMs = 10_000) {
      return waitUntil(() => pattern.test(readLog()), timeoutMs);
    },
    running,
    stop,
  };

  try {
    if (options.files) writeFiles(swanctlDir, options.files);
    const ready = await waitUntil(async () => {
      if (!running()) return true;
      return (await swanctl(['--stats'], true)).code === 0;
    }, options.readyTimeoutMs ?? 10_000);
    if (!ready || !running()) {
      throw new HarnessError(
        'CHARON_NOT_READY',
        `charon ${options.name} did not become ready: ${stderr.trim()}\n${readLog().split('\n').slice(-20).join('\n')}`,
      );
    }
    if (options.swanctl !== undefined) await instance.load(options.swanctl);
  } catch (error) {
    await stop();
    throw error;
  }
  return instance;
}
