/**
 * What the daemon needs of the IKEv1 engine (src/ikev1/ikev1-endpoint.ts, `Ikev1Endpoint`), as an interface
 * so the shell's tests can drive it with a fake. The engine is sans-I/O: the daemon hands it
 * datagrams and the time, and polls it for datagrams to send, its next timer and its events.
 */
import type { IketsConfig } from '../config/swanctl.js';
import type { DhKeySource } from '../crypto/index.js';
import type { ComputePolicy, ComputeRequest, ComputeResult } from '../ikev1/compute-queue.js';
import type { EngineSettings } from '../ikev1/context.js';
import type { CredentialSet } from '../pki/index.js';
import type {
  ChildSaInfo,
  EndpointEvent,
  IkeSaInfo,
  IkeSaKeys,
  IncomingDatagram,
  Transmit,
} from '../sa/types.js';

export interface EndpointLike {
  handleDatagram(now: number, datagram: IncomingDatagram): unknown;
  /**
   * Whether a datagram belongs to an exchange the engine knows (its cookies): handled before first
   * messages when the daemon falls behind. Without it every datagram counts as expected.
   */
  expects?(datagram: IncomingDatagram): boolean;
  handleTimeout(now: number): void;
  initiate(now: number, connection: string, child?: string): string | undefined;
  terminate(now: number, name: string): string | undefined;
  terminateAll(now: number): void;
  /** New configuration, and the credentials loaded with it (swanctl's folders) when given. */
  reload(config: IketsConfig, credentials?: CredentialSet): void;
  /** A child's byte/packet counter passed its soft (rekey) or hard (delete) limit. */
  childLimitReached(now: number, childSaId: number, hard: boolean): string | undefined;
  /** The data plane last received traffic on a child at `lastInboundAt` (answers `dpd-traffic-check`). */
  childTraffic?(now: number, childSaId: number, lastInboundAt: number): void;
  pollTransmit(): Transmit | undefined;
  /** A computation the engine sends out (its `compute` policy), for the crypto workers. */
  pollCompute?(): ComputeRequest | undefined;
  /** The result of a request `pollCompute` gave. */
  handleComputed?(now: number, requestId: number, result: ComputeResult): void;
  pollTimeout(): number | undefined;
  pollEvent(): EndpointEvent | undefined;
  ikeSas(): IkeSaInfo[];
  /** The ISAKMP SAs still negotiating (not in the SAD yet), without a snapshot of every other SA. */
  connectingIkeSas?(): IkeSaInfo[];
  childSas(): ChildSaInfo[];
  /** The keys of a live ISAKMP SA (the SAD keeps none), for `list-sas --show-keys`. */
  ikeSaKeys?(id: number): IkeSaKeys | undefined;
}

/** Builds the engine once the sockets are bound (so an ephemeral NAT-T port is known). */
export type EndpointFactory = (
  config: IketsConfig,
  now: number,
  nattPort: number,
  settings?: Partial<EngineSettings>,
  /** Ephemeral DH key pairs made ahead of time (`--crypto-workers`); undefined: inline. */
  dhKeys?: DhKeySource,
  /** The credentials of the swanctl folders, for `auth = pubkey` connections. */
  credentials?: CredentialSet,
  /** Which computations (g^xy) the engine sends out for the crypto workers; undefined: none. */
  compute?: ComputePolicy,
) => EndpointLike;
