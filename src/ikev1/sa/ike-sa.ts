/**
 * The state of one ISAKMP SA, from the first message of phase 1 to its deletion: cookies, the
 * negotiated suite, the keys (RFC 2409 section 5), the CBC IV contexts (Appendix B), NAT-T and the
 * retransmission state of the exchange in progress. The exchanges (main-mode.ts, quick-mode.ts, ...)
 * drive it; the endpoint owns it.
 */
import type { Payload } from '../../codec/index.js';
import type { ConnectionConfig } from '../../config/swanctl.js';
import type { DhTransform } from '../../crypto/index.js';
import type { Address } from '../../sa/types.js';
import type { NatTraversalVariant } from '../nat-traversal.js';
import type { NewGroupExchange } from '../new-group-mode.js';
import type { Phase1Suite } from '../phase1/phase1-proposal.js';
import type { QuickModeExchange } from '../quick-mode/quick-mode-common.js';
import { enterQuickMode, type IsakmpSaState } from '../states.js';
import { EstablishedKeys } from './established-keys.js';
import { IsakmpWire } from './isakmp-wire.js';
import { MessageIdMap, MessageIdSet } from './message-id-map.js';
import { sharedText } from './shared.js';
import type { TimerSlot } from './timer-queue.js';

export type { Decrypted, Phase1Keys } from './isakmp-wire.js';

/** The message last sent in an exchange, kept to retransmit it (RFC 2408 section 5.1 leaves timers to us). */
export interface Outstanding {
  /**
   * The bytes on the wire (after the non-ESP marker is added, if floated), as a latin1 string
   * (`keptBytes`: no ArrayBuffer per kept message); `keptView` makes them bytes again to resend.
   */
  readonly data: string;
  /** Retransmit on a timer (we wait for an answer) or only when the peer repeats itself. */
  timer: boolean;
  tries: number;
  nextAt: number;
}

/**
 * Told when an SA's peer address or identity changes (NAT-T floating, the ID payload accepted, or
 * either put back by `savePhase1`), so the tables' indexes by peer follow (ike-sa-table.ts).
 */
export interface PeerIndex {
  peerChanged(sa: IkeSa, oldAddress: string, oldId: string): void;
  /** A responder settled on another connection (`settleConnection`). */
  connectionChanged(sa: IkeSa, oldName: string): void;
}

export class IkeSa extends IsakmpWire implements TimerSlot {
  /** Where phase 1 stands, then the SA's life (states.ts; changed only by its `enterIsakmpSa`). */
  state: IsakmpSaState;
  local: Address;
  #remote: Address;
  #remoteIdText = '';
  /** `peerKey`, made when first asked for and again after the peer's address or identity changed. */
  #peerKey: string | undefined;
  /** Set while the SA is filed in a table (IkeSaTable.add). */
  peerIndex: PeerIndex | undefined;
  suite: Phase1Suite | undefined;
  localIdText = '';
  natVariant: NatTraversalVariant | undefined;
  localBehindNat = false;
  remoteBehindNat = false;
  /** True once IKE runs on the NAT-T port with the non-ESP marker (RFC 3947 section 4). */
  floated = false;
  peerDpd = false;
  /** The peer announced IKE fragmentation (its FRAGMENTATION Vendor ID, fragmentation/). */
  peerFragmentation = false;
  establishedAt: number | undefined;
  rekeyAt: number | undefined;
  expiresAt: number | undefined;
  lastActivity: number;
  /** Phase 1 (message ID 0) and each Quick Mode / Informational exchange we are part of. */
  readonly outstanding = new MessageIdMap<Outstanding>();
  /**
   * The last message received per message ID, to recognise the peer's retransmissions: as its
   * digest (`messageDigest`), 32 bytes of string instead of a copy of the message.
   */
  readonly lastReceived = new MessageIdMap<string>();
  /**
   * What we sent in answer to `lastReceived` of the same message ID: only that is sent again when the
   * peer repeats it. A message of ours that the peer already answered (our Main Mode message 5 once
   * message 6 came) is not: two peers would otherwise re-send their last messages to each other for
   * ever after one duplicated datagram.
   */
  readonly answers = new MessageIdMap<string>();
  /** Message IDs of finished exchanges: a late copy is answered from `outstanding` or dropped. */
  readonly finishedMessageIds = new MessageIdSet();
  /**
   * Quick Modes in progress, by message ID (`startQuickMode`, `endExchange`): no record at all while
   * there is none, as on almost every established SA (issue 12: memory per SA).
   */
  #quickModes: MessageIdMap<QuickModeExchange> | undefined;
  /**
   * Groups agreed in New Group Mode (RFC 2409 section 5.6), by the Group Description that names
   * them in Quick Mode on this SA; they expire with it. None (no record) on almost every SA.
   */
  #privateGroups: MessageIdMap<DhTransform> | undefined;
  /** Our New Group Mode in progress, if any (new-group-mode.ts). */
  newGroupMode: NewGroupExchange | undefined;
  /**
   * DPD (RFC 3706): the sequence number of our last R-U-THERE, kept from round to round (each
   * R-U-THERE increments it, section 6.2; dpd.ts seeds a round's spread with it).
   */
  dpdSequence = 0;
  /**
   * The DPD round in progress, none between rounds (issue 12: memory per SA): a round starts with
   * one R-U-THERE and retransmits until an ACK or `dpd_timeout` (section 5.4); each retransmission
   * is a new R-U-THERE, and an ACK to any of the round's sequence numbers ends it.
   */
  dpdRound: DpdRound | undefined;
  /** When the data plane was last asked about the children's traffic before a round (dpd.ts). */
  dpdCheckedAt = 0;
  /** When we last sent a NAT-keepalive (RFC 3948 section 2.3). */
  lastKeepalive = 0;
  createdAt: number;
  /** When the children waiting for this SA start (a short delay after Aggressive Mode). */
  childrenStartAt: number | undefined;
  /** The ISAKMP SA this one replaces (IKEv1 rekeys phase 1 by a new one). */
  rekeyOf: number | undefined;
  /**
   * Delete payloads for CHILD SAs held back while a Quick Mode is in progress (rekeying.ts): charon
   * keeps the state of only 3 exchanges per IKE SA, and every Informational takes one.
   */
  pendingDeletes: Payload[] | undefined;
  /** Set once a CHILD SA was filed on this SA: one that lost all of them may be a redundant duplicate. */
  hadChildren = false;
  /** Why the exchange is stuck, for the log line when it is given up. */
  failure: string | undefined;
  /** The peer sent CERT-REQ: with `send_cert = ifasked` our certificates go (RFC 4945 section 3.2). */
  peerRequestedCerts = false;
  /** What our and the peer's authentication failed on, typed (`ike-sa-down`'s `failureCode`). */
  failureCode: string | undefined;
  /** Its place in the endpoint's timer queue (timer-queue.ts). */
  timerAt = 0;
  timerIndex = -1;
  /** The connection this SA belongs to; a responder may settle on another once (`settleConnection`). */
  #connection: ConnectionConfig;
  #settled = false;

