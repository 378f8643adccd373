// Small process helpers shared by the harness: run a command, poll, and tell whether a PID
// is really running. This machine's PID 1 reaps orphaned zombies only every ~1.5 s, so
// `kill -0` alone would report an exited daemon as alive; /proc/PID/stat state `Z` is checked.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from './errors.js';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Resolve with the exit code instead of rejecting on non-zero exit. */
  readonly allowFailure?: boolean;
}

/** Runs a command (no shell) and collects its output. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (error && !options.allowFailure) {
          reject(
            new HarnessError(
              'COMMAND_FAILED',
              `${file} ${args.join(' ')} failed (${code}): ${stderr.trim() || stdout.trim() || error.message}`,
              { cause: error },
            ),
          );
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/** Process state letter from /proc/PID/stat (R, S, D, Z, ...), or undefined if there is no such process. */
export function procState(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) S ..." - comm may contain spaces and parentheses; the state follows the last ')'.
  const close = stat.lastIndexOf(')');
  return close < 0 ? undefined : stat.slice(close + 2, close + 3);
}

/** True if the process exists and is not a zombie. */
export function procRunning(pid: number): boolean {
  const state = procState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Polls `check` every `intervalMs` until it returns true; false on timeout. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** SIGTERM, wait until gone (or a zombie), SIGKILL after `graceMs`. Never throws. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  if (!procRunning(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitUntil(() => !procRunning(pid), graceMs, 20)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitUntil(() => !procRunning(pid), 2000, 20);
}

/**
 * A short per-run suffix for names (namespaces, interfaces): `<pid base 36>-<3 random chars>`.
 * The PID lets removeStaleNamespaces() tell leftovers of dead runs from those of live ones.
 */
export function uniqueSuffix(): string {
  const random = Math.floor(Math.random() * 36 ** 3)
    .toString(36)
    .padStart(3, '0');
  return `${process.pid.toString(36)}-${random}`;
}
