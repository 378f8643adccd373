/**
 * The daemon: the thin shell around the sans-I/O engine. It binds the sockets, feeds every datagram
 * and timer expiry to the engine with the wall-clock time, and after each input drains the engine
 * (datagrams to send, events) and arms one timer for the engine's next deadline. SA events build the
 * SAD; log events go to the logger and to whoever listens (the control socket's `up`).
 */
import type { IketsConfig } from '../config/swanctl.js';
import type { DataplaneBackend } from '../dataplane/backend.js';
import type { ComputeResult } from '../ikev1/compute-queue.js';
import { CredentialSet } from '../pki/index.js';
import type { EndpointEvent, IncomingDatagram, LogLevel } from '../sa/types.js';
import { TypedEmitter } from '../sad/emitter.js';
import { SecurityAssociationDatabase } from '../sad/index.js';
import { CryptoPool } from './crypto-pool/crypto-pool.js';
import { announceStart, logCredentials, warnConfig } from './daemon-notes.js';
import type { DaemonEvents, DaemonOptions } from './daemon-options.js';
import { DatagramReceiver } from './datagram-receiver.js';
import { DataplaneLink } from './dataplane-link.js';
import { answerTrafficCheck, DPD_TRAFFIC_CHECK_MS } from './dpd-traffic.js';
import type { EndpointLike } from './endpoint-like.js';
import { EngineTimer } from './engine-timer.js';
import { waitForEvent } from './event-wait.js';
import { keyLines } from './key-log.js';
import type { LogEntry } from './logger.js';
import type { BacklogState } from './receive-queue.js';
import { UdpSockets } from './udp.js';
import { UpdownRunner } from './updown.js';

export type { DaemonEvents, DaemonOptions } from './daemon-options.js';
export { DaemonTimeoutError } from './event-wait.js';