  constructor(
    readonly id: number,
    connection: ConnectionConfig,
    readonly role: 'initiator' | 'responder',
    readonly exchange: 'main' | 'aggressive',
    initiatorCookie: Buffer,
    responderCookie: Buffer,
    local: Address,
    remote: Address,
    now: number,
  ) {
    super(initiatorCookie, responderCookie);
    this.#connection = connection;
    this.local = local;
    this.#remote = remote;
    this.createdAt = now;
    this.lastActivity = now;
    // A Main Mode responder's SA is created by message 3 (first-message.ts), an Aggressive Mode
    // responder's by message 1; an initiator's as its message 1 goes out.
    this.state =
      exchange === 'main'
        ? role === 'initiator'
          ? 'mm-wait-2'
          : 'mm-wait-3'
        : role === 'initiator'
          ? 'am-wait-2'
          : 'am-wait-1';
  }

  get remote(): Address {
    return this.#remote;
  }

  set remote(remote: Address) {
    const old = this.#remote;
    this.#remote = remote;
    if (old?.address !== remote.address) this.#peerKey = undefined;
    if (old !== undefined && old.address !== remote.address)
      this.peerIndex?.peerChanged(this, old.address, this.#remoteIdText);
  }

  /** The peer's identity as text, once its ID payload was accepted ('' before). */
  get remoteIdText(): string {
    return this.#remoteIdText;
  }

  set remoteIdText(id: string) {
    const old = this.#remoteIdText;
    this.#remoteIdText = id;
    if (old !== id) this.#peerKey = undefined;
    if (old !== id) this.peerIndex?.peerChanged(this, this.#remote.address, old);
  }

  /**
   * The peer's address and identity as one string, the key of the tables' indexes by peer (its
   * ISAKMP SAs, ike-sa-table.ts, and their CHILD SAs, child-sa-table.ts): one string an SA for both
   * (issue 12: memory per SA). Array.join makes it flat, where a template literal leaves a
   * concatenation beside its flat copy.
   */
  get peerKey(): string {
    this.#peerKey ??= peerKey(this.#remote.address, this.#remoteIdText);
    return this.#peerKey;
  }

  get connection(): ConnectionConfig {
    return this.#connection;
  }

  /**
   * A responder picked its connection by addresses and proposals before it saw the peer's ID; once
   * the peer authenticated (its ID and certificate verified), it settles on the connection they
   * fit, as strongSwan switches peer configs. That happens once per SA.
   */
  settleConnection(connection: ConnectionConfig): void {
    if (this.#settled) throw new Error('the connection of an ISAKMP SA is settled once');
    this.#settled = true;
    const old = this.#connection;
    this.#connection = connection;
    if (old.name !== connection.name) this.peerIndex?.connectionChanged(this, old.name);
  }

  get quickModes(): ReadonlyMap<number, QuickModeExchange> {
    return this.#quickModes ?? NO_EXCHANGES;
  }

  startQuickMode(messageId: number, qm: QuickModeExchange): void {
    this.#quickModes ??= new MessageIdMap();
    this.#quickModes.set(messageId, qm);
  }

  get privateGroups(): ReadonlyMap<number, DhTransform> {
    return this.#privateGroups ?? NO_GROUPS;
  }

  addPrivateGroup(id: number, group: DhTransform): void {
    this.#privateGroups ??= new MessageIdMap();
    this.#privateGroups.set(id, group);
  }

  get isInitiator(): boolean {
    return this.role === 'initiator';
  }

  /**
   * A Quick Mode is over (complete, refused or given up): its record and its IV context go. Its last
   * messages stay in `outstanding`/`lastReceived` to answer the peer's repeats; they need no IV.
   */
  endExchange(messageId: number): void {
    const qm = this.#quickModes?.get(messageId);
    if (qm !== undefined) enterQuickMode(qm, 'done');
    this.#quickModes?.delete(messageId);
    if (this.#quickModes?.size === 0) this.#quickModes = undefined;
    if (messageId !== 0) this.keys?.cipher.ivs.forget(messageId);
  }

  /**
   * Keeps the records of recent exchanges only, so a long-lived SA (DPD every few seconds, rekeyed
   * children) does not grow: the cached messages of the last RECENT_EXCHANGES finished exchanges, and
   * the IDs of the last FINISHED_IDS. Phase 1's (message ID 0) and unfinished ones always stay.
   */
  pruneExchanges(): void {
    const droppable = (id: number) =>
      id !== 0 && !this.quickModes.has(id) && this.newGroupMode?.messageId !== id;
    trim(this.outstanding, RECENT_EXCHANGES, droppable);
    trim(this.lastReceived, RECENT_EXCHANGES, droppable);
    trim(this.answers, RECENT_EXCHANGES, droppable);
    this.finishedMessageIds.keepNewest(FINISHED_IDS);
  }

  /**
   * What a phase 1 message may change before the peer is authenticated, and a function that puts it
   * back: a message that does not move the exchange on must change nothing (a forged one, say with
   * an unacceptable proposal or a wrong HASH, cannot be told from the peer's until it verifies).
   * Its state comes back too: a rollback, not a transition (states.ts).
   */
  savePhase1(): () => void {
    const saved = {
      state: this.state,
      local: this.local,
      remote: this.remote,
      suite: this.suite,
      saiBody: this.saiBody,
      dh: this.dh,
      nonceI: this.nonceI,
      nonceR: this.nonceR,
      gxi: this.gxi,
      gxr: this.gxr,
      keys: this.keys,
      psk: this.psk,
      localIdBody: this.localIdBody,
      localIdText: this.localIdText,
      peerIdPayload: this.peerIdPayload,
      peerOfferedId: this.peerOfferedId,
      skeme: this.skeme,
      remoteIdText: this.remoteIdText,
      natVariant: this.natVariant,
      localBehindNat: this.localBehindNat,
      remoteBehindNat: this.remoteBehindNat,
      floated: this.floated,
      peerDpd: this.peerDpd,
      peerFragmentation: this.peerFragmentation,
      peerRequestedCerts: this.peerRequestedCerts,
    };
    return () => {
      Object.assign(this, saved);
    };
  }

  /**
   * Phase 1 is complete: what only its messages needed (the DH key pair and values, the nonces,
   * SAi_b, the PSK, the ID payloads, the suites offered) goes, so an established SA holds its keys
   * and little else (issue 12: memory per SA). Repeats of the peer's last phase 1 message are
   * answered from `answers`, never recomputed.
   */
  releasePhase1(): void {
    this.dropPhase1();
    this.localIdText = sharedText(this.localIdText);
    // SKEYID itself served only to derive SKEYID_d/_a/_e (RFC 2409 section 5); the others go
    // into one buffer of the SA's own (established-keys.ts).
    if (this.keys !== undefined && !(this.keys instanceof EstablishedKeys))
      this.keys = new EstablishedKeys(this.keys);
  }
}

/** `IkeSa.peerKey` of a peer address and identity (a newline is in neither). */
export const peerKey = (address: string, id: string) => [address, id].join('\n');

// Read-only stand-ins while an SA has no record: never written (`startQuickMode`, `addPrivateGroup`).
const NO_EXCHANGES: ReadonlyMap<number, QuickModeExchange> = new MessageIdMap();
const NO_GROUPS: ReadonlyMap<number, DhTransform> = new MessageIdMap();
const RECENT_EXCHANGES = 32;
const FINISHED_IDS = 1024;

/** Drops the oldest droppable entries of a map (insertion order) until it holds at most `limit`. */
function trim<V>(map: MessageIdMap<V>, limit: number, droppable: (id: number) => boolean): void {
  if (map.size <= limit) return;
  for (const id of map.keys()) {
    if (droppable(id)) map.delete(id);
    if (map.size <= limit) return;
  }
}

/** A DPD round in progress (RFC 3706 section 5.4; dpd.ts, informational.ts). */
export interface DpdRound {
  /** When the round's first R-U-THERE was sent, and its sequence number. */
  readonly sentAt: number;
  readonly firstSequence: number;
  /** R-U-THEREs sent again so far, and when the next is due. */
  retransmits: number;
  nextAt: number;
}
