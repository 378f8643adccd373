/**
 * The fields of an ISAKMP SA that only phase 1's messages need (RFC 2409 section 5: the suites
 * offered, SAi_b, the DH key pair and values, the nonces, the PSK, the ID payloads, SKEME), kept in
 * an object of their own that an established SA lets go (issue 12: memory per SA). `IkeSa`
 * (ike-sa.ts) is built on this class; its accessors keep the names the exchanges use.
 */
import type { IdentificationPayload } from '../../codec/index.js';
import type { DhKeyPair } from '../../crypto/index.js';
import type { SkemeExchange } from '../phase1/auth/skeme.js';
import type { Phase1Suite } from '../phase1/phase1-proposal.js';

export abstract class Phase1Fields {
  /**
   * What only phase 1's messages need (the accessors below: the suites offered, SAi_b, the DH key
   * pair and values, the nonces, the PSK, the ID payloads, SKEME), in an object of its own that
   * `releasePhase1` lets go: an established SA keeps one empty slot for the twelve (issue 12:
   * memory per SA). Read after that, each is empty, as `releasePhase1` left them before.
   */
  #phase1: Phase1Material | undefined = new Phase1Material();

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

  /** Phase 1 is over: the material goes; each accessor then reads as empty. */
  protected dropPhase1(): void {
    this.#phase1 = undefined;
  }
}

const EMPTY = new Uint8Array(0);
const NO_SUITES: readonly Phase1Suite[] = Object.freeze([]);

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
