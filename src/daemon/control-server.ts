/**
 * The control socket's transport: a Unix domain socket (mode 0600, in a 0700 directory it creates)
 * that reads request lines and writes what the handler answers. A stale socket file left by a
 * crashed daemon is removed; a live one (another daemon answers) is an error.
 */
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { type ControlRequest, type ControlResponse, MAX_LINE, parseRequest } from './control-protocol.js';
import type { RequestsWaiting } from './requests-waiting.js';
import { DaemonError } from './udp.js';

/**
 * Answers one request; `stream` sends an intermediate line (a log line, an SA of a listing) first
 * and says false when the client should read before more is written; `drained` resolves once it
 * has (false: the client went away).
 */
export type ControlHandler = (
  request: ControlRequest,
  stream: (line: object) => unknown,
  drained?: () => Promise<boolean>,
) => Promise<ControlResponse>;

export class ControlServer {
  readonly #clients = new Set<Socket>();

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  /**
   * `waiting` hears of each accepted connection until its request line arrives, so that the
   * receive queue lets it go first (requests-waiting.ts).
   */
  static async listen(
    path: string,
    handler: ControlHandler,
    waiting?: RequestsWaiting,
  ): Promise<ControlServer> {
    await removeStale(path);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const server = createServer();
    const control = new ControlServer(path, server);
    server.on('connection', (socket) => control.#serve(socket, handler, waiting?.expect()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The socket file is created by bind(2) inside listen(), synchronously, with the process umask:
      // 0177 makes it 0600 from its first moment, so no other user can connect before the chmod
      // below (which only keeps the mode right where umask is ignored).
      const umask = process.umask(0o177);
      try {
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(umask);
      }
    });
    await chmod(path, 0o600);
    return control;
  }

  #serve(socket: Socket, handler: ControlHandler, requestRead: () => void = () => {}): void {
    this.#clients.add(socket);
    socket.on('close', () => {
      this.#clients.delete(socket);
      requestRead();
    });
    socket.on('error', () => socket.destroy());
    let buffered = '';
    let queue = Promise.resolve();
    const write = (line: object): boolean => !socket.destroyed && socket.write(`${JSON.stringify(line)}\n`);
    const drained = (): Promise<boolean> => {
      if (socket.destroyed) return Promise.resolve(false);
      if (!socket.writableNeedDrain) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => () => {
          socket.off('drain', onDrain);
          socket.off('close', onClose);
          resolve(ok);
        };
        const onDrain = done(true);
        const onClose = done(false);
        socket.once('drain', onDrain);
        socket.once('close', onClose);
      });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE && !buffered.includes('\n')) {
        write({ ok: false, error: `request line longer than ${MAX_LINE} bytes` });
        socket.end();
        return;
      }
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line === '') continue;
        requestRead();
        queue = queue.then(() => answer(line, handler, write, drained));
      }
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#clients) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await unlink(this.path).catch(() => {});
  }
}

async function answer(
  line: string,
  handler: ControlHandler,
  write: (line: object) => boolean,
  drained: () => Promise<boolean>,
): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    write({ ok: false, error: 'not JSON' });
    return;
  }
  const request = parseRequest(value);
  if (typeof request === 'string') {
    write({ ok: false, error: request });
    return;
  }
  try {
    write(await handler(request, write, drained));
  } catch (error) {
    write({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

async function removeStale(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new DaemonError('ERR_DAEMON_RUNNING', `a daemon already listens on ${path}`);
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
