/** Waiting for an engine event the daemon passes on: for the demo, the benchmarks and tests that drive two daemons. */
import type { EndpointEvent } from '../sa/types.js';
import type { TypedEmitter } from '../sad/emitter.js';
import type { DaemonEvents } from './daemon-options.js';

/** The next engine event of `type` (that `accept` takes), or a DaemonTimeoutError after `timeoutMs`. */
export function waitForEvent<T extends EndpointEvent['type']>(
  events: TypedEmitter<DaemonEvents>,
  type: T,
  timeoutMs: number,
  accept: (event: Extract<EndpointEvent, { type: T }>) => boolean,
): Promise<Extract<EndpointEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new DaemonTimeoutError(`no ${type} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const off = events.on('event', (event) => {
      if (event.type !== type || !accept(event as Extract<EndpointEvent, { type: T }>)) return;
      clearTimeout(timer);
      off();
      resolve(event as Extract<EndpointEvent, { type: T }>);
    });
  });
}

export class DaemonTimeoutError extends Error {
  readonly code = 'ERR_IKETS_TIMEOUT';
  override readonly name = 'DaemonTimeoutError';
}
