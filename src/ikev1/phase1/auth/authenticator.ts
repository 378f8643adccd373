/**
 * The phase 1 authenticator (RFC 2409 section 5): everything that depends on the negotiated
 * authentication method, behind one interface, so Main Mode and Aggressive Mode are written once.
 * It owns the method's contribution to SKEYID, the payloads it adds to each message, and the
 * verification of the peer. docs/ikev1-engine.md ("Phase 1 authenticators") has the design.
 *
 *   message                      PSK                 signatures                     SKEME PKE (pke.ts)
 *   MM 3/4, AM 1/2 `offer`       KE Nonce [ID]       KE Nonce [ID] [CR...]          [HASH(1)] KE <ID> <Nonce> (5.2)
 *                                                                                   [HASH(1)] <Nonce> <KE> <ID> (5.3)
 *   MM 5/6, AM 2/3 `proof`       [ID] HASH           [ID] [CERT...] SIG             HASH
 *   SKEYID                       prf(PSK, Ni|Nr)     prf(Ni|Nr, g^xy)               prf(hash(Ni|Nr), CKY-I|CKY-R)
 */
import type { IdentificationPayload, NotifyType, Payload } from '../../../codec/index.js';
import { IkeAuthMethod } from '../../../codec/index.js';
import type { IdentityConfig } from '../../../config/identity.js';
import type { SkeyidAuth } from '../../../crypto/index.js';
import type { ExchangeContext } from '../../context.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import type { Phase1Result } from '../phase1-outcome.js';
import { pkeAuthenticator, pkeRevisedAuthenticator } from './pke.js';
import { pskAuthenticator } from './psk.js';
import { signatureAuthenticator } from './signature.js';

/** What the authenticator gives SKEYID (RFC 2409 section 5): its class and, for PSK, the key. */
export interface SkeyidSecret {
  readonly auth: SkeyidAuth;
  readonly psk?: Uint8Array;
}

/** The peer's offer: its nonce, KE, and its ID when the message carries one (decrypted for SKEME). */
export interface PeerOffer {
  readonly nonce: Uint8Array;
  readonly id: IdentificationPayload | undefined;
  /** g^x of the KE payload (section 5.3: decrypted; it may then be no valid value). */
  readonly ke: Uint8Array | undefined;
}

/** What goes into our offer: our Diffie-Hellman value and nonce, and whether our ID goes too. */
export interface OfferParts {
  readonly ke: Uint8Array;
  readonly nonce: Uint8Array;
  readonly withId: boolean;
}

/** How checking the peer's proof (HASH or SIG) ended. */
export type PeerProof =
  | { readonly kind: 'verified' }
  /** The proof payloads are absent (a wrong PSK decrypts to garbage that may still parse). */
  | { readonly kind: 'missing'; readonly reason: string }
  | {
      readonly kind: 'refused';
      readonly notify: keyof typeof NotifyType;
      readonly reason: string;
      /** Typed cause (a CertificateFailure, `bad-signature`, `bad-hash`, ...). */
      readonly code: string;
      /**
       * The message came from our Diffie-Hellman partner and really failed (it decrypted under keys
       * only that partner has, and its certificate or signature is wrong): phase 1 ends at once.
       * False when it may be anyone's (a PSK mismatch, a message in the clear).
       */
      readonly definitive: boolean;
    };

export interface Phase1Authenticator {
  readonly family: 'psk' | 'signature' | 'pke';
  /**
   * Our KE, nonce and what goes with them in Main Mode messages 3/4 and Aggressive Mode 1/2
   * (`withId`: our ID too). SKEME's methods encrypt nonce, ID (and KE) here and always send the ID.
   */
  offerPayloads(sa: IkeSa, ctx: ExchangeContext, offer: OfferParts): Payload[] | string;
  /** The peer's KE, nonce (and ID) from its offer, or why it is unusable; notes its CERT-REQ. */
  peerOffer(sa: IkeSa, ctx: ExchangeContext, payloads: readonly Payload[]): PeerOffer | string;
  /** The method's part of SKEYID; `remoteId` is the peer's when known (Aggressive Mode). */
  skeyidSecret(
    sa: IkeSa,
    ctx: ExchangeContext,
    remoteId?: IdentityConfig,
    decoy?: Buffer,
  ): SkeyidSecret | Phase1Result;
  /** Our proof: Main Mode 5/6 (`withId`: our ID first), Aggressive Mode 2/3 (ID sent with the offer). */
  proofPayloads(sa: IkeSa, ctx: ExchangeContext, withId: boolean): Payload[] | Phase1Result;
  /**
   * The peer's identity, before its proof is checked (Aggressive Mode's PSK is looked up by it) or
   * after (Main Mode): why it is refused, or undefined. Signatures check it with the certificate.
   */
  acceptIdentity(sa: IkeSa, id: IdentificationPayload): string | undefined;
  /** Checks the peer's proof over its ID; a responder may settle on another connection here. */
  verifyPeer(
    sa: IkeSa,
    ctx: ExchangeContext,
    payloads: readonly Payload[],
    id: IdentificationPayload,
  ): PeerProof;
}

/** The authenticator of the negotiated method, or, before it is negotiated, of our configuration. */
export function authenticatorOf(sa: IkeSa): Phase1Authenticator {
  switch (sa.suite?.authMethod ?? sa.connection.local.auth) {
    case IkeAuthMethod.PRE_SHARED_KEY:
    case 'psk':
      return pskAuthenticator;
    case IkeAuthMethod.RSA_ENCRYPTION:
    case 'pke':
      return pkeAuthenticator;
    case IkeAuthMethod.RSA_REVISED_ENCRYPTION:
    case 'pke-revised':
      return pkeRevisedAuthenticator;
    default:
      return signatureAuthenticator;
  }
}
