// `ikets start` as a real daemon inside a network namespace, for the data plane tests: its log
// collected, its control socket reachable with `ikets <command>`, stopped with SIGTERM (SIGKILL
// after 5 s) and killed by the harness's last-resort cleanup if the test process dies first.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackPid, untrackPid } from './cleanup.js';
import { HarnessError } from './errors.js';
import { type RunResult, run, waitUntil } from './proc.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

export interface IketsDaemon {
  readonly ns: string;
  readonly pid: number;
  /** Everything the daemon wrote to stdout and stderr so far. */
  log(): string;
  /** Runs `ikets ARGS --control <this daemon's socket>` (from the host namespace: a Unix socket). */
  ikets(args: readonly string[]): Promise<RunResult>;
  /** True while the process runs. */
  running(): boolean;
  stop(): Promise<void>;
}

export interface IketsDaemonOptions {
  readonly ns: string;
  /** A directory of the test's own: the configuration file and the control socket go there. */
  readonly dir: string;
  readonly name: string;
  readonly swanctl: string;
  /** Extra arguments of `ikets start` (default `--dataplane userspace`). */
  readonly args?: readonly string[];
}

export async function startIketsDaemon(o: IketsDaemonOptions): Promise<IketsDaemon> {
  const config = join(o.dir, `${o.name}.conf`);
  const control = join(o.dir, `${o.name}.ctl`);
  writeFileSync(config, o.swanctl, { mode: 0o600 });
  const child: ChildProcess = spawn('ip', [
    'netns',
    'exec',
    o.ns,
    process.execPath,
    MAIN,
    'start',
    '--config',
    config,
    '--control',
    control,
    ...(o.args ?? ['--dataplane', 'userspace']),
  ]);
  // `ip netns exec` execs the command: this pid is the daemon's own.
  const pid = child.pid ?? -1;
  if (pid > 0) trackPid(pid);
  let log = '';
  child.stdout?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (running()) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (running()) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (pid > 0) untrackPid(pid);
  };
  if (!(await waitUntil(() => log.includes('control socket') || !running(), 15_000)) || !running()) {
    await stop();
    throw new HarnessError('DAEMON_NOT_STARTED', `ikets ${o.name} did not start:\n${log}`);
  }
  return {
    ns: o.ns,
    pid,
    log: () => log,
    ikets: (args) => run(process.execPath, [MAIN, ...args, '--control', control], { allowFailure: true }),
    running,
    stop,
  };
}
