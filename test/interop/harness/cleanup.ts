// Last-resort cleanup: if a test process exits without running its own teardown (an uncaught
// error, process.exit), kill the daemons it started and delete its namespaces synchronously.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const pids = new Set<number>();
const groups = new Set<number>();
const namespaces = new Set<string>();
const dirs = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  // A test run interrupted with Ctrl-C or killed with SIGTERM cleans up too, then exits as the
  // signal would have made it (128 + signal number).
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.exit(code);
    });
  }
  process.on('exit', () => {
    for (const pid of [...pids, ...[...groups].map((g) => -g)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const ns of namespaces) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

export function trackPid(pid: number): void {
  install();
  pids.add(pid);
}
export function untrackPid(pid: number): void {
  pids.delete(pid);
}
/** A process group (a detached child and its children, e.g. tshark and its dumpcap). */
export function trackGroup(pgid: number): void {
  install();
  groups.add(pgid);
}
export function untrackGroup(pgid: number): void {
  groups.delete(pgid);
}
export function trackNamespace(name: string): void {
  install();
  namespaces.add(name);
}
export function untrackNamespace(name: string): void {
  namespaces.delete(name);
}
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}
