/**
 * `updown = PATH` of a child: the script runs when the child's SAs go up and when they go down (not
 * on a rekeying, which changes no policy), with strongSwan's PLUTO_* environment, so firewall and
 * routing scripts written for charon's updown plugin run unchanged. Like charon, the command goes
 * through `/bin/sh` with stderr joined to stdout, and each output line is logged.
 */
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import type { ChildSaInfo, IkeSaInfo, LogLevel } from '../sa/types.js';
import type { SecurityAssociationDatabase } from '../sad/index.js';
import { coveringPrefix, parseSelector } from '../spd/index.js';

export interface UpdownHooks {
  /** The child's `updown` setting (the configuration in force). */
  script(child: ChildSaInfo): string | undefined;
  reqid(child: ChildSaInfo): number;
  log(level: LogLevel, message: string, connection?: string): void;
}

/** A script that runs longer than this is killed (charon waits for ever; a stuck daemon helps nobody). */
const TIMEOUT_MS = 30_000;
/** Output lines logged per run, so a chatty script cannot flood the log. */
const MAX_LINES = 50;

/** The environment charon's updown plugin gives the script (strongSwan 5.9, `PLUTO_VERSION=1.1`). */
export function updownEnvironment(
  child: ChildSaInfo,
  ike: IkeSaInfo | undefined,
  up: boolean,
  reqid: number,
  iface: string | undefined,
): Record<string, string> {
  const local = parseSelector(child.localTs[0] ?? '');
  const remote = parseSelector(child.remoteTs[0] ?? '');
  const isHost =
    local !== undefined &&
    local.start === local.end &&
    sameAddress(child.localTs[0] ?? '', child.local.address);
  const v6 = (local?.family ?? (child.local.address.includes(':') ? 6 : 4)) === 6;
  const client = (s: typeof local) => {
    if (s === undefined) return '';
    const p = coveringPrefix(s);
    return `${p.address}/${p.prefixLength}`;
  };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    PLUTO_VERSION: '1.1',
    PLUTO_VERB: `${up ? 'up' : 'down'}${isHost ? '-host' : '-client'}${v6 ? '-v6' : ''}`,
    PLUTO_CONNECTION: child.child,
    PLUTO_INTERFACE: iface ?? 'unknown',
    PLUTO_REQID: String(reqid),
    PLUTO_PROTO: child.protocol,
    PLUTO_UNIQUEID: String(child.ikeSaId),
    PLUTO_ME: child.local.address,
    PLUTO_MY_ID: ike?.localId ?? '',
    PLUTO_MY_CLIENT: client(local),
    PLUTO_MY_PORT: String(local?.port ?? 0),
    PLUTO_MY_PROTOCOL: String(local?.protocol ?? 0),
    PLUTO_PEER: child.remote.address,
    PLUTO_PEER_ID: ike?.remoteId ?? '',
    PLUTO_PEER_CLIENT: client(remote),
    PLUTO_PEER_PORT: String(remote?.port ?? 0),
    PLUTO_PEER_PROTOCOL: String(remote?.protocol ?? 0),
  };
  if (child.encapsulation) env.PLUTO_UDP_ENC = String(child.remote.port);
  return env;
}

/** The interface that holds `address`, as charon's get_interface finds it. */
export function interfaceOf(address: string): string | undefined {
  for (const [name, addresses] of Object.entries(networkInterfaces()))
    if (addresses?.some((a) => sameAddress(a.address, address))) return name;
  return undefined;
}

function sameAddress(selectorOrAddress: string, address: string): boolean {
  return selectorOrAddress.replace(/\/(32|128)$/, '').toLowerCase() === address.toLowerCase();
}

export class UpdownRunner {
  #queue: Promise<void> = Promise.resolve();
  readonly #offs: (() => void)[] = [];

  constructor(
    private readonly sad: SecurityAssociationDatabase,
    private readonly hooks: UpdownHooks,
  ) {
    this.#offs.push(
      sad.events.on('added', (e) => {
        if (e.kind === 'child') this.#run(e.sa, true);
      }),
      sad.events.on('deleted', (e) => {
        if (e.kind === 'child' && e.reason !== 'rekeyed') this.#run(e.sa, false);
      }),
      sad.events.on('expired', (e) => {
        if (e.kind === 'child') this.#run(e.sa, false);
      }),
    );
  }

  /** Resolves when every script started so far has finished. */
  settled(): Promise<void> {
    return this.#queue;
  }

  close(): void {
    for (const off of this.#offs) off();
  }

  #run(child: ChildSaInfo, up: boolean): void {
    const script = this.hooks.script(child);
    if (script === undefined) return;
    const ike = this.sad.ikeSa(child.ikeSaId);
    const env = updownEnvironment(child, ike, up, this.hooks.reqid(child), interfaceOf(child.local.address));
    // One at a time, in SA order, as charon runs them: a down script never overtakes its up script.
    this.#queue = this.#queue.then(() => this.#spawn(script, env, child.connection));
  }

  #spawn(script: string, env: Record<string, string>, connection: string): Promise<void> {
    return new Promise((resolve) => {
      const shell = spawn('/bin/sh', ['-c', `2>&1 ${script}`], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      let lines = 0;
      let rest = '';
      const timer = setTimeout(() => shell.kill('SIGKILL'), TIMEOUT_MS);
      timer.unref();
      shell.stdout.setEncoding('utf8');
      shell.stdout.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts)
          if (lines++ < MAX_LINES) this.hooks.log('info', `updown: ${line}`, connection);
      });
      shell.on('error', (error) => {
        clearTimeout(timer);
        this.hooks.log('error', `updown: cannot run '${script}': ${error.message}`, connection);
        resolve();
      });
      shell.on('close', (code, signal) => {
        clearTimeout(timer);
        if (rest !== '' && lines < MAX_LINES) this.hooks.log('info', `updown: ${rest}`, connection);
        if (code !== 0)
          this.hooks.log(
            'warn',
            `updown: '${script}' ${signal !== null ? `killed by ${signal}` : `exited with ${code}`} (${env.PLUTO_VERB})`,
            connection,
          );
        resolve();
      });
    });
  }
}
