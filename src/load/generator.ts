/**
 * The load generator, sans-I/O like the engine it drives: many initiators in one `Ikev1Endpoint`,
 * started at the concurrency and rate asked for, each counted when its CHILD SA is up (or its
 * ISAKMP SA, for a connection without children) or when it fails. Datagrams and time in, datagrams
 * and one next deadline out; the runner (runner.ts) owns the sockets and the one timer.
 *
 * It adds no timer per setup: the engine's heap keeps each SA's deadline, and one sweep a second
 * over the setups in flight (at most the concurrency) catches a setup the engine never reports on.
 */
import type { IketsConfig } from '../config/swanctl.js';
import type { EndpointEvent, IncomingDatagram, Transmit } from '../sa/types.js';
import { type ClassifiedFailure, classifyChildFailed, classifyIkeDown } from './failures.js';
import type { LoadPlan } from './plan.js';
import { FailureCounter, LatencyRecorder } from './stats.js';

/** What the generator needs of the engine: `Ikev1Endpoint`'s verbs. */
export interface LoadEngine {
  handleDatagram(now: number, datagram: IncomingDatagram): unknown;
  handleTimeout(now: number): void;
  initiate(now: number, connection: string, child?: string): string | undefined;
  terminate(now: number, name: string): string | undefined;
  terminateAll(now: number): void;
  reload(config: IketsConfig): void;
  pollTransmit(): Transmit | undefined;
  pollTimeout(): number | undefined;
  pollEvent(): EndpointEvent | undefined;
}

export interface LoadGeneratorOptions {
  readonly engine: LoadEngine;
  readonly plan: LoadPlan;
  /** Setups to start; undefined: as many as `durationMs` allows. */
  readonly count?: number | undefined;
  /** Setups in flight at most. */
  readonly concurrency: number;
  /** Setups started per second at most (a fixed schedule from the start); undefined: no limit. */
  readonly rate?: number | undefined;
  /** No setup is started after this many ms. */
  readonly durationMs?: number | undefined;
  /** Delete each setup's SAs (with Deletes) once it is counted; default keep them until finish(). */
  readonly deleteAfterSetup?: boolean | undefined;
  /** A setup still in flight after this many ms fails as `timeout` (the safety net). */
  readonly setupTimeoutMs: number;
  /** Each engine log line (for --debug); none by default: no logging per setup. */
  readonly onLog?: ((event: Extract<EndpointEvent, { type: 'log' }>) => void) | undefined;
}

export interface LoadProgress {
  readonly elapsedMs: number;
  readonly started: number;
  readonly established: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly retransmissions: number;
  /** Median latency of the latest setups, ms. */
  readonly recentP50: number | undefined;
}

interface Setup {
  readonly name: string;
  readonly start: number;
  ikeSaId: number | undefined;
  ikeUp: boolean;
  lastWarning: string | undefined;
}

const SWEEP_INTERVAL = 1000;

export class LoadGenerator {
  readonly latencies = new LatencyRecorder();
  readonly failures = new FailureCounter();
  readonly #o: LoadGeneratorOptions;
  readonly #engine: LoadEngine;
  readonly #inFlight = new Map<string, Setup>();
  readonly startedAt: number;
  #started = 0;
  #established = 0;
  #retransmissions = 0;
  #droppedAfterSetup = 0;
  #stopped = false;
  #lastDoneAt: number;
  #sweepAt: number;

  constructor(options: LoadGeneratorOptions, now: number) {
    this.#o = options;
    this.#engine = options.engine;
    this.startedAt = now;
    this.#lastDoneAt = now;
    this.#sweepAt = now + SWEEP_INTERVAL;
  }

  get started(): number {
    return this.#started;
  }

  get established(): number {
    return this.#established;
  }

  get retransmissions(): number {
    return this.#retransmissions;
  }

  /** SAs of counted setups that went away before the end (the peer deleted or replaced them). */
  get droppedAfterSetup(): number {
    return this.#droppedAfterSetup;
  }

  /** When the last setup was counted: the end of the measured interval. */
  get lastDoneAt(): number {
    return this.#lastDoneAt;
  }

  // --- inputs -------------------------------------------------------------------------------

  /** Starts the first setups. */
  start(now: number): void {
    this.#pump(now);
  }

  handleDatagram(now: number, datagram: IncomingDatagram): void {
    this.#engine.handleDatagram(now, datagram);
    this.#pump(now);
  }

