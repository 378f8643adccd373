/**
 * Drives test/interop/ikets-peer.ts as a child process (inside a network namespace): writes its
 * swanctl.conf to a temp dir, collects its JSON-line events, sends commands and waits for events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackDir, trackPid, untrackDir, untrackPid } from './harness/cleanup.js';
import { inNamespace } from './harness/netns.js';
import { stopPid } from './harness/proc.js';

/** The JSON form of the engine's IkeSaInfo / ChildSaInfo (only what the tests read is typed). */
export interface PeerIkeSa {
  readonly id: number;
  readonly connection: string;
  readonly role: 'initiator' | 'responder';
  readonly exchange: 'main' | 'aggressive';
  readonly state: string;
  readonly initiatorCookie: string;
  readonly responderCookie: string;
  readonly local: { address: string; port: number };
  readonly remote: { address: string; port: number };
  readonly localId: string;
  readonly remoteId: string;
  readonly suite?: { encryption: string; hash: string; dhGroup: string; proposal: string };
  readonly nat: { local: boolean; remote: boolean; encapsulated: boolean };
}

export interface PeerChildSa {
  readonly id: number;
  readonly child: string;
  readonly connection: string;
  readonly ikeSaId: number;
  readonly protocol: string;
  readonly mode: string;
  readonly encapsulation: boolean;
  readonly spiIn: string;
  readonly spiOut: string;
  readonly encryption?: string;
  readonly integrity?: string;
  readonly pfsGroup?: string;
  readonly proposal: string;
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
}

export type PeerEvent =
  | { readonly type: 'ready' | 'bye' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'result'; readonly cmd?: string; readonly ok: boolean; readonly error?: string }
  | { readonly type: 'list'; readonly ike: PeerIkeSa[]; readonly children: PeerChildSa[] }
  | {
      readonly type: 'log';
      readonly level: string;
      readonly message: string;
      readonly ikeSa?: number;
      /** When the peer shell drained it (ms since the epoch). */
      readonly at?: number;
    }
  | { readonly type: 'ike-sa-up'; readonly sa: PeerIkeSa }
  | { readonly type: 'ike-sa-down'; readonly sa: PeerIkeSa; readonly reason: string }
  | { readonly type: 'child-sa-up'; readonly sa: PeerChildSa; readonly rekeyOf?: number }
  | { readonly type: 'child-sa-down'; readonly sa: PeerChildSa; readonly reason: string }
  | {
      readonly type: 'child-sa-failed';
      readonly sa: { connection: string; child: string; ikeSaId: number };
      readonly reason: string;
    };

export interface PeerOptions {
  readonly netns?: string;
  readonly address: string;
  /** swanctl.conf text. */
  readonly config: string;
  readonly port?: number;
  readonly nattPort?: number;
  /** Engine settings (EngineSettings), e.g. shorter retransmission timeouts. */
  readonly settings?: Readonly<Record<string, number>>;
}

const PEER_JS = fileURLToPath(new URL('./ikets-peer.js', import.meta.url));

export class IketsPeer {
  /** Every event seen so far, in order. */
  readonly events: PeerEvent[] = [];
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #waiters = new Set<() => void>();
  #exited = false;
  #stderr = '';

  private constructor(child: ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          this.events.push(JSON.parse(line) as PeerEvent);
        } catch {
          this.events.push({ type: 'log', level: 'raw', message: line });
        }
        for (const w of this.#waiters) w();
      });
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString('utf8');
    });
    child.on('exit', () => {
      this.#exited = true;
      for (const w of this.#waiters) w();
    });
  }

  /** Starts the peer and waits for it to bind its sockets. */
  static async start(o: PeerOptions): Promise<IketsPeer> {
    const dir = mkdtempSync(join(tmpdir(), 'ikets-peer-'));
    trackDir(dir);
    const configPath = join(dir, 'swanctl.conf');
    writeFileSync(configPath, o.config);
    const args = [PEER_JS, '--config', configPath, '--address', o.address];
    if (o.port !== undefined) args.push('--port', String(o.port));
    if (o.nattPort !== undefined) args.push('--natt-port', String(o.nattPort));
    if (o.settings !== undefined) args.push('--settings', JSON.stringify(o.settings));
    const [file, argv] = inNamespace(o.netns, process.execPath, args);
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) trackPid(child.pid);
    const peer = new IketsPeer(child, dir);
    try {
      // Generous: at load ~19 on two cores a peer was once not ready within 10 s (1 run of 5).
      await peer.waitFor((e) => e.type === 'ready' || e.type === 'fatal', 30_000);
      const fatal = peer.events.find((e) => e.type === 'fatal');
      if (fatal) throw new Error(`ikets peer failed: ${fatal.message}`);
    } catch (error) {
      await peer.stop();
      throw error;
    }
    return peer;
  }

  /** Resolves with the first event (also among those already seen) that matches, or rejects on timeout. */
  waitFor<E extends PeerEvent = PeerEvent>(
    match: (e: PeerEvent) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<E> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match);
        if (found !== undefined) {
          done();
          resolve(found as E);
        } else if (this.#exited) {
          done();
          reject(new Error(`ikets peer exited while waiting\n${this.#context()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for an ikets event\n${this.#context()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  send(command: Record<string, string>): void {
    this.#child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  initiate(conn: string, child?: string): void {
    this.send(child === undefined ? { cmd: 'initiate', conn } : { cmd: 'initiate', conn, child });
  }

  terminate(name: string): void {
    this.send({ cmd: 'terminate', name });
  }

  /** Asks for the SA lists and waits for the answer. */
  async list(): Promise<{ ike: PeerIkeSa[]; children: PeerChildSa[] }> {
    const from = this.events.length;
    this.send({ cmd: 'list' });
    const e = await this.waitFor<Extract<PeerEvent, { type: 'list' }>>((x) => x.type === 'list', 5000, from);
    return { ike: e.ike, children: e.children };
  }

  /** The log lines printed so far, one per line (for assertion messages). */
  logs(): string {
    return this.events
      .filter((e): e is Extract<PeerEvent, { type: 'log' }> => e.type === 'log')
      .map((e) => `${e.at === undefined ? '' : `${clock(e.at)} `}${e.level}: ${e.message}`)
      .join('\n');
  }

  #context(): string {
    const types = this.events.map((e) => e.type).join(', ');
    return `events: ${types}\nlogs:\n${this.logs()}${this.#stderr ? `\nstderr: ${this.#stderr}` : ''}`;
  }

  /** Sends quit (terminateAll, flush) and waits for exit; kills it after a grace time. Never throws. */
  async stop(): Promise<void> {
    const pid = this.#child.pid;
    if (!this.#exited) {
      try {
        this.send({ cmd: 'quit' });
        this.#child.stdin?.end();
      } catch {
        // stdin closed already
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        this.#child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        if (this.#exited) resolve();
      });
      if (!this.#exited && pid !== undefined) await stopPid(pid, 1000);
    }
    if (pid !== undefined) untrackPid(pid);
    rmSync(this.#dir, { recursive: true, force: true });
    untrackDir(this.#dir);
  }
}

/** HH:MM:SS.mmm of a time in ms, local time as charon's log has it (`time_format = %T`, `time_add_ms`). */
function clock(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
