/**
 * What the daemon answers on its control socket (control-protocol.ts): `up` waits for the IKE SA and
 * the children and streams their log, as `swanctl --initiate` does; `down`, `list-sas`, `list-conns`,
 * `list-certs` and `reload`. Keys leave the daemon only for `list-sas` with `showKeys`.
 */

import { summarizeCredentials } from '../pki/index.js';
import type { ChildSaInfo, EndpointEvent, IkeSaInfo } from '../sa/types.js';
import { policyRow } from '../spd/index.js';
import { summarizeConnections } from './connections.js';
import type { ControlRequest, ControlResponse } from './control-protocol.js';
import type { ControlHandler } from './control-server.js';
import type { Daemon } from './daemon.js';
import { listSasAtOnce, streamSas } from './list-sas.js';
import { type LogEntry, logEntryJson } from './logger.js';

export const DEFAULT_UP_TIMEOUT = 30_000;

export function createControlHandler(daemon: Daemon): ControlHandler {
  return async (request, stream, drained) => {
    switch (request.command) {
      case 'up':
        return up(daemon, request, stream);
      case 'down':
        return down(daemon, request.name, stream);
      case 'list-sas': {
        const options = { showKeys: request.showKeys === true, name: request.name };
        if (request.stream !== true || drained === undefined) return listSasAtOnce(daemon, options);
        return streamSas(daemon, options, { line: stream, drained });
      }
      case 'list-pols':
        return {
          ok: true,
          dataplane: daemon.dataplane?.backend.name ?? 'none',
          policies: (daemon.dataplane?.spd.installed() ?? []).map((p) => policyRow(p.policy, p.users)),
        };
      case 'list-conns':
        return { ok: true, connections: summarizeConnections(daemon.config) };
      case 'list-certs':
        // Certificates and CRLs only: no private key material leaves the daemon.
        return { ok: true, now: daemon.now(), ...summarizeCredentials(daemon.credentials) };
      case 'reload': {
        const config = await daemon.reload();
        return { ok: true, connections: config.connections.length };
      }
    }
  };
}

const withoutKeys = <T extends { keys?: unknown }>(sa: T): T => ({ ...sa, keys: undefined });

interface Target {
  readonly connection: string;
  readonly child: string | undefined;
  /** The children `up` waits for. */
  readonly children: readonly string[];
}

/** NAME is a connection (its `start_action = start` children come up with it) or a child name. */
function resolve(daemon: Daemon, name: string): Target | string {
  const connection = daemon.config.connections.find((c) => c.name === name);
  if (connection !== undefined)
    return {
      connection: name,
      child: undefined,
      children: connection.children.filter((c) => c.startAction === 'start').map((c) => c.name),
    };
  const owners = daemon.config.connections.filter((c) => c.children.some((ch) => ch.name === name));
  if (owners.length === 1)
    return { connection: (owners[0] as { name: string }).name, child: name, children: [name] };
  if (owners.length > 1)
    return `child '${name}' is in several connections (${owners.map((o) => o.name).join(', ')}); name the connection`;
  return `no connection or child named '${name}'`;
}

function logLine(entry: LogEntry): object {
  return { log: logEntryJson(entry) };
}

