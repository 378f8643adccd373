/**
 * What an exchange may do besides changing its IKE SA: send, emit events and log, all through the
 * endpoint, which keeps the queues the shell polls. Nothing here performs I/O.
 */
import type { ChildConfig, IkeSecretConfig, IketsConfig } from '../config/swanctl.js';
import type { DhKeySource, RandomSource } from '../crypto/index.js';
import type { EndpointEvent, LogLevel } from '../sa/types.js';
import type { ComputePolicy } from './compute-queue.js';
import type { Phase1Credentials } from './phase1/auth/credentials.js';
import type { QuickModeExchange } from './quick-mode/quick-mode-common.js';
import type { ChildSa, ChildSaTable } from './sa/child-sa-table.js';
import type { IkeSa } from './sa/ike-sa.js';

export interface EngineSettings {
  /** First retransmission after this many ms, then each wait multiplied by `retransmitBase` (strongSwan: 4 s, 1.8). */
  readonly retransmitTimeout: number;
  readonly retransmitBase: number;
  /** Retransmissions before the exchange is given up (strongSwan: 5). */
  readonly retransmitTries: number;
  /**
   * Longest wait between retransmissions (ms), so that the peer's half-open timeout never runs out
   * between two of our retransmissions (strongSwan's `retransmit_limit`).
   */
  readonly retransmitMaxInterval: number;
  /** A responder's phase 1 with no message from the peer for this many ms is dropped (strongSwan: 30 s). */
  readonly halfOpenTimeout: number;
  /**
   * At most this many phase 1 exchanges in progress as responder whose peer proved its address (a
   * Main Mode message 3 carrying our responder cookie), in all and per peer address (counting the
   * Aggressive Mode ones too). Past the bound a message 3 is dropped, not an SA evicted.
   */
  readonly maxHalfOpen: number;
  readonly maxHalfOpenPerPeer: number;
  /**
   * Main Mode messages 1 are answered without state; each leaves a compact record (SAi_b, the
   * chosen suite) for its message 3, at most this many and this many bytes, the oldest evicted
   * first (main-mode-offers.ts). This bounds what a spoofed flood holds.
   */
  readonly maxMainModeOffers: number;
  readonly maxMainModeOfferBytes: number;
  /**
   * Aggressive Mode cannot answer statelessly (message 1 carries KE, RFC 2409 section 5.4): at most
   * this many responder SAs waiting for its message 3, the oldest evicted for a new one, so an
   * Aggressive Mode flood never touches Main Mode.
   */
  readonly maxHalfOpenAggressive: number;
  /**
   * Quick Modes the peer may have in progress at once on one ISAKMP SA; a further message 1 is
   * dropped until one ends (the peer retransmits it). This bounds the per-exchange state, IV
   * contexts included (RFC 2409 Appendix B), so none of a live exchange is ever evicted.
   */
  readonly maxQuickModes: number;
  /**
   * Quick Modes of ours in progress at once on one ISAKMP SA; further children wait for one to end
   * (quick-mode/slots.ts), so a burst of children does not outrun the peer's own bound.
   */
  readonly maxQuickModesInitiated: number;
  /** NAT-keepalive interval when we are behind a NAT (RFC 3948 section 2.3; strongSwan: 20 s). */
  readonly keepaliveInterval: number;
  /**
   * Wait before the first Quick Mode after our Aggressive Mode message 3 (ms): strongSwan may process
   * a Quick Mode that overtakes message 3 first and drop it (test/interop/README.md).
   */
  readonly quickModeDelayAfterAggressive: number;
  /**
   * Wait between the notify refusing phase 1 and the Delete that follows it when the peer already
   * holds the ISAKMP SA (ms): strongSwan may process the Delete first and then drop the notify
   * (delayed-transmits.ts).
   */
  readonly deleteDelayAfterRefusal: number;
  /**
   * Wait between our Quick Mode's message 3 and a Delete after it (of the pair it replaced, or one
   * held while Quick Modes were in progress), in ms: the peer may not have handled message 3 yet,
   * and charon keeps the IVs of only 3 exchanges per IKE SA (rekeying.ts, `sendDelete`).
   */
  readonly deleteDelayAfterQuickMode: number;
  /**
   * After a rekey collision, our next rekey of the pair we keep waits a random part of the collision
   * window and is left to the peer if it rekeys first (rekeying.ts, `#deferAfterCollision`).
   */
  readonly rekeyDeferAfterCollision: boolean;
  /** Nonce length in bytes (RFC 2409 section 5: 8 to 256; strongSwan sends 32). */
  readonly nonceLength: number;
  /**
   * Answer Aggressive Mode with pre-shared keys as responder. Off by default, as in strongSwan
   * (`charon.i_dont_care_about_security_and_use_aggressive_mode_psk`): message 2's HASH_R lets anyone
   * who names a configured identity attack the PSK offline (RFC 2409 section 5.4 sends the
   * identities in the clear). `ikets start --aggressive-psk` turns it on (docs/daemon.md).
   */
  readonly aggressivePskResponder: boolean;
  /**
   * IKEv1 fragmentation (fragmentation/): the largest IP datagram, IP and UDP headers included, that
   * a message of ours may fill before it goes in fragments, strongSwan's `charon.fragment_size`
   * (1280: no IP fragmentation on any IPv6 path, nor on IPv4 paths of 1280 and more). 0 takes the
   * address family's minimum, 576 bytes for IPv4 and 1280 for IPv6, as strongSwan does.
   */
  readonly fragmentSize: number;
  /** Reassembly: at most this many fragments in one message (libreswan accepts 16, strongSwan 255). */
  readonly maxFragmentsPerMessage: number;
  /** ...and this many bytes in one reassembled message (strongSwan's `charon.max_packet`, 10,000). */
  readonly maxFragmentedMessageBytes: number;
  /**
   * Messages in reassembly at once (one per ISAKMP SA or Main Mode offer at most) and the bytes
   * they hold in all; past either bound the oldest is dropped.
   */
  readonly maxReassemblies: number;
  readonly maxReassemblyBytes: number;
  /**
   * Fragmented first messages (responder cookie zero, no state yet): anyone can send them from any
   * address, so they have a pool of their own, the oldest dropped for a new one.
   */
  readonly maxFirstMessageReassemblies: number;
  /** A message in reassembly that received no new fragment for this many ms is dropped. */
  readonly fragmentReassemblyTimeout: number;
  /**
   * This many ms before a DPD round would start, the engine asks the shell when the SA's CHILD SAs
   * last received traffic (`dpd-traffic-check`, answered by `childTraffic`): traffic is a sign of
   * life, as strongSwan reads the kernel's SA use time (dpd.ts). 0: it does not ask (no data plane).
   */
  readonly dpdTrafficCheck: number;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  retransmitTimeout: 4000,
  retransmitBase: 1.8,
  retransmitTries: 5,
  retransmitMaxInterval: 15000,
  halfOpenTimeout: 30000,
  maxHalfOpen: 5000,
  maxHalfOpenPerPeer: 50,
  maxMainModeOffers: 32768,
  maxMainModeOfferBytes: 24 * 1024 * 1024,
  maxHalfOpenAggressive: 1000,
  maxQuickModes: 128,
  maxQuickModesInitiated: 64,
  keepaliveInterval: 20000,
  nonceLength: 32,
  quickModeDelayAfterAggressive: 50,
  deleteDelayAfterRefusal: 200,
  deleteDelayAfterQuickMode: 50,
  rekeyDeferAfterCollision: true,
  aggressivePskResponder: false,
  fragmentSize: 1280,
  maxFragmentsPerMessage: 32,
  maxFragmentedMessageBytes: 10000,
  maxReassemblies: 1024,
  maxReassemblyBytes: 4 * 1024 * 1024,
  maxFirstMessageReassemblies: 64,
  fragmentReassemblyTimeout: 15000,
  dpdTrafficCheck: 0,
};