export class Daemon {
  readonly sad = new SecurityAssociationDatabase();
  readonly events = new TypedEmitter<DaemonEvents>();
  readonly #endpoint: EndpointLike;
  readonly #sockets: UdpSockets;
  readonly #options: DaemonOptions;
  readonly #clock: () => number;
  #config: IketsConfig;
  #credentials: CredentialSet;
  #driving = false;
  #again = false;
  #stopping: Promise<void> | undefined;
  readonly #receiver = new DatagramReceiver({
    endpoint: () => this.#endpoint,
    clock: () => this.#clock(),
    stopping: () => this.#stopping !== undefined,
    dataplane: () => this.#dataplane?.backend,
    isNattSocket: (local) => this.#sockets.isNattSocket(local),
    log: (level, message) => this.log(level, message),
    drive: () => this.drive(),
    requestsWaiting: () => this.#options.requestsWaiting?.() === true,
  });
  readonly #timer = new EngineTimer({
    endpoint: () => this.#endpoint,
    clock: () => this.#clock(),
    log: (level, message) => this.log(level, message),
    drive: () => this.drive(),
  });
  #dataplane: DataplaneLink | undefined;
  #updown: UpdownRunner | undefined;
  #crypto: CryptoPool | undefined;

  private constructor(
    options: DaemonOptions,
    sockets: UdpSockets,
    endpoint: EndpointLike,
    clock: () => number,
  ) {
    this.#options = options;
    this.#sockets = sockets;
    this.#endpoint = endpoint;
    this.#clock = clock;
    this.#config = options.config;
    this.#credentials = options.credentials ?? CredentialSet.empty();
  }

  /** Binds the sockets, builds the engine and starts the children with `start_action = start`. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const clock = options.clock ?? Date.now;
    let daemon: Daemon | undefined;
    const early: IncomingDatagram[] = [];
    const { sockets, failures } = await UdpSockets.bind(
      options.addresses,
      options.port ?? 500,
      options.nattPort ?? 4500,
      (datagram) => (daemon === undefined ? early.push(datagram) : daemon.#receiver.receive(datagram)),
    );
    let backend: DataplaneBackend | undefined;
    try {
      backend = await options.createDataplane?.({
        send: (local, remote, data) => {
          const error =
            daemon === undefined ? 'not started' : daemon.#sockets.sendUntracked({ local, remote, data });
          if (error !== undefined) daemon?.log('debug', `ESP-in-UDP: ${error}`);
        },
      });
      // RFC 4301 section 5.1: IKE's own datagrams must never be caught by an IPsec policy.
      for (const socket of sockets.descriptors()) await backend?.bypassSocket(socket);
    } catch (error) {
      await backend?.close();
      await sockets.close();
      throw error;
    }
    const encap = backend?.requiresUdpEncapsulation === true;
    const workers = options.cryptoWorkers ?? 0;
    const crypto =
      workers > 0 ? new CryptoPool(workers, (level, message) => daemon?.log(level, message)) : undefined;
    crypto?.prefill(options.config);
    // With a data plane, its traffic counts as a sign of life for DPD (dpd-traffic.ts).
    const settings =
      backend === undefined
        ? options.engineSettings
        : { dpdTrafficCheck: DPD_TRAFFIC_CHECK_MS, ...options.engineSettings };
    const endpoint = options.createEndpoint(
      effectiveConfig(options.config, encap),
      clock(),
      sockets.nattPort ?? options.nattPort ?? 4500,
      settings,
      crypto?.keys,
      options.credentials ?? CredentialSet.empty(),
      crypto?.policy,
    );
    daemon = new Daemon(options, sockets, endpoint, clock);
    daemon.#crypto = crypto;
    if (crypto !== undefined)
      daemon.log('info', `${workers} crypto worker(s) make DH key pairs ahead of time and compute MODP g^xy`);
    if (backend !== undefined) daemon.#attachDataplane(backend);
    daemon.#startUpdown();
    announceStart(
      daemon.log.bind(daemon),
      options.config,
      { bound: sockets.bound, failures },
      daemon.#credentials,
      options.configFile,
    );
    for (const datagram of early) daemon.#receiver.receive(datagram);
    daemon.#startConnections();
    daemon.drive();
    return daemon;
  }

  get config(): IketsConfig {
    return this.#config;
  }

  /** The loaded certificates, CRLs and private keys (replaced as a whole by `reload`). */
  get credentials(): CredentialSet {
    return this.#credentials;
  }

  get endpoint(): EndpointLike {
    return this.#endpoint;
  }

  /** The addresses and ports the daemon listens on. */
  get bound() {
    return this.#sockets.bound;
  }

  /** The data plane (SPD, backend), when one runs. */
  get dataplane(): DataplaneLink | undefined {
    return this.#dataplane;
  }

  get datagramsReceived(): number {
    return this.#receiver.datagramsReceived;
  }

  /** The time the next timer fires (engine's pollTimeout), or undefined. */
  get timerAt(): number | undefined {
    return this.#timer.at;
  }

  now(): number {
    return this.#clock();
  }

  /** A log line of the shell itself (also streamed to listeners). */
  log(level: LogLevel, message: string, connection?: string, ikeSa?: number): void {
    const entry: LogEntry = { time: this.#clock(), level, message, connection, ikeSa };
    this.#options.logger.log(entry);
    this.events.emit('log', entry);
  }

  initiate(connection: string, child?: string): string | undefined {
    const error = this.#endpoint.initiate(this.#clock(), connection, child);
    this.drive();
    return error;
  }

  terminate(name: string): string | undefined {
    const error = this.#endpoint.terminate(this.#clock(), name);
    this.drive();
    return error;
  }

  /** Reads the configuration file again and hands it to the engine; SAs that are up stay up. */
  async reload(): Promise<IketsConfig> {
    const { configFile, loadConfig } = this.#options;
    if (configFile === undefined || loadConfig === undefined)
      throw new Error('the daemon was started without a configuration file');
    let config: IketsConfig;
    let credentials: CredentialSet;
    try {
      config = await loadConfig(configFile);
      // Both or neither: a credential file that does not load keeps the configuration in force too.
      credentials = this.#options.loadCredentials?.(configFile) ?? this.#credentials;
    } catch (error) {
      this.log('error', `reload failed, the configuration in force is kept: ${describe(error)}`);
      throw error;
    }
    this.#endpoint.reload(
      effectiveConfig(config, this.#dataplane?.backend.requiresUdpEncapsulation === true),
      credentials,
    );
    this.#config = config;
    this.#credentials = credentials;
    this.#crypto?.prefill(config);
    this.#dataplane?.syncTraps();
    this.log('info', `reloaded ${configFile}: ${config.connections.length} connection(s)`);
    logCredentials(this.log.bind(this), this.#credentials);
    warnConfig(this.log.bind(this), config, this.#sockets.bound, this.#credentials, this.#options.configFile);
    this.drive();
    return config;
  }

  /**
   * Runs the engine's output: sends its datagrams, dispatches its events, and arms the one timer for
   * its next deadline. Called after every input; re-entrant calls (a listener starting a connection)
   * make the running drive loop once more instead of nesting.
   */
  drive(): void {
    if (this.#driving) {
      this.#again = true;
      return;
    }
    this.#driving = true;
    try {
      do {
        this.#again = false;
        for (let t = this.#endpoint.pollTransmit(); t !== undefined; t = this.#endpoint.pollTransmit()) {
          // Answers to first messages (a flood's) go the cheap way: nothing waits for them.
          const error = t.stateless === true ? this.#sockets.sendUntracked(t) : this.#sockets.send(t);
          if (error !== undefined) this.log('warn', error);
        }
        // A computation the engine sent out (its compute seam) runs on the crypto workers.
        for (let c = this.#endpoint.pollCompute?.(); c !== undefined; c = this.#endpoint.pollCompute?.())
          this.#crypto?.compute(c, this.#computed.bind(this, c.id));
        for (let e = this.#endpoint.pollEvent(); e !== undefined; e = this.#endpoint.pollEvent())
          this.#dispatch(e);
      } while (this.#again);
    } finally {
      this.#driving = false;
    }
    this.#arm();
  }

  /** A computation's result (only a pool's policy sends any out): back to the engine, unless stopping. */
  #computed(id: number, result: ComputeResult): void {
    if (this.#stopping !== undefined) return;
    this.#endpoint.handleComputed?.(this.#clock(), id, result);
    this.drive();
  }

  /**
   * The next engine event of `type` (that `accept` takes, if given), or a DaemonTimeoutError after
   * `timeoutMs`. For the demo, the benchmarks and tests that drive two daemons.
   */
  waitFor<T extends EndpointEvent['type']>(
    type: T,
    timeoutMs = 15_000,
    accept: (event: Extract<EndpointEvent, { type: T }>) => boolean = () => true,
  ): Promise<Extract<EndpointEvent, { type: T }>> {
    return waitForEvent(this.events, type, timeoutMs, accept);
  }

  /** The crypto workers (`--crypto-workers`), if any: their stock counters, for tests and the bench. */
  get cryptoPool(): CryptoPool | undefined {
    return this.#crypto;
  }

  /** Deletes every SA (the Deletes are sent before the sockets close), then closes everything. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.log('info', 'shutting down: deleting all SAs');
      this.#receiver.clear();
      this.#endpoint.terminateAll(this.#clock());
      this.drive();
      this.#timer.disarm();
      await this.#dataplane?.close();
      await this.#updown?.settled();
      this.#updown?.close();
      await this.#sockets.close();
      if (this.#crypto !== undefined) this.log('debug', this.#crypto.summary());
      await this.#crypto?.close();
    })();
    return this.#stopping;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** The receive queue's state: datagrams waiting, the peak, and those dropped because it was full. */
  get backlog(): BacklogState {
    return this.#receiver.backlog;
  }

  /** Children's `updown` scripts; after the data plane, so their SAs and reqid exist when they run. */
  #startUpdown(): void {
    this.#updown = new UpdownRunner(this.sad, {
      script: (child) =>
        this.#config.connections
          .find((c) => c.name === child.connection)
          ?.children.find((c) => c.name === child.child)?.updown,
      reqid: (child) => this.#dataplane?.reqidOf(child.id) ?? 0,
      log: (level, message, connection) => this.log(level, message, connection),
    });
  }

  /** Resolves when the updown scripts started so far have finished (for tests). */
  updownSettled(): Promise<void> {
    return this.#updown?.settled() ?? Promise.resolve();
  }

  #attachDataplane(backend: DataplaneBackend): void {
    const link = new DataplaneLink(backend, {
      config: () => this.#config,
      initiate: (connection, child) => this.initiate(connection, child),
      childLimitReached: (id, hard) => {
        this.#endpoint.childLimitReached(this.#clock(), id, hard);
        this.drive();
      },
      installFailed: (id) => {
        this.terminate(`child:${id}`);
      },
      log: (level, message, connection) => this.log(level, message, connection),
      now: () => this.#clock(),
    });
    link.attach(this.sad);
    this.#dataplane = link;
    this.log(
      'info',
      `data plane: ${backend.name}${backend.requiresUdpEncapsulation === true ? ' (ESP in UDP only: every connection negotiates UDP encapsulation)' : ''}`,
    );
    link.syncTraps();
  }

  #dispatch(event: EndpointEvent): void {
    if (event.type === 'log') {
      this.log(event.level, event.message, event.connection, event.ikeSa);
      return;
    }
    if (event.type === 'dpd-traffic-check') {
      const link = this.#dataplane;
      if (link !== undefined)
        void answerTrafficCheck(event, link, this.#endpoint, this.#clock).then((told) => {
          if (told && this.#stopping === undefined) this.drive();
        });
      return;
    }
    try {
      this.sad.apply(event);
    } catch (error) {
      this.log('error', `SAD: ${describe(error)}`, event.sa.connection);
    }
    if (event.type === 'child-sa-down') this.#dataplane?.childDown(event.sa, event.reason);
    if (this.#options.logKeys === true)
      for (const line of keyLines(event)) this.log('info', line, event.sa.connection);
    this.events.emit('event', event);
  }

  #arm(): void {
    if (this.#stopping !== undefined) return;
    this.#timer.arm();
  }

  /** Connections with a child whose start_action is `start` are initiated at startup (strongSwan does the same). */
  #startConnections(): void {
    for (const connection of this.#config.connections) {
      if (!connection.children.some((c) => c.startAction === 'start')) continue;
      const error = this.#endpoint.initiate(this.#clock(), connection.name);
      if (error !== undefined) this.log('error', `cannot start: ${error}`, connection.name);
    }
  }
}

/** With a data plane that carries only ESP-in-UDP, every connection fakes a NAT (`encap = yes`). */
function effectiveConfig(config: IketsConfig, encap: boolean): IketsConfig {
  if (!encap) return config;
  return { ...config, connections: config.connections.map((c) => ({ ...c, encap: true })) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
