/**
 * The endpoint's inside: every ISAKMP SA of this host, demultiplexed by cookie pair (RFC 2408 section
 * 2.5.3), its tables, timers and output queues, and what the exchanges may do through it
 * (`ExchangeContext`). The public face is `Ikev1Endpoint` (ikev1-endpoint.ts), which exposes only
 * the verbs; the engine's modules and its tests work on this class. It performs no I/O and reads no
 * clock: the shell passes `now` (ms) in.
 */
import type { ChildConfig, IketsConfig } from '../config/swanctl.js';
import { cryptoRandom, type DhKeySource, inlineDhKeys, type RandomSource } from '../crypto/index.js';
import type {
  Address,
  ChildSaInfo,
  DeleteReason,
  EndpointEvent,
  IkeSaInfo,
  IkeSaKeys,
  IncomingDatagram,
  LogLevel,
  Transmit,
} from '../sa/types.js';
import { type ComputePolicy, ComputeQueue, type ComputeResult, inlineCompute } from './compute-queue.js';
import { DEFAULT_SETTINGS, type EngineSettings, type ExchangeContext } from './context.js';
import { EventQueue } from './event-queue.js';
import { FragmentReassembly } from './fragmentation/reassembly.js';
import { outgoingDatagrams } from './fragmentation/send.js';
import { ikeSaInfo, ikeSaKeys } from './ike-sa-info.js';
import { expectedDatagram, type IncomingResult, receiveDatagram } from './incoming.js';
import { Lifecycle } from './lifecycle.js';
import { NAT_KEEPALIVE, NON_ESP_MARKER, usesNonEspMarker } from './nat-traversal.js';
import { NO_CREDENTIALS, type Phase1Credentials } from './phase1/auth/credentials.js';
import { MainModeOffers } from './phase1/main-mode-offers.js';
import { MainMode1Cache } from './phase1/main-mode1-cache.js';
import type { QuickModeExchange } from './quick-mode/quick-mode-common.js';
import { type ChildSa, ChildSaTable } from './sa/child-sa-table.js';
import type { IkeSa } from './sa/ike-sa.js';
import { IkeSaTable } from './sa/ike-sa-table.js';
import { keptBytes } from './sa/own-bytes.js';
import { SaTimers } from './sa/sa-timers.js';
import { isConnecting } from './states.js';
import { TransmitQueue } from './transmit-queue.js';
import { VersionRefusals } from './version-refusal.js';

export interface EndpointOptions {
  readonly config: IketsConfig;
  readonly random?: RandomSource;
  /** Ephemeral DH key pairs (default: generated inline from `random`). */
  readonly dhKeys?: DhKeySource;
  /** Which g^xy leave the engine as requests (`pollCompute`); default `inlineCompute`: none. */
  readonly compute?: ComputePolicy;
  readonly settings?: Partial<EngineSettings>;
  /** Local NAT-T port to float to (default 4500). */
  readonly nattPort?: number;
  /** Keys and certificates for `auth = pubkey` connections (default: none). */
  readonly credentials?: Phase1Credentials;
}

/**
 * Drops that are the protocol working (not news to an operator), or that version-refusal.ts logs
 * and counts under its own limit.
 */
const ROUTINE_DROPS = new Set([
  'retransmission answered',
  'retransmitted first message',
  'Quick Mode already complete',
  'Informational already seen',
  'invalid major version',
  'invalid major version, not answered (rate limit)',
  'duplicate fragment',
  'repeated while computing',
]);

export class EndpointCore implements ExchangeContext {
  config: IketsConfig;
  credentials: Phase1Credentials;
  readonly random: RandomSource;
  readonly dhKeys: DhKeySource;
  readonly compute: ComputePolicy;
  /** Computations that left the engine, with the exchanges waiting for them (compute-queue.ts). */
  readonly computeQueue = new ComputeQueue();
  readonly settings: EngineSettings;
  readonly nattPortNumber: number;
  readonly ikeSas: IkeSaTable;
  readonly children: ChildSaTable;
  readonly lifecycle: Lifecycle;
  readonly timers: SaTimers;
  /** Main Mode offers answered without state, waiting for message 3 (RFC 2408 section 2.5.3). */
  readonly mainModeOffers: MainModeOffers;
  /** Messages arriving in IKEv1 fragments, until they are whole (fragmentation/). */
  readonly fragments: FragmentReassembly;
  /** Each connection's answer to the Main Mode messages 1 seen lately (main-mode1-cache.ts). */
  readonly mainMode1Cache = new MainMode1Cache();
  /** Answers to IKEv2 messages, rate-limited (RFC 2408 section 5.2). */
  readonly versionRefusals = new VersionRefusals();
  now: number;
  /** Datagrams to send, and those that leave a little later (transmit-queue.ts). */
  readonly #transmits = new TransmitQueue();
  /** Events for the shell, and the limits on log lines and refusals (event-queue.ts). */
  readonly #events = new EventQueue();