export interface ExchangeContext {
  readonly now: number;
  readonly random: RandomSource;
  /** Ephemeral DH key pairs: inline from `random`, or made ahead of time off the event loop. */
  readonly dhKeys: DhKeySource;
  /** Which costly crypto leaves the engine as a request (compute-queue.ts); inline by default. */
  readonly compute: ComputePolicy;
  readonly settings: EngineSettings;
  readonly secrets: readonly IkeSecretConfig[];
  /** The configuration in force: a responder settles on a connection by the peer's identity. */
  readonly config: IketsConfig;
  /** Keys and certificates for signature authentication, injected by the shell. */
  readonly credentials: Phase1Credentials;
  readonly children: ChildSaTable;
  /**
   * The children of an SA's connection as the configuration in force names them: after a `reload`,
   * new CHILD SAs of an ISAKMP SA that is up use the new settings (its own phase 1 terms stay).
   */
  childrenOf(sa: IkeSa): readonly ChildConfig[];
  /**
   * Sends a message of exchange `messageId` and keeps it for retransmission: on a timer when we wait
   * for an answer (`awaitReply`), otherwise only when the peer repeats the message it answers.
   */
  send(sa: IkeSa, messageId: number, message: Uint8Array, awaitReply: boolean): void;
  /**
   * Sends a message that is never retransmitted (Informational exchanges, RFC 2408 section 4.8),
   * `delay` ms from now when given (delayed-transmits.ts).
   */
  sendOnce(sa: IkeSa, message: Uint8Array, delay?: number): void;
  emit(event: EndpointEvent): void;
  log(level: LogLevel, message: string, sa?: IkeSa): void;
  /** A log line an unauthenticated sender can cause: rate-limited per `kind`. */
  logLimited(kind: string, level: LogLevel, message: string, sa?: IkeSa): void;
  /** The exchange `messageId` is complete: stop retransmitting, keep the last reply for the peer's repeats. */
  exchangeDone(sa: IkeSa, messageId: number): void;
  /** True when no other ISAKMP SA with this peer is up (INITIAL-CONTACT, RFC 2407 section 4.6.3.3). */
  isFirstContact(sa: IkeSa): boolean;
  /**
   * Files and announces IPsec SAs a Quick Mode installed (and retires the SA they rekey); `ours`:
   * our Quick Mode, whose last message the peer may not have handled yet (rekeying.ts, `sendDelete`).
   */
  childrenInstalled(
    sa: IkeSa,
    children: readonly ChildSa[],
    rekeyOf: number | undefined,
    ours?: boolean,
  ): void;
  /** Removes the ISAKMP SA and its IPsec SAs (its exchanges failed, it expired or the peer deleted it). */
  dropSa(sa: IkeSa, reason: 'failed' | 'local' | 'remote' | 'expired' | 'dead-peer'): void;
  /** Removes an IPsec SA; with `notifyPeer` a Delete is sent first. */
  removeChild(
    child: ChildSa,
    reason: 'local' | 'remote' | 'expired' | 'rekeyed' | 'replaced',
    notifyPeer: boolean,
  ): void;
  /** A Quick Mode ended without installing anything (refused, given up): the pair it rekeys may be rekeyed again. */
  quickModeAbandoned(sa: IkeSa, qm: QuickModeExchange): void;
  /** Our New Group Mode ended (agreed, refused or given up): the children waiting for it start. */
  newGroupModeDone(sa: IkeSa): void;
  /** INITIAL-CONTACT from an authenticated peer: its other SAs with us are stale (RFC 2407 section 4.6.3.3). */
  initialContact(sa: IkeSa): void;
  /** The local NAT-T port (4500 or as configured) to float to. */
  nattPort(sa: IkeSa): number;
}
