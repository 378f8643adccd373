/**
 * The host routing of the userspace data plane on Linux, as strongSwan's kernel-libipsec does it:
 * each child's remote selector is routed into the TUN device in a table of its own (220), and one
 * rule per family, `not fwmark MARK lookup 220` at priority 220, sends every packet to that table
 * except those carrying the daemon's mark. The daemon marks its IKE and NAT-T sockets (SO_MARK), so
 * its own UDP packets, ESP-in-UDP included, never enter the device even when the peer's address lies
 * inside a remote selector: RFC 4301 section 5.1 requires that IKE traffic bypass IPsec, and without
 * the mark a route covering the peer would feed the encrypted packets back into the device (an
 * encryption loop; the "fwmark lesson" of the project's interop notes).
 *
 * Routes and rules are changed with iproute2, one `ip -batch -` per change set (docs/dataplane.md
 * "Host routing" says why not netlink from JavaScript).
 */
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { addressNumber, coveringPrefix, selectorContains } from '../../spd/selector.js';
import { DataplaneError, type Selector } from '../backend.js';
import { Errno, libc } from '../libc.js';
import type { HostRouting } from './host.js';

export const DEFAULT_ROUTING_TABLE = 220;
export const DEFAULT_RULE_PRIORITY = 220;
/** The daemon's fwmark (the value strongSwan's documentation uses for kernel-libipsec). */
export const DEFAULT_BYPASS_MARK = 0x42;

/** socket(7) */
const SOL_SOCKET = 1;
const SO_MARK = 36;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;

export interface LinuxRoutingOptions {
  /** The device routes point into (the TunDevice's name). */
  readonly device: string;
  readonly table?: number;
  readonly priority?: number;
  readonly mark?: number;
  /** The iproute2 binary; default `ip` from PATH. */
  readonly ipCommand?: string;
}

/** A route's destination: the smallest prefix covering a selector (src/spd/selector.ts). */
interface Prefix {
  readonly family: 4 | 6;
  readonly address: string;
  readonly length: number;
}

function prefixOf(selector: Selector): Prefix {
  const cover = coveringPrefix(selector);
  return { family: selector.family, address: cover.address, length: cover.prefixLength };
}

const prefixText = (prefix: Prefix): string => `${prefix.address}/${prefix.length}`;

interface RouteEntry {
  refs: number;
  readonly prefix: Prefix;
  readonly source: string | undefined;
  readonly installed: Promise<void>;
}