function up(
  daemon: Daemon,
  request: Extract<ControlRequest, { command: 'up' }>,
  stream: (line: object) => void,
): Promise<ControlResponse> {
  const target = resolve(daemon, request.name);
  if (typeof target === 'string') return Promise.resolve({ ok: false, error: target });
  const timeout = request.timeout ?? DEFAULT_UP_TIMEOUT;
  return new Promise((settle) => {
    const ikeIds = new Set<number>();
    let ikeSa: IkeSaInfo | undefined = daemon.sad
      .byName(target.connection)
      .ike.find((s) => s.state === 'established');
    const children = new Map<string, ChildSaInfo>();
    let finished = false;
    const offs: (() => void)[] = [];
    /** A half-open ISAKMP SA of ours that knows why it is failing (RFC 2408 section 5: unauthenticated notes included). */
    const failing = () =>
      daemon.endpoint
        .ikeSas()
        .find(
          (s) =>
            s.connection === target.connection &&
            s.role === 'initiator' &&
            s.state === 'connecting' &&
            s.failure !== undefined,
        );
    const timer = setTimeout(() => {
      const why = failing()?.failure;
      finish({
        ok: false,
        error: `'${request.name}' is not up after ${timeout / 1000}s${why === undefined ? '' : `: ${why}`}`,
      });
    }, timeout);
    // A client still waiting must not keep a daemon that is shutting down alive.
    timer.unref();
    function finish(response: ControlResponse): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const off of offs) off();
      settle(response);
    }
    const check = () => {
      if (ikeSa !== undefined && target.children.every((c) => children.has(c)))
        finish({
          ok: true,
          ikeSa: withoutKeys(ikeSa),
          childSas: [...children.values()].map(withoutKeys),
          // `up CONNECTION` starts only its `start_action = start` children: say which others it has.
          ...(target.child === undefined && target.children.length === 0
            ? { notStarted: childrenOf(daemon, target.connection) }
            : {}),
        });
    };
    offs.push(
      daemon.events.on('log', (entry) => {
        if (entry.connection === target.connection || (entry.ikeSa !== undefined && ikeIds.has(entry.ikeSa)))
          stream(logLine(entry));
        // The engine logs when it learns why phase 1 is failing (a refusal, an answer it cannot
        // decrypt): report it now rather than at the timeout. The SA itself keeps to the protocol
        // (an unauthenticated hint changes nothing there); the next `up` starts afresh.
        const sa = ikeSa === undefined ? failing() : undefined;
        if (sa !== undefined)
          finish({ ok: false, error: `establishing IKE SA #${sa.id} failed: ${sa.failure}` });
      }),
      daemon.events.on('event', (event: EndpointEvent) => {
        if (event.type === 'log' || event.sa.connection !== target.connection) return;
        if (event.type === 'ike-sa-up') {
          ikeIds.add(event.sa.id);
          ikeSa = event.sa;
        } else if (event.type === 'child-sa-up' && target.children.includes(event.sa.child)) {
          children.set(event.sa.child, event.sa);
        } else if (event.type === 'ike-sa-down' && ikeSa === undefined) {
          return finish({
            ok: false,
            error: `establishing IKE SA #${event.sa.id} failed${event.sa.failure === undefined ? ` (${event.reason})` : `: ${event.sa.failure}`}`,
          });
        } else if (event.type === 'child-sa-failed' && target.children.includes(event.sa.child)) {
          return finish({
            ok: false,
            error: `establishing CHILD SA '${event.sa.child}' failed: ${event.reason}`,
          });
        } else if (
          event.type === 'child-sa-down' &&
          target.children.includes(event.sa.child) &&
          !children.has(event.sa.child)
        ) {
          return finish({
            ok: false,
            error: `establishing CHILD SA '${event.sa.child}' failed (${event.reason})`,
          });
        }
        check();
      }),
    );
    // Children already installed are reported, not negotiated again (`down` then `up` to renew).
    const installed = daemon.sad.byName(target.connection).child;
    for (const name of target.children) {
      const up = installed.find((c) => c.child === name);
      if (up !== undefined) children.set(name, up);
    }
    if (ikeSa !== undefined && target.children.length > 0 && children.size === target.children.length)
      return finish({
        ok: true,
        alreadyUp: true,
        ikeSa: withoutKeys(ikeSa),
        childSas: [...children.values()].map(withoutKeys),
      });
    const error = daemon.initiate(target.connection, target.child);
    if (error !== undefined) return finish({ ok: false, error });
    check();
  });
}

function down(daemon: Daemon, name: string, stream: (line: object) => void): ControlResponse {
  const off = daemon.events.on('log', (entry) => {
    if (entry.connection === name || entry.connection === connectionOfChild(daemon, name))
      stream(logLine(entry));
  });
  try {
    const error = daemon.terminate(name);
    return error === undefined ? { ok: true } : { ok: false, error };
  } finally {
    off();
  }
}

function childrenOf(daemon: Daemon, connection: string): string[] {
  return (daemon.config.connections.find((c) => c.name === connection)?.children ?? []).map((c) => c.name);
}

function connectionOfChild(daemon: Daemon, child: string): string | undefined {
  return daemon.config.connections.find((c) => c.children.some((ch) => ch.name === child))?.name;
}
