// The processes of a side-by-side run and what the benchmark reads of them: spawning a daemon with
// its output in a log file, killing it with SIGKILL (no Deletes), its CPU ticks and RSS from /proc,
// waiting until it is idle, and following a log file as it grows (docs/benchmarks.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackPid, untrackPid } from '../../test/interop/harness/cleanup.js';
import { parseProcStatCpuTicks, parseVmRssKib } from './stats.js';

export interface Daemon {
  readonly pid: number;
  running(): boolean;
  /** SIGKILL, then waits (at most 5 s) for the process to be gone. */
  kill(): Promise<void>;
}

export const CLK_TCK = 100; // USER_HZ: /proc reports CPU time in these ticks on every Linux architecture.

export function cpuTicks(pid: number): number {
  return parseProcStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}
export function rssKib(pid: number): number {
  return parseVmRssKib(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Spawns a daemon with its stdout and stderr going to `logPath`. */
export function spawnDaemon(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logPath: string,
): Daemon {
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, [...args], { env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  // `ip netns exec`, `unshare` and `sh -c 'exec ...'` all exec: this pid is the daemon's own.
  const pid = child.pid ?? -1;
  if (pid > 0) trackPid(pid);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', () => {
      exited = true;
      resolve();
    });
  });
  return {
    pid,
    running: () => !exited,
    async kill() {
      // SIGKILL: neither side should spend the end of a run sending thousands of Deletes.
      if (!exited) child.kill('SIGKILL');
      await Promise.race([exit, sleep(5000)]);
      if (pid > 0) untrackPid(pid);
    },
  };
}

export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Reads what was appended to a file since the last call. */
export class FileFollower {
  private offset = 0;
  private readonly buffer = Buffer.alloc(1 << 16);
  constructor(private readonly path: string) {}
  read(): string {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return '';
    }
    try {
      let text = '';
      for (;;) {
        const n = readSync(fd, this.buffer, 0, this.buffer.length, this.offset);
        if (n <= 0) return text;
        this.offset += n;
        text += this.buffer.toString('latin1', 0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Waits until the process used no CPU for three polls in a row (at most 5 s). */
export async function settle(pid: number): Promise<void> {
  let last = cpuTicks(pid);
  let quiet = 0;
  const deadline = Date.now() + 5000;
  while (quiet < 3 && Date.now() < deadline) {
    await sleep(100);
    const now = cpuTicks(pid);
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}
