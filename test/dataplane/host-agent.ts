/**
 * A child process that drives a TunDevice and LinuxRouting inside a network namespace (it is started
 * under `ip netns exec NS`, as the interop tests start their peers): JSON commands on stdin, one per
 * line, answered on stdout; packets read from the device and datagrams received on its UDP sockets
 * are reported as events. host-agent-client.ts is the test side.
 *
 * The `forward` command is the test-only stand-in for an ESP engine: every packet read from the
 * device goes as one UDP datagram to the peer's agent, and every datagram from it is written into the
 * device. Its socket is marked, so the packets it sends never re-enter the device.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { createInterface } from 'node:readline';
import { socketDescriptor } from '../../src/daemon/udp.js';
import { DataplaneError, type Selector } from '../../src/dataplane/backend.js';
import { libc } from '../../src/dataplane/libc.js';
import { openLinuxHost } from '../../src/dataplane/userspace/linux-host.js';
import { LinuxRouting, routeSource } from '../../src/dataplane/userspace/routing-linux.js';
import { TunDevice } from '../../src/dataplane/userspace/tun-device.js';
import { parseSelector } from '../../src/spd/selector.js';

const SOL_SOCKET = 1;
const SO_MARK = 36;

export type AgentCommand =
  | { readonly cmd: 'open-tun'; readonly name?: string; readonly mtu?: number }
  /** Device and routing in one call (openLinuxHost). */
  | { readonly cmd: 'open-host'; readonly ipCommand?: string }
  | {
      readonly cmd: 'open-routing';
      readonly device?: string;
      readonly mark?: number;
      readonly table?: number;
    }
  | { readonly cmd: 'add-route' | 'delete-route'; readonly prefix: string; readonly source?: string }
  /** routeSource() for a local selector given as a prefix. */
  | { readonly cmd: 'route-source'; readonly prefix: string }
  | { readonly cmd: 'capture'; readonly on: boolean }
  /** The next packet read from the device makes the receiver throw (a bug in the receiver). */
  | { readonly cmd: 'throw-on-packet'; readonly message: string }
  | { readonly cmd: 'write'; readonly hex: string }
  | { readonly cmd: 'udp-open'; readonly name: string; readonly address: string; readonly port: number }
  | { readonly cmd: 'mark'; readonly name: string }
  | {
      readonly cmd: 'udp-send';
      readonly name: string;
      readonly address: string;
      readonly port: number;
      readonly hex: string;
    }
  | { readonly cmd: 'forward'; readonly name: string; readonly address: string; readonly port: number }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'close' };

export type AgentMessage =
  | { readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string }
  | { readonly event: 'packet'; readonly hex: string }
  | {
      readonly event: 'datagram';
      readonly socket: string;
      readonly from: string;
      readonly port: number;
      readonly hex: string;
    };

/** A prefix `a/len` as the Selector it covers (the form backends receive). */
export function selectorOfPrefix(text: string): Selector {
  const selector = parseSelector(text);
  if (selector === undefined) throw new RangeError(`${text} is not a prefix`);
  return selector;
}

let tun: TunDevice | undefined;
let routing: LinuxRouting | undefined;
let capturing = false;
let throwOnPacket: string | undefined;
let forwardTo: { socket: Socket; address: string; port: number } | undefined;
const sockets = new Map<string, Socket>();

function emit(message: AgentMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what} yet`);
  return value;
}

function onTunPacket(packet: Uint8Array): void {
  if (throwOnPacket !== undefined) throw new Error(throwOnPacket);
  if (forwardTo !== undefined) forwardTo.socket.send(Buffer.from(packet), forwardTo.port, forwardTo.address); // valid during the call only
  if (capturing) emit({ event: 'packet', hex: Buffer.from(packet).toString('hex') });
}

async function execute(command: AgentCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'open-tun': {
      tun = TunDevice.open({
        ...(command.name === undefined ? {} : { name: command.name }),
        ...(command.mtu === undefined ? {} : { mtu: command.mtu }),
      });
      tun.onPacket(onTunPacket);
      return { name: tun.name, mtu: tun.mtu };
    }
    case 'open-host': {
      const host = await openLinuxHost(
        command.ipCommand === undefined ? {} : { ipCommand: command.ipCommand },
      );
      tun = host.device;
      routing = host.routing;
      tun.onPacket(onTunPacket);
      return { name: tun.name, families: [...routing.families] };
    }
    case 'open-routing':
      routing = await LinuxRouting.open({
        device: command.device ?? need(tun, 'device').name,
        ...(command.mark === undefined ? {} : { mark: command.mark }),
        ...(command.table === undefined ? {} : { table: command.table }),
      });
      return { families: [...routing.families], mark: routing.mark, table: routing.table };
    case 'add-route':
      await need(routing, 'routing').addRoute(selectorOfPrefix(command.prefix), command.source);
      return Object.fromEntries(need(routing, 'routing').routes);
    case 'delete-route':
      await need(routing, 'routing').deleteRoute(selectorOfPrefix(command.prefix));
      return Object.fromEntries(need(routing, 'routing').routes);
    case 'route-source':
      return { source: routeSource(selectorOfPrefix(command.prefix)) ?? null };
    case 'capture':
      capturing = command.on;
      return undefined;
    case 'throw-on-packet':
      throwOnPacket = command.message;
      return undefined;
    case 'write':
      need(tun, 'device').write(Buffer.from(command.hex, 'hex'));
      return need(tun, 'device').stats;
    case 'udp-open': {
      const socket = createSocket({ type: isIPv6(command.address) ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(command.port, command.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.on('error', () => {});
      socket.on('message', (data, rinfo) => {
        if (forwardTo?.socket === socket) need(tun, 'device').write(data);
        else
          emit({
            event: 'datagram',
            socket: command.name,
            from: rinfo.address,
            port: rinfo.port,
            hex: data.toString('hex'),
          });
      });
      sockets.set(command.name, socket);
      return { fd: socketDescriptor(socket) ?? null, port: socket.address().port };
    }
    case 'mark': {
      const fd = need(socketDescriptor(need(sockets.get(command.name), `socket ${command.name}`)), 'fd');
      need(routing, 'routing').markSocket(fd);
      // SO_MARK read back from the kernel: the fd really is the dgram socket's.
      return { fd, mark: libc().getsockoptInt(fd, SOL_SOCKET, SO_MARK).value ?? null };
    }
    case 'udp-send': {
      const socket = need(sockets.get(command.name), `socket ${command.name}`);
      await new Promise<void>((resolve, reject) =>
        socket.send(Buffer.from(command.hex, 'hex'), command.port, command.address, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      return undefined;
    }
    case 'forward':
      forwardTo = {
        socket: need(sockets.get(command.name), `socket ${command.name}`),
        address: command.address,
        port: command.port,
      };
      return undefined;
    case 'stats':
      return need(tun, 'device').stats;
    case 'close': {
      for (const socket of sockets.values()) socket.close();
      sockets.clear();
      await routing?.close();
      await tun?.close();
      return undefined;
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, ...command } = JSON.parse(line) as AgentCommand & { id: number };
  execute(command as AgentCommand).then(
    (result) => emit({ id, ok: true, result }),
    (error: unknown) =>
      emit({
        id,
        ok: false,
        code:
          error instanceof DataplaneError ? error.code : ((error as NodeJS.ErrnoException).code ?? 'ERROR'),
        message: (error as Error).message,
      }),
  );
});
process.stdin.on('end', () => {
  void execute({ cmd: 'close' }).finally(() => process.exit(0));
});
