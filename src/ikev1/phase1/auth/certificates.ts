/**
 * Certificates on the wire (RFC 2408 sections 3.9 and 3.10, RFC 4945 section 3): ours in CERT
 * payloads, the CAs we trust in CERT-REQ payloads, and the peer's CERT payloads as the DER list the
 * credentials verify.
 */
import type { NotifyType, Payload } from '../../../codec/index.js';
import type { ExchangeContext } from '../../context.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import type { CertificateFailure, LocalCredential } from './credentials.js';

/** RFC 2408 section 3.9: Certificate Encoding 4, X.509 Certificate - Signature. */
export const X509_SIGNATURE = 4;

/**
 * CERT payloads the peer's message may carry: an end certificate and its intermediates (RFC 4945
 * section 3.3 asks for the chain). More are not looked at, so a message cannot make us build
 * chains out of hundreds of certificates.
 */
export const MAX_PEER_CERTIFICATES = 8;

/**
 * Our CERT-REQ payloads (RFC 4945 section 3.2): one per CA trusted for the peer, naming its subject
 * DN; one with no authority when none is known (any CA), as strongSwan sends it. None with
 * `send_certreq = no`.
 */
export function certificateRequests(sa: IkeSa, ctx: ExchangeContext): Payload[] {
  if (!sa.connection.sendCertreq) return [];
  const authorities = ctx.credentials.certificateAuthorities(sa.connection);
  if (authorities.length === 0)
    return [{ type: 'certificate_request', encoding: X509_SIGNATURE, authority: new Uint8Array(0) }];
  return authorities.map((authority) => ({
    type: 'certificate_request',
    encoding: X509_SIGNATURE,
    authority,
  }));
}

/** Our certificate and intermediates, as `send_cert` says: `always`, or `ifasked` after a CERT-REQ. */
export function certificatePayloads(sa: IkeSa, credential: LocalCredential): Payload[] {
  const send =
    sa.connection.sendCert === 'always' || (sa.connection.sendCert === 'ifasked' && sa.peerRequestedCerts);
  if (!send) return [];
  return credential.certificates.map((data) => ({ type: 'certificate', encoding: X509_SIGNATURE, data }));
}

/**
 * The X.509 certificates of the peer's CERT payloads, or why none is usable: CERT payloads of other
 * encodings (PGP, SPKI, Kerberos, ...) are ignored next to an X.509 one (RFC 4945 section 3.3), and
 * refused with CERT-TYPE-UNSUPPORTED when they are all there is.
 */
export function peerCertificates(payloads: readonly Payload[]): Uint8Array[] | string {
  const certs = payloads.filter((p) => p.type === 'certificate');
  const x509 = certs.filter((c) => c.encoding === X509_SIGNATURE).slice(0, MAX_PEER_CERTIFICATES);
  if (x509.length === 0 && certs.length > 0)
    return `CERT payloads of encoding ${certs.map((c) => c.encoding).join(', ')}; only X.509 signature certificates (4) are supported`;
  return x509.map((c) => c.data);
}

/** The notify that tells the peer why its certificate was refused (RFC 2408 section 3.14.1). */
export function notifyFor(failure: CertificateFailure): keyof typeof NotifyType {
  switch (failure) {
    case 'unsupported-encoding':
      return 'CERT_TYPE_UNSUPPORTED';
    case 'no-certificate':
    case 'identity-mismatch':
    case 'key-type':
      return 'AUTHENTICATION_FAILED';
    default:
      return 'INVALID_CERTIFICATE';
  }
}
