/**
 * What the engine needs of certificates and keys, injected by the shell (sans-I/O: the engine reads
 * no file and no clock). The daemon builds it from the swanctl credential folders (src/pki); tests
 * build their own. The engine never parses X.509 itself: it hands the peer's CERT payloads to
 * `verifyPeer` and gets back a trusted public key, or a typed reason.
 */
import type { KeyObject } from 'node:crypto';
import type { IdentificationData } from '../../../codec/index.js';
import type { ConnectionConfig } from '../../../config/swanctl.js';

/** Why the peer's certificates were refused (RFC 2408 section 3.14.1 names the notify for each). */
export type CertificateFailure =
  /** No CERT payload came, and no certificate of the peer is configured. */
  | 'no-certificate'
  /** A CERT payload of another encoding than X.509 Certificate - Signature (RFC 2408 section 3.9). */
  | 'unsupported-encoding'
  /** The DER does not parse as a certificate. */
  | 'malformed'
  /** No chain to a trusted CA (the connection's `cacerts`, or any loaded CA). */
  | 'untrusted'
  /** Outside its validity dates (or a CA of the chain is). */
  | 'expired'
  | 'revoked'
  /** `revocation = strict` and no CRL tells. */
  | 'revocation-unknown'
  /** The certificate does not carry the identity of the ID payload. */
  | 'identity-mismatch'
  /** Its key cannot make the negotiated signature (an RSA key for ECDSA, a P-384 key for ECDSA-256). */
  | 'key-type';

/** Our side of signature authentication for one connection. */
export interface LocalCredential {
  readonly privateKey: KeyObject;
  /** DER: our certificate first, then the intermediates to send with it. */
  readonly certificates: readonly Uint8Array[];
  /** Our certificate's subject (DER and text): our ID (ID_DER_ASN1_DN) when `local.id` is unset. */
  readonly subjectDer: Uint8Array;
  readonly subject: string;
}

export type PeerVerification =
  | { readonly ok: true; readonly publicKey: KeyObject; readonly subject: string }
  | { readonly ok: false; readonly failure: CertificateFailure; readonly detail: string };

export interface PeerCertificates {
  /** The CERT payloads' data, X.509 DER, in the order received (RFC 4945 section 3.3: any order). */
  readonly certificates: readonly Uint8Array[];
  /** The ID payload the peer authenticates. */
  readonly id: IdentificationData;
  /** The engine's time (ms, the shell's clock). */
  readonly now: number;
}

/**
 * A public key of the peer for SKEME public-key encryption (RFC 2409 sections 5.2/5.3): known in
 * advance, from a certificate of `remote.certs` (x509/) or a raw key of `remote.pubkeys` (pubkey/).
 */
export interface PeerPublicKey {
  /** An RSA public key (PKE encrypts with RSA PKCS#1 v1.5, RFC 2409 section 5.2). */
  readonly publicKey: KeyObject;
  /** The certificate's DER when the key came from one (HASH(1) of section 5.2 names a certificate). */
  readonly certificate: Uint8Array | undefined;
  /** For logs and listings: the file and, for a certificate, its subject. */
  readonly description: string;
}

export interface Phase1Credentials {
  /** The key and certificates of `connection`'s `local` round, or undefined when none is loaded. */
  local(connection: ConnectionConfig): LocalCredential | undefined;
  /** DER subject names of the CAs we trust for `connection`'s peer, named in CERT-REQ payloads. */
  certificateAuthorities(connection: ConnectionConfig): readonly Uint8Array[];
  /**
   * Verifies the peer's chain up to a CA trusted for `connection` (its `cacerts`, else every loaded
   * CA), with validity dates, CRLs as `revocation` asks, and the ID against the end certificate.
   */
  verifyPeer(connection: ConnectionConfig, peer: PeerCertificates): PeerVerification;
  /**
   * The peer's public keys configured for `connection` (`remote.certs`, `remote.pubkeys`), for
   * `auth = pke` / `pke-revised`; empty when none is loaded. Trusted because configured: no chain.
   */
  peerPublicKeys(connection: ConnectionConfig): readonly PeerPublicKey[];
}

/** An engine without credentials: connections with `auth = pubkey` cannot be used. */
export const NO_CREDENTIALS: Phase1Credentials = {
  local: () => undefined,
  certificateAuthorities: () => [],
  verifyPeer: () => ({ ok: false, failure: 'untrusted', detail: 'no credentials are loaded' }),
  peerPublicKeys: () => [],
};
