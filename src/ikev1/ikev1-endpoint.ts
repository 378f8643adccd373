/**
 * The IKEv1 endpoint as a library user, the daemon and the CLI drive it: only its verbs (quinn-proto's
 * `Endpoint` is the model). It is driven by `handleDatagram`, `handleTimeout` and the commands, and
 * polled for what to send (`pollTransmit`), when to wake up (`pollTimeout`) and what happened
 * (`pollEvent`); `ikeSaList` and `childSaList` are snapshots. Nothing of its inside (SA tables,
 * timers, exchanges) is reachable from here: that is `EndpointCore` (endpoint.ts). It performs no I/O
 * and reads no clock: the shell passes `now` (ms) in.
 */
import type { IketsConfig } from '../config/swanctl.js';
import type {
  ChildSaInfo,
  EndpointEvent,
  IkeSaInfo,
  IkeSaKeys,
  IncomingDatagram,
  Transmit,
} from '../sa/types.js';
import type { ComputeRequest, ComputeResult } from './compute-queue.js';
import { EndpointCore, type EndpointOptions } from './endpoint.js';
import type { Phase1Credentials } from './phase1/auth/credentials.js';

export {
  type ComputePolicy,
  type ComputeRequest,
  type ComputeResult,
  computeNow,
  deferAllCompute,
  inlineCompute,
} from './compute-queue.js';
export type { EndpointOptions } from './endpoint.js';

/** What became of a datagram: IKE handled, ESP or a NAT-keepalive for the data plane, or dropped (and why). */
export interface DatagramOutcome {
  readonly kind: 'ike' | 'esp' | 'keepalive' | 'dropped';
  readonly reason?: string;
}

export class Ikev1Endpoint {
  readonly #core: EndpointCore;

  constructor(options: EndpointOptions, now: number) {
    this.#core = new EndpointCore(options, now);
  }

  /** A UDP payload received on one of our sockets (the non-ESP marker included, on the NAT-T port). */
  handleDatagram(now: number, datagram: IncomingDatagram): DatagramOutcome {
    const { kind, reason } = this.#core.handleDatagram(now, datagram);
    return reason === undefined ? { kind } : { kind, reason };
  }

  /**
   * Whether a datagram's cookies name an exchange this endpoint knows (an ISAKMP SA, a Main Mode
   * offer it answered, a phase 1 it started): a shell that falls behind handles these before first
   * messages. Changes nothing.
   */
  expects(datagram: IncomingDatagram): boolean {
    return this.#core.expects(datagram);
  }

  /** Time has passed; idempotent, so the shell may call it early. */
  handleTimeout(now: number): void {
    this.#core.handleTimeout(now);
  }

  /**
   * The result of a computation `pollCompute` handed out (by its `id`): the exchange that waits for
   * it goes on. A result whose SA is gone meanwhile is ignored.
   */
  handleComputed(now: number, requestId: number, result: ComputeResult): void {
    this.#core.handleComputed(now, requestId, result);
  }

  /** Brings up a connection (and one child, or its `start_action = start` children); an error text, or undefined. */
  initiate(now: number, connection: string, child?: string): string | undefined {
    return this.#core.initiate(now, connection, child);
  }

  /** Deletes the SAs a connection, child or `ike:ID`/`child:ID` names; an error text, or undefined. */
  terminate(now: number, name: string): string | undefined {
    return this.#core.terminate(now, name);
  }

  terminateAll(now: number): void {
    this.#core.terminateAll(now);
  }

  /** The data plane's byte/packet counter of a child passed a limit (soft: rekey, hard: delete). */
  childLimitReached(now: number, childSaId: number, hard: boolean): string | undefined {
    return this.#core.childLimitReached(now, childSaId, hard);
  }

  /**
   * The data plane last received traffic on a CHILD SA at `lastInboundAt` (ms, the caller's clock):
   * the answer to a `dpd-traffic-check` event. Traffic is a sign of life: DPD waits for silence.
   */
  childTraffic(now: number, childSaId: number, lastInboundAt: number): void {
    this.#core.childTraffic(now, childSaId, lastInboundAt);
  }

  /** A new configuration (and credentials): new exchanges use it; SAs that are up keep their terms. */
  reload(config: IketsConfig, credentials?: Phase1Credentials): void {
    this.#core.reload(config, credentials);
  }

  /** The next `{ local, remote, data }` to send from the socket bound to `local`. */
  pollTransmit(): Transmit | undefined {
    return this.#core.pollTransmit();
  }

  /**
   * The next costly computation (g^xy) the engine's `compute` policy sends out: run it (the
   * daemon: on its crypto workers; `computeNow` inline) and hand the result to `handleComputed`.
   */
  pollCompute(): ComputeRequest | undefined {
    return this.#core.computeQueue.poll();
  }

  /** The absolute time (ms, caller's clock) of the next timer. */
  pollTimeout(): number | undefined {
    return this.#core.pollTimeout();
  }

  pollEvent(): EndpointEvent | undefined {
    return this.#core.pollEvent();
  }

  /** With `connectingOnly`, of the SAs still in phase 1 only (a listing need not snapshot every other SA). */
  ikeSaList(connectingOnly = false): IkeSaInfo[] {
    return this.#core.ikeSaList(connectingOnly);
  }

  childSaList(): ChildSaInfo[] {
    return this.#core.childSaList();
  }

  /** SKEYID_d/_a/_e and Ka of a live ISAKMP SA in hex, for `list-sas --show-keys`; never logged. */
  ikeSaKeys(id: number): IkeSaKeys | undefined {
    return this.#core.ikeSaKeys(id);
  }
}
