/** A scripted stand-in for Ikev1Endpoint, for the daemon shell's tests. */
import type { IketsConfig } from '../../src/config/swanctl.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import type { EndpointLike } from '../../src/daemon/index.js';
import type {
  Address,
  ChildSaInfo,
  EndpointEvent,
  IkeSaInfo,
  IkeSaKeys,
  IncomingDatagram,
  Transmit,
} from '../../src/sa/types.js';
import { childSa, ikeSa } from '../sad/sa-fixtures.js';

export const FAKE_CONFIG_TEXT = `
connections {
  gw {
    version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local { auth = psk }
    remote { auth = psk }
    children {
      net { start_action = none }
      web { start_action = start }
    }
  }
  other {
    version = 1
    local { auth = psk }
    remote { auth = psk }
    children { lone { } }
  }
}
secrets { ike-1 { secret = test } }
`;

export const fakeConfig = (): IketsConfig => parseSwanctlConfig(FAKE_CONFIG_TEXT, 'fake.conf');

/** What `initiate` does in the fake: succeed (events), fail (ike-sa-down), or nothing at all. */
export type Behaviour = 'succeed' | 'fail' | 'silent';

export class FakeEndpoint implements EndpointLike {
  readonly received: { now: number; datagram: IncomingDatagram }[] = [];
  readonly timeouts: number[] = [];
  readonly initiated: { connection: string; child: string | undefined }[] = [];
  readonly terminated: string[] = [];
  readonly reloaded: IketsConfig[] = [];
  readonly limits: { childSaId: number; hard: boolean }[] = [];
  terminatedAll = 0;
  timeout: number | undefined;
  behaviour: Behaviour = 'succeed';
  /** Where the fake's Deletes go at terminateAll. */
  peer: { local: Address; remote: Address } | undefined;
  readonly #transmits: Transmit[] = [];
  readonly #events: EndpointEvent[] = [];
  readonly #ike: IkeSaInfo[] = [];
  readonly #child: ChildSaInfo[] = [];
  #nextId = 1;

  constructor(
    readonly config: IketsConfig,
    readonly createdAt: number,
    readonly nattPort: number,
  ) {}

  /** Datagrams starting with this text are `expected` (a known exchange's); undefined: no `expects`. */
  expectedPrefix: string | undefined;
  /** Milliseconds each datagram keeps the engine busy (a slow engine, to build a backlog). */
  busyMs = 0;

  expects(datagram: IncomingDatagram): boolean {
    return (
      this.expectedPrefix !== undefined &&
      Buffer.from(datagram.data).toString().startsWith(this.expectedPrefix)
    );
  }

  /** Answers every datagram from the socket it came in on: `echo:` + the data. */
  handleDatagram(now: number, datagram: IncomingDatagram): void {
    for (const until = performance.now() + this.busyMs; performance.now() < until; );
    this.received.push({ now, datagram });
    this.#transmits.push({
      local: datagram.local,
      remote: datagram.remote,
      data: Buffer.concat([Buffer.from('echo:'), datagram.data]),
    });
    this.#events.push({ type: 'log', level: 'debug', message: `received ${datagram.data.length} bytes` });
  }

  handleTimeout(now: number): void {
    if (this.timeout !== undefined && now >= this.timeout) {
      this.timeouts.push(now);
      this.timeout = undefined;
    }
  }

  initiate(_now: number, connection: string, child?: string): string | undefined {
    const conn = this.config.connections.find((c) => c.name === connection);
    if (conn === undefined) return `no connection named '${connection}'`;
    this.initiated.push({ connection, child });
    const id = this.#nextId++;
    this.#events.push({ type: 'log', level: 'info', message: 'initiating Main Mode', ikeSa: id, connection });
    if (this.behaviour === 'silent') return undefined;
    const ike = ikeSa({ id, connection, initiatorCookie: `${id}`.padStart(16, '0') });
    if (this.behaviour === 'fail') {
      this.#events.push(
        { type: 'log', level: 'error', message: 'NO_PROPOSAL_CHOSEN', ikeSa: id, connection },
        { type: 'ike-sa-down', sa: { ...ike, state: 'deleted' }, reason: 'failed' },
      );
      return undefined;
    }
    this.#ike.push(ike);
    this.#events.push({ type: 'ike-sa-up', sa: ike });
    const names = child ? [child] : conn.children.filter((c) => c.startAction === 'start').map((c) => c.name);
    for (const name of names) {
      const cid = this.#nextId++;
      const sa = childSa({
        id: cid,
        ikeSaId: id,
        connection,
        child: name,
        spiIn: `c0${`${cid}`.padStart(6, '0')}`,
      });
      this.#child.push(sa);
      this.#events.push(
        { type: 'log', level: 'info', message: `CHILD SA ${name} established`, ikeSa: id, connection },
        { type: 'child-sa-up', sa, rekeyOf: undefined },
      );
    }
    return undefined;
  }

  childLimitReached(_now: number, childSaId: number, hard: boolean): string | undefined {
    this.limits.push({ childSaId, hard });
    return undefined;
  }

  readonly traffic: { now: number; childSaId: number; lastInboundAt: number }[] = [];

  childTraffic(now: number, childSaId: number, lastInboundAt: number): void {
    this.traffic.push({ now, childSaId, lastInboundAt });
  }

  /** Queues an event, as the engine would. */
  emit(event: EndpointEvent): void {
    this.#events.push(event);
  }

  terminate(_now: number, name: string): string | undefined {
    const ike = this.#ike.filter((s) => s.connection === name);
    if (ike.length === 0) return `no SA matches '${name}'`;
    this.terminated.push(name);
    for (const sa of ike) {
      this.#events.push(
        { type: 'log', level: 'info', message: 'deleting IKE SA', ikeSa: sa.id, connection: name },
        { type: 'ike-sa-down', sa, reason: 'local' },
      );
    }
    this.#ike.splice(0, this.#ike.length, ...this.#ike.filter((s) => s.connection !== name));
    return undefined;
  }

  terminateAll(): void {
    this.terminatedAll++;
    if (this.peer !== undefined) this.#transmits.push({ ...this.peer, data: Buffer.from('DELETE') });
  }

  reload(config: IketsConfig): void {
    this.reloaded.push(config);
  }

  pollTransmit(): Transmit | undefined {
    return this.#transmits.shift();
  }

  pollTimeout(): number | undefined {
    return this.timeout;
  }

  pollEvent(): EndpointEvent | undefined {
    return this.#events.shift();
  }

  ikeSas(): IkeSaInfo[] {
    return [...this.#ike];
  }

  /** The keys of an SA the fake holds, as the engine answers `list-sas --show-keys` (the SAD keeps none). */
  ikeSaKeys(id: number): IkeSaKeys | undefined {
    return this.#ike.find((s) => s.id === id)?.keys;
  }

  childSas(): ChildSaInfo[] {
    return [...this.#child];
  }

  /** Queues a datagram to send, as the engine would. */
  queue(transmit: Transmit): void {
    this.#transmits.push(transmit);
  }
}