export class LinuxRouting implements HostRouting {
  readonly device: string;
  readonly table: number;
  readonly priority: number;
  readonly mark: number;
  /** The families whose bypass rule is installed (IPv6 may be disabled on the host). */
  readonly families: ReadonlySet<4 | 6>;
  readonly #ip: string;
  readonly #routes = new Map<string, RouteEntry>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: LinuxRoutingOptions, families: ReadonlySet<4 | 6>) {
    this.device = options.device;
    this.table = options.table ?? DEFAULT_ROUTING_TABLE;
    this.priority = options.priority ?? DEFAULT_RULE_PRIORITY;
    this.mark = options.mark ?? DEFAULT_BYPASS_MARK;
    this.#ip = options.ipCommand ?? 'ip';
    this.families = families;
  }

  /**
   * Installs the rule of each family. An IPv4 rule that cannot be added is an error; an IPv6 one only
   * leaves IPv6 out of `families` (a host without IPv6).
   */
  static async open(options: LinuxRoutingOptions): Promise<LinuxRouting> {
    const table = options.table ?? DEFAULT_ROUTING_TABLE;
    const priority = options.priority ?? DEFAULT_RULE_PRIORITY;
    const mark = options.mark ?? DEFAULT_BYPASS_MARK;
    for (const [what, value, max] of [
      ['table', table, 0xffffffff],
      ['priority', priority, 0xffffffff],
      ['mark', mark, 0xffffffff],
    ] as const)
      if (!Number.isInteger(value) || value < 1 || value > max)
        throw new DataplaneError('ERR_DATAPLANE_IO', `invalid routing ${what} ${value}`);
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(options.device))
      throw new DataplaneError('ERR_DATAPLANE_IO', `invalid device name "${options.device}"`);
    const ip = options.ipCommand ?? 'ip';
    const [v4, v6] = await Promise.all(
      ([4, 6] as const).map((family) => ipBatch(ip, family, [ruleLine('add', mark, table, priority)])),
    );
    // An identical rule left by an instance that died is the one we want; close() removes it.
    const failed = (failures: IpFailure[] | undefined) =>
      failures?.find((f) => !/File exists/.test(f.message));
    const v4Failure = failed(v4);
    if (v4Failure !== undefined) {
      if (failed(v6) === undefined) await ipBatch(ip, 6, [ruleLine('del', mark, table, priority)]);
      throw ipError(v4Failure.message, 'adding the IPv4 bypass rule');
    }
    const families = new Set<4 | 6>(failed(v6) === undefined ? [4, 6] : [4]);
    return new LinuxRouting(options, families);
  }

  /**
   * Routes the smallest prefix covering `destination` into the device, with `source` as the
   * preferred source address (see routeSource). Reference-counted per prefix: the first caller's
   * source is kept while the route exists.
   */
  sourceFor(localTs: Selector): string | undefined {
    return routeSource(localTs);
  }

  async addRoute(destination: Selector, source: string | undefined): Promise<void> {
    this.#assertOpen();
    const prefix = prefixOf(destination);
    if (!this.families.has(prefix.family))
      throw new DataplaneError('ERR_DATAPLANE_UNSUPPORTED', `no IPv${prefix.family} routing on this host`);
    const key = prefixText(prefix);
    const existing = this.#routes.get(key);
    if (existing !== undefined) {
      existing.refs++;
      return existing.installed;
    }
    const installed = this.#change(prefix.family, [
      routeLine('replace', prefix, this.device, this.table, source),
    ]).then((failures) => {
      const failure = failures[0];
      if (failure !== undefined) throw ipError(failure.message, `routing ${key} into ${this.device}`);
    });
    const entry: RouteEntry = { refs: 1, prefix, source, installed };
    this.#routes.set(key, entry);
    try {
      await installed;
    } catch (error) {
      if (this.#routes.get(key) === entry) this.#routes.delete(key);
      throw error;
    }
  }

  /** Drops one reference to the route of `destination`; the last one removes it. */
  async deleteRoute(destination: Selector): Promise<void> {
    this.#assertOpen();
    const key = prefixText(prefixOf(destination));
    const entry = this.#routes.get(key);
    if (entry === undefined) throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no route for ${key}`);
    if (--entry.refs > 0) return;
    this.#routes.delete(key);
    await entry.installed.catch(() => {});
    const failures = await this.#change(entry.prefix.family, [
      routeLine('del', entry.prefix, this.device, this.table, undefined),
    ]);
    const failure = failures[0];
    if (failure !== undefined && !/No such process/.test(failure.message))
      throw ipError(failure.message, `removing the route of ${key}`);
  }

  /** The prefixes routed into the device now, with their reference counts. */
  get routes(): ReadonlyMap<string, number> {
    return new Map([...this.#routes].map(([key, entry]) => [key, entry.refs]));
  }

  /**
   * SO_MARK on one of the daemon's sockets (needs CAP_NET_ADMIN): its packets carry the mark, so the
   * rule skips table 220 for them (RFC 4301 section 5.1 bypass of IKE traffic).
   */
  markSocket(fd: number): void {
    const r = libc().setsockoptInt(fd, SOL_SOCKET, SO_MARK, this.mark);
    if (r.result >= 0) return;
    if (r.errno === Errno.EPERM)
      throw new DataplaneError('ERR_DATAPLANE_PERMISSION', 'marking a socket (SO_MARK) needs CAP_NET_ADMIN');
    throw new DataplaneError('ERR_DATAPLANE_IO', `setsockopt(SO_MARK) on fd ${fd} failed (errno ${r.errno})`);
  }

  enlargeReceiveBuffer(fd: number, bytes: number): void {
    enlargeReceiveBuffer(fd, bytes);
  }

  /** Removes every route it added and the rules; best effort, idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    await Promise.all(
      [...this.families].map((family) =>
        this.#change(family, [
          ...routes
            .filter((r) => r.prefix.family === family)
            .map((r) => routeLine('del', r.prefix, this.device, this.table, undefined)),
          ruleLine('del', this.mark, this.table, this.priority),
        ]),
      ),
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new DataplaneError('ERR_DATAPLANE_IO', 'the host routing is closed');
  }

  /** Runs one batch after the ones before it, so that changes reach the kernel in call order. */
  #change(family: 4 | 6, lines: readonly string[]): Promise<IpFailure[]> {
    const result = this.#queue.then(() => ipBatch(this.#ip, family, lines));
    this.#queue = result.catch(() => {});
    return result;
  }
}

/**
 * The preferred source of a route for a child whose local selector is `localTs`, as strongSwan picks
 * it: none when the selector contains the loopback address (a selector that wide covers every local
 * address, so the kernel's own choice is right), else the first local address inside the selector
 * (virtual IPs, when the caller knows of some, before the interfaces' addresses), else none.
 */
export function routeSource(
  localTs: Selector,
  virtualIps: readonly string[] = [],
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string | undefined {
  const inside = (address: string): boolean => {
    const a = addressNumber(address);
    return a !== undefined && selectorContains(localTs, a.family, a.value);
  };
  if (inside(localTs.family === 4 ? '127.0.0.1' : '::1')) return undefined;
  const own = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .sort((a, b) => Number(a.internal) - Number(b.internal))
    .map((i) => i.address);
  return [...virtualIps, ...own].find(inside);
}

interface IpFailure {
  /** 1-based line of the batch. */
  readonly line: number;
  readonly message: string;
}

/** The bypass rule; its family is the batch's (`ip -4` / `ip -6`: a batch line takes no options). */
function ruleLine(verb: 'add' | 'del', mark: number, table: number, priority: number): string {
  return `rule ${verb} not fwmark 0x${mark.toString(16)}/0xffffffff lookup ${table} priority ${priority}`;
}

function routeLine(
  verb: 'replace' | 'del',
  prefix: Prefix,
  device: string,
  table: number,
  source: string | undefined,
): string {
  const src = source === undefined ? '' : ` src ${source}`;
  return `route ${verb} ${prefixText(prefix)} dev ${device} table ${table}${src}`;
}

/**
 * `ip -4|-6 -force -batch -`: every line is tried; the failures come back with their line numbers
 * (from iproute2's "Command failed -:N" after each error message).
 */
function ipBatch(ip: string, family: 4 | 6, lines: readonly string[]): Promise<IpFailure[]> {
  if (lines.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn(ip, [`-${family}`, '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new DataplaneError(
              'ERR_DATAPLANE_UNSUPPORTED',
              `the userspace data plane needs iproute2 (${ip}: not found)`,
            )
          : new DataplaneError('ERR_DATAPLANE_IO', `${ip}: ${error.message}`),
      );
    });
    child.on('close', (code) => {
      if (code === 0) {
        resolve([]);
        return;
      }
      const failures: IpFailure[] = [];
      let message: string[] = [];
      for (const text of stderr.split('\n')) {
        const failed = /^Command failed -:(\d+)$/.exec(text.trim());
        if (failed?.[1] === undefined) {
          if (text.trim() !== '') message.push(text.trim());
          continue;
        }
        failures.push({ line: Number(failed[1]), message: message.join('; ') });
        message = [];
      }
      if (failures.length === 0)
        failures.push({ line: 0, message: stderr.trim() || `${ip} exited with ${code}` });
      resolve(failures);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

function ipError(message: string, what: string): DataplaneError {
  if (/Operation not permitted|Permission denied/.test(message))
    return new DataplaneError('ERR_DATAPLANE_PERMISSION', `${what} needs CAP_NET_ADMIN (${message})`);
  return new DataplaneError('ERR_DATAPLANE_IO', `${what} failed: ${message}`);
}

/**
 * Sets a socket's receive buffer to `bytes` (socket(7): the kernel doubles it for its bookkeeping):
 * SO_RCVBUFFORCE, which CAP_NET_ADMIN (the data plane's privilege) lets past `net.core.rmem_max`,
 * else SO_RCVBUF, capped by it. Best effort: a smaller buffer only means more loss under bursts.
 * Returns the size the kernel reports afterwards (undefined if it cannot be read).
 */
export function enlargeReceiveBuffer(fd: number, bytes: number): number | undefined {
  const c = libc();
  if (c.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes).result < 0)
    c.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, bytes);
  return c.getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF).value;
}
