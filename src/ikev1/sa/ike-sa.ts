/**
 * The state of one ISAKMP SA, from the first message of phase 1 to its deletion: cookies, the
 * negotiated suite, the keys (RFC 2409 section 5), the CBC IV contexts (Appendix B), NAT-T and the
 * retransmission state of the exchange in progress. The exchanges (main-mode.ts, quick-mode.ts, ...)
 * drive it; the endpoint owns it.
 */
import {
  DecodeError,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
  type IdentificationPayload,
  type Message,
  type Payload,
} from '../../codec/index.js';
import type { ConnectionConfig } from '../../config/swanctl.js';
import type { DhKeyPair, DhTransform, IsakmpCipher, Skeyid } from '../../crypto/index.js';
import type { Address } from '../../sa/types.js';
import type { NatTraversalVariant } from '../nat-traversal.js';
import type { NewGroupExchange } from '../new-group-mode.js';
import type { SkemeExchange } from '../phase1/auth/skeme.js';
import type { Phase1Suite } from '../phase1/phase1-proposal.js';
import type { QuickModeExchange } from '../quick-mode/quick-mode-common.js';
import { enterQuickMode, type IsakmpSaState } from '../states.js';
import { EstablishedKeys } from './established-keys.js';
import { MessageIdMap, MessageIdSet } from './message-id-map.js';
import { keptBytes, keptView } from './own-bytes.js';
import { sharedText } from './shared.js';
import type { TimerSlot } from './timer-queue.js';

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

/** The SKEYID family and the ISAKMP SA's cipher state once the Diffie-Hellman exchange is done. */
export interface Phase1Keys {
  readonly skeyid: Skeyid;
  /** Ka and the IV contexts (RFC 2409 Appendix B). */
  readonly cipher: IsakmpCipher;
  /** Ka, for `list-sas --show-keys` and Wireshark; IsakmpCipher keeps its own copy private. */
  readonly ka: Buffer;
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

export class IkeSa implements TimerSlot {
  /** Where phase 1 stands, then the SA's life (states.ts; changed only by its `enterIsakmpSa`). */
  state: IsakmpSaState;
  /**
   * Both cookies as one 16-character latin1 string (own-bytes.ts), which is also the key the SA is
   * filed under (`cookieKey`); Buffers are made on use.
   */
  #cookies: string;
  local: Address;
  #remote: Address;
  #remoteIdText = '';
  /** `peerKey`, made when first asked for and again after the peer's address or identity changed. */
  #peerKey: string | undefined;
  /** Set while the SA is filed in a table (IkeSaTable.add). */
  peerIndex: PeerIndex | undefined;
  suite: Phase1Suite | undefined;
  /**
   * What only phase 1's messages need (the accessors below: the suites offered, SAi_b, the DH key
   * pair and values, the nonces, the PSK, the ID payloads, SKEME), in an object of its own that
   * `releasePhase1` lets go: an established SA keeps one empty slot for the twelve (issue 12:
   * memory per SA). Read after that, each is empty, as `releasePhase1` left them before.
   */
  #phase1: Phase1Material | undefined = new Phase1Material();
  keys: Phase1Keys | undefined;
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
   * DPD (RFC 3706): the sequence number of our last R-U-THERE and whether it is unanswered. A round
   * starts with one R-U-THERE and retransmits until an ACK or `dpd_timeout` (section 5.4); each
   * retransmission is a new R-U-THERE, and an ACK to any of the round's sequence numbers ends it.
   */
  dpdSequence = 0;
  dpdOutstanding = false;
  /** When the round's first R-U-THERE was sent, its sequence number, and retransmissions so far. */
  dpdSentAt = 0;
  dpdFirstSequence = 0;
  dpdRetransmits = 0;
  /** When the next R-U-THERE of the round is due. */
  dpdNextAt = 0;
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
    this.#connection = connection;
    // Both cookies in one string of the SA's own (own-bytes.ts).
    this.#cookies = keptBytes(Buffer.concat([initiatorCookie, responderCookie]));
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

  get offeredSuites(): readonly Phase1Suite[] {
    return this.#phase1?.offeredSuites ?? NO_SUITES;
  }

  set offeredSuites(value: readonly Phase1Suite[]) {
    this.#material().offeredSuites = value;
  }

  /** SAi_b: the body of the initiator's SA payload, for HASH_I/HASH_R (RFC 2409 section 5). */
  get saiBody(): Uint8Array {
    return this.#phase1?.saiBody ?? EMPTY;
  }

  set saiBody(value: Uint8Array) {
    this.#material().saiBody = value;
  }

  get dh(): DhKeyPair | undefined {
    return this.#phase1?.dh;
  }

  set dh(value: DhKeyPair | undefined) {
    this.#material().dh = value;
  }

