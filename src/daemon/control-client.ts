/**
 * The client side of the control socket, for the `ikets` commands: sends one request and collects
 * the streamed log lines and the final response.
 */
import { connect } from 'node:net';
import type { ControlLogLine, ControlRequest, ControlResponse } from './control-protocol.js';

/** No daemon listens at the path (no socket file, or nobody behind it). */
export class DaemonNotRunningError extends Error {
  readonly code = 'ERR_NO_DAEMON';
  constructor(readonly path: string) {
    super(`no daemon at ${path} (start it with 'ikets start')`);
    this.name = 'DaemonNotRunningError';
  }
}

export class ControlProtocolError extends Error {
  readonly code = 'ERR_CONTROL_PROTOCOL';
  constructor(message: string) {
    super(message);
    this.name = 'ControlProtocolError';
  }
}

export function sendControlRequest(
  path: string,
  request: ControlRequest,
  onLog: (line: ControlLogLine['log']) => void = () => {},
  onItem?: (line: Record<string, unknown>) => void,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffered = '';
    let done = false;
    const finish = (error: Error | undefined, response?: ControlResponse) => {
      if (done) return;
      done = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(response as ControlResponse);
    };
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'ENOTSOCK')
        finish(new DaemonNotRunningError(path));
      else finish(error);
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0 && !done) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          finish(
            new ControlProtocolError(`the daemon answered something that is not JSON: ${line.slice(0, 80)}`),
          );
          return;
        }
        if (typeof value === 'object' && value !== null && 'log' in value)
          onLog((value as ControlLogLine).log);
        else if (onItem !== undefined && typeof value === 'object' && value !== null && !('ok' in value))
          onItem(value as Record<string, unknown>);
        else if (typeof value === 'object' && value !== null && 'ok' in value)
          finish(undefined, value as ControlResponse);
        else finish(new ControlProtocolError(`unexpected line from the daemon: ${line.slice(0, 80)}`));
      }
    });
    socket.on('close', () =>
      finish(new ControlProtocolError('the daemon closed the connection without an answer')),
    );
  });
}
