/**
 * Runs code with this thread inside a named network namespace (/run/netns/NAME), so the sockets it
 * opens (netlink, UDP, TCP) and the processes it spawns belong to that namespace; then returns to the
 * original one. Test-only: the guest program drives both ends of a tunnel from one process.
 */
import { closeSync, openSync } from 'node:fs';
import { libc } from '../../../src/dataplane/libc.js';

const CLONE_NEWNET = 0x40000000;
let home: number | undefined;

function enter(fd: number, what: string): void {
  if (libc().setns(fd, CLONE_NEWNET).result !== 0) throw new Error(`setns(${what}): errno ${libc().errno()}`);
}

/** Runs `fn` inside namespace `name`; nothing else may run concurrently (the switch is per thread). */
export async function inNetns<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  home ??= openSync('/proc/self/ns/net', 'r');
  const fd = openSync(`/run/netns/${name}`, 'r');
  try {
    enter(fd, name);
    try {
      return await fn();
    } finally {
      enter(home, 'home');
    }
  } finally {
    closeSync(fd);
  }
}