  constructor(options: EndpointOptions, now: number) {
    this.config = options.config;
    this.credentials = options.credentials ?? NO_CREDENTIALS;
    this.random = options.random ?? cryptoRandom;
    this.dhKeys = options.dhKeys ?? inlineDhKeys;
    this.compute = options.compute ?? inlineCompute;
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.nattPortNumber = options.nattPort ?? 4500;
    this.now = now;
    this.ikeSas = new IkeSaTable(this.random);
    this.children = new ChildSaTable(this.random);
    this.ikeSas.onPeerMoved((sa, oldAddress, oldId) => this.children.peerMoved(sa, oldAddress, oldId));
    this.lifecycle = new Lifecycle(this);
    this.timers = new SaTimers(this);
    this.mainModeOffers = new MainModeOffers(() => ({
      maxOffers: this.settings.maxMainModeOffers,
      maxOfferBytes: this.settings.maxMainModeOfferBytes,
      lifetime: this.settings.halfOpenTimeout,
    }));
    this.fragments = new FragmentReassembly(() => ({
      maxFragments: this.settings.maxFragmentsPerMessage,
      maxMessageBytes: this.settings.maxFragmentedMessageBytes,
      maxReassemblies: this.settings.maxReassemblies,
      maxFirst: this.settings.maxFirstMessageReassemblies,
      maxBytes: this.settings.maxReassemblyBytes,
      timeout: this.settings.fragmentReassemblyTimeout,
    }));
  }

  get secrets() {
    return this.config.secrets;
  }

  childrenOf(sa: IkeSa): readonly ChildConfig[] {
    return (this.config.connections.find((c) => c.name === sa.connection.name) ?? sa.connection).children;
  }

  // --- inputs -------------------------------------------------------------------------------