  get nonceI(): Uint8Array {
    return this.#phase1?.nonceI ?? EMPTY;
  }

  set nonceI(value: Uint8Array) {
    this.#material().nonceI = value;
  }

  get nonceR(): Uint8Array {
    return this.#phase1?.nonceR ?? EMPTY;
  }

  set nonceR(value: Uint8Array) {
    this.#material().nonceR = value;
  }

  get gxi(): Uint8Array {
    return this.#phase1?.gxi ?? EMPTY;
  }

  set gxi(value: Uint8Array) {
    this.#material().gxi = value;
  }

  get gxr(): Uint8Array {
    return this.#phase1?.gxr ?? EMPTY;
  }

  set gxr(value: Uint8Array) {
    this.#material().gxr = value;
  }

  get psk(): Buffer | undefined {
    return this.#phase1?.psk;
  }

  set psk(value: Buffer | undefined) {
    this.#material().psk = value;
  }

  /** Our identity payload's body (IDii_b or IDir_b); its text is `localIdText`. */
  get localIdBody(): Uint8Array {
    return this.#phase1?.localIdBody ?? EMPTY;
  }

  set localIdBody(value: Uint8Array) {
    this.#material().localIdBody = value;
  }

  /** The peer's ID payload once accepted (Aggressive Mode needs it again for HASH_I). */
  get peerIdPayload(): IdentificationPayload | undefined {
    return this.#phase1?.peerIdPayload;
  }

  set peerIdPayload(value: IdentificationPayload | undefined) {
    this.#material().peerIdPayload = value;
  }

  /** The ID payload of the peer's Aggressive Mode message 1, judged when message 3 proves it. */
  get peerOfferedId(): IdentificationPayload | undefined {
    return this.#phase1?.peerOfferedId;
  }

  set peerOfferedId(value: IdentificationPayload | undefined) {
    this.#material().peerOfferedId = value;
  }

  /** A SKEME public-key encryption exchange in progress (RFC 2409 sections 5.2/5.3; auth/skeme.ts). */
  get skeme(): SkemeExchange | undefined {
    return this.#phase1?.skeme;
  }

  set skeme(value: SkemeExchange | undefined) {
    this.#material().skeme = value;
  }

  #material(): Phase1Material {
    this.#phase1 ??= new Phase1Material();
    return this.#phase1;
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

