/**
 * Does a certificate vouch for an identity? As strongSwan's x509 `has_subject`, which its IKEv1
 * public key authenticator relies on: the identity (which may be a configured pattern with
 * wildcards) is matched against the subject DN and against each subjectAltName of the same type
 * (dNSName: FQDN, rfc822Name: USER_FQDN, iPAddress: IPv4/IPv6). strongSwan does not fall back to
 * the subject's CN or E attribute for FQDN or e-mail identities, and neither does ikets. A KEY_ID
 * matches the SHA-1 of the certificate, its subjectKeyIdentifier, the SHA-1 of its
 * subjectPublicKeyInfo, or its serial number.
 */
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { type IdentityConfig, identityMatches } from '../config/identity.js';
import type { Certificate } from './certificate.js';

export function certificateMatchesIdentity(cert: Certificate, id: IdentityConfig): boolean {
  return certificateIdentities(cert).some((held) => identityMatches(id, held)) || keyIdMatches(cert, id);
}

/** The identities a certificate holds: its subject DN, then its subjectAltNames. */
export function certificateIdentities(cert: Certificate): IdentityConfig[] {
  return [
    { type: 'der_asn1_dn', dn: cert.subject, der: cert.subjectDer },
    ...cert.altNames.dns.map((name) => ({ type: 'fqdn' as const, name })),
    ...cert.altNames.email.map((name) => ({ type: 'user_fqdn' as const, name })),
    ...cert.altNames.ip.map((address) => ({
      type: isIPv4(address) ? ('ipv4' as const) : ('ipv6' as const),
      address,
    })),
  ];
}

function keyIdMatches(cert: Certificate, id: IdentityConfig): boolean {
  if (id.type !== 'key_id') return false;
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  const candidates = [
    cert.sha1,
    cert.subjectKeyId,
    createHash('sha1').update(spki).digest(),
    Buffer.from(cert.serial, 'hex'),
  ];
  return candidates.some((c) => c !== undefined && id.keyId.equals(Buffer.from(c)));
}