  handleDatagram(now: number, datagram: IncomingDatagram): IncomingResult {
    this.now = Math.max(this.now, now);
    const mark = this.#events.length;
    const result = receiveDatagram(this, datagram);
    if (result.sa !== undefined) this.timers.schedule(result.sa);
    // An operator hears of every datagram that is dropped for being malformed or unexpected (not
    // of the routine ones: retransmissions already answered), at info level.
    if (result.kind === 'dropped' && this.#events.length === mark && !ROUTINE_DROPS.has(result.reason ?? ''))
      this.log(
        'info',
        `dropped a datagram from ${datagram.remote.address}:${datagram.remote.port}: ${result.reason}`,
      );
    // A dropped datagram proved nothing: anyone may have sent it, as often as they like.
    if (result.kind === 'dropped' && this.#events.length > mark)
      this.#events.limitLogs(this.now, mark, result.reason);
    this.#startWaitingChildren();
    return result;
  }

  /**
   * Whether the datagram's cookies name an exchange we know (incoming.ts `expectedDatagram`): the
   * shell handles such datagrams first when it falls behind. Reads no clock, changes nothing.
   */
  expects(datagram: IncomingDatagram): boolean {
    return expectedDatagram(this, datagram);
  }

  handleTimeout(now: number): void {
    this.now = Math.max(this.now, now);
    this.timers.run();
    this.#transmits.release(this.now);
    this.#startWaitingChildren();
    this.fragments.expire(this.now);
    this.#events.due(this.now);
  }

  /** A computation's result (compute-queue.ts): its exchange goes on, unless its SA is gone. */
  handleComputed(now: number, requestId: number, result: ComputeResult): void {
    this.now = Math.max(this.now, now);
    const pending = this.computeQueue.take(requestId);
    if (pending === undefined) return;
    pending.resume(result);
    if (pending.sa.state !== 'deleted') this.timers.schedule(pending.sa);
    this.#startWaitingChildren();
  }

  /** Children that waited for a Quick Mode slot start as slots free up (quick-mode/slots.ts). */
  #startWaitingChildren(): void {
    if (this.lifecycle.slots.size === 0) return;
    this.lifecycle.slots.startWaiting((sa, child) => {
      this.lifecycle.startChild(sa, child);
      this.timers.schedule(sa);
    });
  }

  initiate(now: number, connection: string, child?: string): string | undefined {
    this.now = Math.max(this.now, now);
    return this.lifecycle.initiate(connection, child);
  }

  terminate(now: number, name: string): string | undefined {
    this.now = Math.max(this.now, now);
    return this.lifecycle.terminate(name);
  }

  terminateAll(now: number): void {
    this.now = Math.max(this.now, now);
    this.lifecycle.terminateAll();
    // Shutting down: nothing waits any longer, the Deletes leave before the sockets close.
    this.#transmits.release();
  }

  /** The data plane's byte/packet counter of a child passed a limit (soft: rekey, hard: delete). */
  childLimitReached(now: number, childSaId: number, hard: boolean): string | undefined {
    this.now = Math.max(this.now, now);
    const error = this.lifecycle.childLimitReached(childSaId, hard);
    const child = this.children.byId(childSaId);
    if (child !== undefined) this.timers.schedule(child.ikeSa);
    return error;
  }

  /**
   * The data plane last received traffic on a CHILD SA at `lastInboundAt` (the shell's answer to
   * `dpd-traffic-check`): a sign of life of its ISAKMP SA's peer, since only the peer holds the
   * keys that protect it (dpd.ts). An earlier time than the last one known changes nothing.
   */
  childTraffic(now: number, childSaId: number, lastInboundAt: number): void {
    this.now = Math.max(this.now, now);
    const sa = this.children.byId(childSaId)?.ikeSa;
    if (sa === undefined || sa.state !== 'established') return;
    const at = Math.min(lastInboundAt, this.now);
    if (at <= sa.lastActivity) return;
    sa.lastActivity = at;
    this.timers.schedule(sa);
  }

  /** New configuration (and credentials, when given) for new exchanges; SAs keep theirs. */
  reload(config: IketsConfig, credentials?: Phase1Credentials): void {
    this.config = config;
    this.mainMode1Cache.clear();
    if (credentials !== undefined) this.credentials = credentials;
  }

  // --- outputs ------------------------------------------------------------------------------

  pollTransmit(): Transmit | undefined {
    return this.#transmits.poll();
  }

  pollTimeout(): number | undefined {
    const [timer, delayed] = [this.timers.next(), this.#transmits.nextDelayed()];
    return delayed === undefined || (timer !== undefined && timer < delayed) ? timer : delayed;
  }

  pollEvent(): EndpointEvent | undefined {
    return this.#events.poll();
  }

  /** Snapshots of the ISAKMP SAs (with `connectingOnly`, of those still in phase 1 only). */
  ikeSaList(connectingOnly = false): IkeSaInfo[] {
    const sas = this.ikeSas.all();
    return (connectingOnly ? sas.filter((sa) => isConnecting(sa.state)) : sas).map((sa) => ikeSaInfo(sa));
  }

  childSaList(): ChildSaInfo[] {
    return this.children.all().map((c) => c.info);
  }

  ikeSaKeys(id: number): IkeSaKeys | undefined {
    const sa = this.ikeSas.byId(id);
    return sa === undefined ? undefined : ikeSaKeys(sa);
  }

  // --- ExchangeContext ----------------------------------------------------------------------

  send(sa: IkeSa, messageId: number, message: Uint8Array, awaitReply: boolean): void {
    const data = this.frame(sa, message);
    sa.outstanding.set(messageId, {
      data: keptBytes(data),
      timer: awaitReply,
      tries: 0,
      nextAt: this.now + this.settings.retransmitTimeout,
    });
    this.transmit(sa, data);
    this.timers.schedule(sa);
  }

  sendOnce(sa: IkeSa, message: Uint8Array, delay = 0): void {
    const data = this.frame(sa, message);
    if (delay <= 0 || !this.#transmits.delay(this.now + delay, this.#datagramsOf(sa, data)))
      this.transmit(sa, data);
  }

  /**
   * The bytes on the wire: the non-ESP marker first when sent from our NAT-T port, or between two
   * ports neither of which is 500 (`usesNonEspMarker`, RFC 3948 section 2.2); never from or to port 500.
   */
  frame(sa: { readonly local: Address; readonly remote: Address }, message: Uint8Array): Uint8Array {
    return usesNonEspMarker(sa.local, sa.remote, this.nattPortNumber)
      ? Buffer.concat([NON_ESP_MARKER, message])
      : message;
  }

  /** Sends a message of the SA, whole or in fragments (fragmentation/send.ts); `again`: sent before. */
  transmit(sa: IkeSa, data: Uint8Array, again = false): void {
    this.#transmits.push(...this.#datagramsOf(sa, data, again));
  }

  #datagramsOf(sa: IkeSa, data: Uint8Array, again = false): Transmit[] {
    const datagrams = outgoingDatagrams(sa, data, this.settings.fragmentSize);
    if (datagrams.length > 1)
      this.log('debug', `sending a message of ${data.length} bytes in ${datagrams.length} fragments`, sa);
    return datagrams.map((d) => ({ local: sa.local, remote: sa.remote, data: d, retransmission: again }));
  }

  sendKeepalive(sa: IkeSa): void {
    this.#transmits.push({ local: sa.local, remote: sa.remote, data: NAT_KEEPALIVE });
  }

  /**
   * A datagram that belongs to no SA and answers a first message we accept (Main Mode message 2,
   * first-message.ts): not rate-limited, since legitimate peers need every one, and never larger
   * than the message it answers by more than our Vendor IDs.
   */
  sendStateless(local: Address, remote: Address, data: Uint8Array): void {
    this.#transmits.push({ local, remote, data, stateless: true });
  }

  /**
   * A datagram that belongs to no SA (a notify answering an unacceptable first message). Anyone can
   * cause one with a spoofed source, so they are rate-limited: past the limit the first message is
   * dropped silently (the peer retransmits and gets its answer later).
   */
  sendRaw(transmit: Transmit): void {
    if (this.allowRefusal()) this.#transmits.push({ ...transmit, stateless: true });
  }

  /**
   * Whether a notify answering an unauthenticated message may go out now: anyone can cause one, so
   * they share one token bucket (20 at once, 20 a second). Past it the message is not answered.
   */
  allowRefusal(): boolean {
    if (this.#events.admitRefusal(this.now)) return true;
    this.logLimited(
      'refusal not sent',
      'debug',
      'too many refusals of unauthenticated messages: not answered',
    );
    return false;
  }

  emit(event: EndpointEvent): void {
    this.#events.push(event);
  }

  /** A log line about an event an unauthenticated sender can cause: rate-limited per `kind`. */
  logLimited(kind: string, level: LogLevel, message: string, sa?: IkeSa): void {
    this.#events.logLimited(this.now, kind, level, message, sa);
  }

  log(level: LogLevel, message: string, sa?: IkeSa): void {
    this.#events.log(level, message, sa);
  }

  exchangeDone(sa: IkeSa, messageId: number): void {
    const outstanding = sa.outstanding.get(messageId);
    if (outstanding !== undefined) outstanding.timer = false;
    sa.finishedMessageIds.add(messageId);
  }

  isFirstContact(sa: IkeSa): boolean {
    // Any other SA with the peer, even one still connecting, means it is not a first contact: two
    // simultaneous phase 1s must not make the peer drop each other's (RFC 2407 section 4.6.3.3).
    return !this.ikeSas.othersAtAddress(sa);
  }

  nattPort(): number {
    return this.nattPortNumber;
  }

  dropSa(sa: IkeSa, reason: DeleteReason): void {
    this.lifecycle.removeIkeSa(sa, reason);
  }

  childrenInstalled(
    sa: IkeSa,
    children: readonly ChildSa[],
    rekeyOf: number | undefined,
    ours = false,
  ): void {
    this.lifecycle.childrenInstalled(sa, children, rekeyOf, ours);
  }

  removeChild(child: ChildSa, reason: DeleteReason, notifyPeer: boolean): void {
    this.lifecycle.removeChild(child, reason, notifyPeer);
  }

  quickModeAbandoned(sa: IkeSa, qm: QuickModeExchange): void {
    this.lifecycle.rekeying.quickModeAbandoned(sa, qm);
  }

  newGroupModeDone(sa: IkeSa): void {
    this.lifecycle.newGroupModeDone(sa);
  }

  initialContact(sa: IkeSa): void {
    this.lifecycle.initialContact(sa);
  }
}