  /** CKY-I, made from the SA's cookies (a Buffer kept per cookie cost 96 bytes an SA). */
  get initiatorCookie(): Buffer {
    return keptView(this.#cookies).subarray(0, 8);
  }

  /** CKY-R, made as CKY-I; `setResponderCookie` changes it. */
  get responderCookie(): Buffer {
    return keptView(this.#cookies).subarray(8, 16);
  }

  /** Sets (or, with zeros, clears) the responder cookie (the SA's `cookieKey` changes with it). */
  setResponderCookie(cookie: Uint8Array): void {
    const both = keptView(this.#cookies);
    both.set(cookie, 8);
    this.#cookies = keptBytes(both);
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

  /** The cookie pair as 32 hex digits, the key under which the endpoint files this SA. */
  get cookiePair(): string {
    return `${this.initiatorCookie.toString('hex')}${this.responderCookie.toString('hex')}`;
  }

  get cookies(): { cookieI: Buffer; cookieR: Buffer } {
    const both = keptView(this.#cookies);
    return { cookieI: both.subarray(0, 8), cookieR: both.subarray(8, 16) };
  }

  header(exchangeType: number, messageId: number, commit = false): Message['header'] {
    const both = keptView(this.#cookies);
    return {
      initiatorCookie: both.subarray(0, 8),
      responderCookie: both.subarray(8, 16),
      majorVersion: 1,
      minorVersion: 0,
      exchangeType,
      commit,
      authenticationOnly: false,
      messageId,
    };
  }

  /** A message in the clear (phase 1 before the keys exist). */
  plainMessage(exchangeType: number, messageId: number, payloads: readonly Payload[]): Uint8Array {
    return encodeMessage({
      header: this.header(exchangeType, messageId),
      body: { encrypted: false, payloads },
    });
  }

  /**
   * A message encrypted under the ISAKMP SA (RFC 2408 section 3.1 E flag, RFC 2409 Appendix B):
   * the payload chain padded with zeros to the block size, its last ciphertext block the next IV.
   */
  encryptedMessage(
    exchangeType: number,
    messageId: number,
    payloads: readonly Payload[],
    commit = false,
  ): Uint8Array {
    return this.encryptedChain(exchangeType, messageId, encodePayloadChain(payloads), commit);
  }

  /** `encryptedMessage` of a payload chain already encoded (`encodePayloadChain`). */
  encryptedChain(
    exchangeType: number,
    messageId: number,
    chain: { readonly firstPayload: number; readonly bytes: Uint8Array },
    commit = false,
  ): Uint8Array {
    const ciphertext = this.requireKeys().cipher.encrypt(messageId, chain.bytes);
    return encodeMessage({
      header: this.header(exchangeType, messageId, commit),
      body: { encrypted: true, firstPayload: chain.firstPayload, ciphertext },
    });
  }

  /**
   * Decrypts a message without touching the IV state: the caller commits the IV with
   * `commitReceived` only after the message authenticated (RFC 2409 Appendix B; a forged packet
   * must change nothing).
   */
  decrypt(message: Message): Decrypted | { readonly failure: string } {
    // A message in the clear has no HASH that is verified (callers decrypt encrypted ones only):
    // nothing to cover, and a HASH checked over nothing fails.
    if (!message.body.encrypted) return { payloads: message.body.payloads, hashed: new Uint8Array(0) };
    const keys = this.requireKeys();
    const { ciphertext, firstPayload } = message.body;
    if (ciphertext.length === 0 || ciphertext.length % keys.cipher.cipher.blockSize !== 0) {
      return { failure: 'the ciphertext is not a whole number of blocks' };
    }
    const plaintext = keys.cipher.decrypt(message.header.messageId, ciphertext);
    try {
      const chain = decodePayloadChain(firstPayload, plaintext);
      const end = plaintext.length - chain.padding.length;
      // The first payload's length is in its generic header (RFC 2408 section 3.2).
      const first = end < 4 ? end : Math.min(end, ((plaintext[2] ?? 0) << 8) | (plaintext[3] ?? 0));
      return { payloads: chain.payloads, hashed: plaintext.subarray(first, end) };
    } catch (error) {
      if (error instanceof DecodeError)
        return { failure: `the decrypted payloads are malformed: ${error.message}` };
      throw error;
    }
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

  /** Advances the IV context after an authenticated encrypted message (RFC 2409 Appendix B). */
  commitReceived(message: Message): void {
    if (message.body.encrypted)
      this.requireKeys().cipher.commit(message.header.messageId, message.body.ciphertext);
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
    this.#phase1 = undefined;
    this.localIdText = sharedText(this.localIdText);
    // SKEYID itself served only to derive SKEYID_d/_a/_e (RFC 2409 section 5); the others go
    // into one buffer of the SA's own (established-keys.ts).
    if (this.keys !== undefined && !(this.keys instanceof EstablishedKeys))
      this.keys = new EstablishedKeys(this.keys);
  }

  /**
   * Both cookies as one 16-character latin1 string, the key the SA is filed under
   * (ike-sa-table.ts): the SA's own string, so the table's key costs nothing more.
   */
  get cookieKey(): string {
    return this.#cookies;
  }

  requireKeys(): Phase1Keys {
    if (this.keys === undefined) throw new Error('IKE SA has no keys yet');
    return this.keys;
  }
}

/** `IkeSa.peerKey` of a peer address and identity (a newline is in neither). */
export const peerKey = (address: string, id: string) => [address, id].join('\n');

const EMPTY = new Uint8Array(0);

/** The fields of an ISAKMP SA that only phase 1 needs (`IkeSa`'s accessors of the same names). */
class Phase1Material {
  offeredSuites: readonly Phase1Suite[] = NO_SUITES;
  saiBody: Uint8Array = EMPTY;
  dh: DhKeyPair | undefined = undefined;
  nonceI: Uint8Array = EMPTY;
  nonceR: Uint8Array = EMPTY;
  gxi: Uint8Array = EMPTY;
  gxr: Uint8Array = EMPTY;
  psk: Buffer | undefined = undefined;
  localIdBody: Uint8Array = EMPTY;
  peerIdPayload: IdentificationPayload | undefined = undefined;
  peerOfferedId: IdentificationPayload | undefined = undefined;
  skeme: SkemeExchange | undefined = undefined;
}
// Read-only stand-ins while an SA has no record: never written (`startQuickMode`, `addPrivateGroup`).
const NO_EXCHANGES: ReadonlyMap<number, QuickModeExchange> = new MessageIdMap();
const NO_GROUPS: ReadonlyMap<number, DhTransform> = new MessageIdMap();
const NO_SUITES: readonly Phase1Suite[] = Object.freeze([]);
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

/**
 * A message's payloads as received (decrypted), with `hashed`: the bytes after its first payload
 * up to the padding, what a leading HASH covers (Quick Mode HASH(1) and HASH(2), an Informational's
 * HASH(1): RFC 2409 sections 5.5 and 5.7), verified over the bytes the peer sent rather than
 * over a re-encoding of what was decoded from them.
 */
export interface Decrypted {
  readonly payloads: readonly Payload[];
  readonly hashed: Uint8Array;
}
