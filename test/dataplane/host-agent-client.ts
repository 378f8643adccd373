/**
 * The test side of host-agent.ts: starts it inside a namespace, sends commands, waits for answers and
 * events. Also the skip check of the data plane host tests (root, /dev/net/tun, iproute2).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackPid, untrackPid } from '../interop/harness/cleanup.js';
import { inNamespace } from '../interop/harness/netns.js';
import { stopPid } from '../interop/harness/proc.js';
import { which } from '../interop/harness/tools.js';
import type { AgentCommand, AgentMessage } from './host-agent.js';

const AGENT_JS = fileURLToPath(new URL('./host-agent.js', import.meta.url));

/** Why the host tests cannot run here (for `t.skip(reason)`), or undefined when they can. */
export function hostTestsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'TUN device tests need Linux';
  if (process.getuid?.() !== 0) return 'TUN device tests need root (CAP_NET_ADMIN, network namespaces)';
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return 'no /dev/net/tun on this machine (no TUN support)';
  }
  if (which('ip') === undefined) return 'iproute2 (ip) is not installed';
  return undefined;
}

export class AgentError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

type Event = Exclude<AgentMessage, { id: number }>;

export class HostAgent {
  readonly events: Event[] = [];
  /** Resolves when the agent exits, with its exit code and everything it wrote to stderr. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #waiters = new Set<() => void>();
  #nextId = 1;
  #stderr = '';

  /** Starts the agent in `ns` (optionally under a wrapper command such as setpriv). */
  constructor(ns: string, wrapper: readonly string[] = []) {
    const [file, args] = inNamespace(ns, wrapper[0] ?? process.execPath, [
      ...(wrapper.length > 0 ? [...wrapper.slice(1), process.execPath] : []),
      AGENT_JS,
    ]);
    this.#child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = this.#child.pid;
    if (pid !== undefined) trackPid(pid);
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.#child.on('close', (code) => resolve({ code, stderr: this.#stderr })),
    );
    this.#child.on('exit', () => {
      if (pid !== undefined) untrackPid(pid);
      for (const p of this.#pending.values()) p.reject(new Error(`agent exited: ${this.#stderr}`));
      this.#pending.clear();
    });
    createInterface({ input: this.#child.stdout ?? process.stdin }).on('line', (line) => {
      const message = JSON.parse(line) as AgentMessage;
      if ('id' in message) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.ok) pending?.resolve(message.result);
        else pending?.reject(new AgentError(message.code, message.message));
        return;
      }
      this.events.push(message);
      for (const w of this.#waiters) w();
    });
  }

  /** Sends a command; resolves with its result, rejects with an AgentError carrying the error code. */
  request<T = unknown>(command: AgentCommand): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }

  /** The first event (already seen or coming) that matches, or undefined after `timeoutMs`. */
  async waitFor<E extends Event>(match: (e: Event) => e is E, timeoutMs: number): Promise<E | undefined>;
  async waitFor(match: (e: Event) => boolean, timeoutMs: number): Promise<Event | undefined>;
  async waitFor(match: (e: Event) => boolean, timeoutMs: number): Promise<Event | undefined> {
    const found = this.events.find(match);
    if (found !== undefined) return found;
    return new Promise((resolve) => {
      const check = () => {
        const event = this.events.find(match);
        if (event === undefined) return;
        done(event);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (event: Event | undefined) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(event);
      };
      this.#waiters.add(check);
    });
  }

  /** Closes what the agent opened and waits for it to exit (killed after a grace period). */
  async stop(): Promise<void> {
    const pid = this.#child.pid;
    if (this.#child.exitCode !== null || pid === undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin?.end();
    const timer = setTimeout(() => void stopPid(pid, 1000), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** The packets the agent has read from its device so far, as bytes. */
export function packets(agent: HostAgent): Buffer[] {
  return agent.events.flatMap((e) => (e.event === 'packet' ? [Buffer.from(e.hex, 'hex')] : []));
}