  handleTimeout(now: number): void {
    this.#engine.handleTimeout(now);
    if (now >= this.#sweepAt) this.#sweep(now);
    this.#pump(now);
  }

  /** Starts nothing more; what is in flight is counted as `interrupted`. */
  stop(now: number): void {
    this.#stopped = true;
    this.#drain(now);
    for (const setup of [...this.#inFlight.values()])
      this.#fail(setup, now, { reason: 'interrupted', notify: undefined, text: 'the run was interrupted' });
  }

  /** Deletes every SA still held (with Deletes, as charon does when it shuts down). */
  finish(now: number): void {
    this.#stopped = true;
    this.#engine.terminateAll(now);
    this.#drain(now);
  }

  // --- outputs ------------------------------------------------------------------------------

  pollTransmit(): Transmit | undefined {
    const t = this.#engine.pollTransmit();
    // The engine marks what it sends again (sa-timers.ts, incoming.ts).
    if (t?.retransmission === true) this.#retransmissions++;
    return t;
  }

  pollTimeout(now: number): number | undefined {
    let next = this.#engine.pollTimeout();
    const earliest = (at: number | undefined) => {
      if (at !== undefined && (next === undefined || at < next)) next = at;
    };
    if (this.#inFlight.size > 0) earliest(this.#sweepAt);
    if (this.#mayStartMore(now) && this.#inFlight.size < this.#o.concurrency) earliest(this.#nextStartAt());
    const end = this.#endAt();
    if (end !== undefined && now < end) earliest(end);
    return next;
  }

  /** Nothing left to start and nothing in flight. */
  done(now: number): boolean {
    return !this.#mayStartMore(now) && this.#inFlight.size === 0;
  }

  progress(now: number): LoadProgress {
    return {
      elapsedMs: now - this.startedAt,
      started: this.#started,
      established: this.#established,
      failed: this.failures.total,
      inFlight: this.#inFlight.size,
      retransmissions: this.#retransmissions,
      recentP50: this.latencies.recentMedian(),
    };
  }

  // --- the loop -----------------------------------------------------------------------------

  #pump(now: number): void {
    this.#drain(now);
    while (this.#canStartNow(now)) {
      this.#startOne(now);
      this.#drain(now);
    }
  }

  #mayStartMore(now: number): boolean {
    if (this.#stopped) return false;
    const { count } = this.#o;
    if (count !== undefined && this.#started >= count) return false;
    const end = this.#endAt();
    return end === undefined || now < end;
  }

  #canStartNow(now: number): boolean {
    return this.#mayStartMore(now) && this.#inFlight.size < this.#o.concurrency && now >= this.#nextStartAt();
  }

  #nextStartAt(): number {
    const rate = this.#o.rate;
    return rate === undefined ? this.startedAt : this.startedAt + (this.#started * 1000) / rate;
  }

  #endAt(): number | undefined {
    return this.#o.durationMs === undefined ? undefined : this.startedAt + this.#o.durationMs;
  }

  #startOne(now: number): void {
    const n = ++this.#started;
    const plan = this.#o.plan;
    const connection = plan.connection(n);
    // Only the connection being started is in the engine's configuration: its lookups by name stay
    // short, and SAs already up keep their own copy of their connection (ike-sa.ts).
    this.#engine.reload({ connections: [connection], secrets: plan.secrets });
    const error = this.#engine.initiate(now, connection.name, plan.child);
    if (error !== undefined) {
      this.failures.add({ reason: 'initiate-error', notify: undefined, text: error });
      this.#lastDoneAt = now;
      return;
    }
    this.#inFlight.set(connection.name, {
      name: connection.name,
      start: now,
      ikeSaId: undefined,
      ikeUp: false,
      lastWarning: undefined,
    });
  }

  #drain(now: number): void {
    for (let e = this.#engine.pollEvent(); e !== undefined; e = this.#engine.pollEvent()) this.#event(e, now);
  }

  #event(e: EndpointEvent, now: number): void {
    if (e.type === 'log') {
      this.#o.onLog?.(e);
      if ((e.level === 'warn' || e.level === 'error') && e.connection !== undefined) {
        const setup = this.#inFlight.get(e.connection);
        if (setup !== undefined) setup.lastWarning = e.message;
      }
      return;
    }
    const setup = this.#inFlight.get(e.sa.connection);
    switch (e.type) {
      case 'ike-sa-up':
        if (setup === undefined) return;
        setup.ikeUp = true;
        setup.ikeSaId = e.sa.id;
        if (this.#o.plan.child === undefined) this.#succeed(setup, now);
        return;
      case 'child-sa-up':
        if (setup !== undefined && e.rekeyOf === undefined) this.#succeed(setup, now);
        return;
      case 'child-sa-failed':
        if (setup !== undefined) this.#fail(setup, now, classifyChildFailed(e.reason));
        return;
      case 'ike-sa-down':
        if (setup !== undefined)
          this.#fail(setup, now, classifyIkeDown(e.sa, e.reason, setup.ikeUp, setup.lastWarning), false);
        else if (e.reason !== 'local' && e.reason !== 'failed' && e.reason !== 'rekeyed')
          this.#droppedAfterSetup++;
        return;
      default:
        return;
    }
  }

  #succeed(setup: Setup, now: number): void {
    this.#inFlight.delete(setup.name);
    this.#established++;
    this.latencies.add(now - setup.start);
    this.#lastDoneAt = now;
    if (this.#o.deleteAfterSetup === true) this.#terminate(setup, now);
  }

  #fail(setup: Setup, now: number, failure: ClassifiedFailure, terminate = true): void {
    this.#inFlight.delete(setup.name);
    this.failures.add(failure);
    this.#lastDoneAt = now;
    // What is left of it (an ISAKMP SA whose Quick Mode failed, a stalled exchange) goes now.
    if (terminate) this.#terminate(setup, now);
  }

  #terminate(setup: Setup, now: number): void {
    this.#engine.terminate(now, setup.ikeSaId === undefined ? setup.name : `ike:${setup.ikeSaId}`);
  }

  /** The safety net: a setup the engine kept quiet about past every retransmission schedule. */
  #sweep(now: number): void {
    this.#sweepAt = now + SWEEP_INTERVAL;
    for (const setup of [...this.#inFlight.values()]) {
      if (now - setup.start < this.#o.setupTimeoutMs) continue;
      this.#fail(setup, now, {
        reason: setup.ikeUp ? 'quick-mode-timeout' : 'timeout',
        notify: undefined,
        text: setup.lastWarning ?? `no result after ${Math.round((now - setup.start) / 1000)} s`,
      });
    }
  }
}
