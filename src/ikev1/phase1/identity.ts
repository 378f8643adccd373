/**
 * Phase 1 identities (RFC 2409 section 5, RFC 2407 section 4.6.2): configured identities become ID
 * payloads, received ID payloads are compared with what the connection expects, and pre-shared keys
 * are found for a pair of identities.
 */
import { isIPv4 } from 'node:net';
import type { IdentificationData, IdentificationPayload } from '../../codec/index.js';
import { dnRdns, formatDn, rdnsMatch } from '../../config/distinguished-name.js';
import { formatIdentity, type IdentityConfig } from '../../config/identity.js';
import type { IkeSecretConfig } from '../../config/swanctl.js';

/** The identity of an address, as strongSwan uses when `id` is not configured. */
export function addressIdentity(address: string): IdentityConfig {
  return { type: isIPv4(address) ? 'ipv4' : 'ipv6', address };
}

/**
 * The ID payload of a phase 1 identity. Protocol and port are 0, as strongSwan sends them (RFC 2407
 * section 4.6.2 allows 0 or UDP/500 during phase 1).
 */
export function identificationPayload(id: IdentityConfig): IdentificationPayload {
  return { type: 'identification', protocolId: 0, port: 0, id: identificationData(id) };
}

function identificationData(id: IdentityConfig): IdentificationData {
  switch (id.type) {
    case 'ipv4':
      return { kind: 'ID_IPV4_ADDR', address: id.address };
    case 'ipv6':
      return { kind: 'ID_IPV6_ADDR', address: id.address };
    case 'fqdn':
      return { kind: 'ID_FQDN', name: id.name };
    case 'user_fqdn':
      return { kind: 'ID_USER_FQDN', name: id.name };
    case 'key_id':
      return { kind: 'ID_KEY_ID', data: id.keyId };
    case 'der_asn1_dn':
      return { kind: 'ID_DER_ASN1_DN', data: id.der };
    case 'any':
      // strongSwan's ID_ANY (type 0, no data); a configuration never makes it a local identity.
      return { kind: 'unknown', idType: 0, data: new Uint8Array(0) };
  }
}

/** The identity an ID payload carries, or undefined for ID types phase 1 with PSK does not use. */
export function identityOf(payload: IdentificationPayload): IdentityConfig | undefined {
  const id = payload.id;
  switch (id.kind) {
    case 'ID_IPV4_ADDR':
      return { type: 'ipv4', address: id.address };
    case 'ID_IPV6_ADDR':
      return { type: 'ipv6', address: id.address };
    case 'ID_FQDN':
      return { type: 'fqdn', name: id.name };
    case 'ID_USER_FQDN':
      return { type: 'user_fqdn', name: id.name };
    case 'ID_KEY_ID':
      return { type: 'key_id', keyId: Buffer.from(id.data) };
    case 'ID_DER_ASN1_DN': {
      // A DN that does not parse as an X.501 Name is an identity we cannot compare: refused.
      const dn = formatDn(id.data);
      return dn === undefined ? undefined : { type: 'der_asn1_dn', dn, der: Uint8Array.from(id.data) };
    }
    default:
      return undefined;
  }
}

/**
 * Two identities are the same (FQDNs and e-mail addresses compare without case, RFC 4343; DNs RDN by
 * RDN as strongSwan compares them, without wildcards).
 */
export function sameIdentity(a: IdentityConfig, b: IdentityConfig): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'der_asn1_dn' && b.type === 'der_asn1_dn') {
    try {
      return rdnsMatch(dnRdns(a.der), dnRdns(b.der), false);
    } catch {
      return false;
    }
  }
  return formatIdentity(a).toLowerCase() === formatIdentity(b).toLowerCase();
}

/**
 * The pre-shared key for a pair of identities, ranked as strongSwan ranks shared secrets: a secret
 * naming both identities beats one naming one of them, which beats one naming none; a secret whose
 * ids name neither is not a candidate.
 */
export function findPsk(
  secrets: readonly IkeSecretConfig[],
  local: IdentityConfig,
  remote: IdentityConfig,
): Buffer | undefined {
  let best: { secret: Buffer; score: number } | undefined;
  for (const s of secrets) {
    const matchesLocal = s.ids.some((id) => sameIdentity(id, local));
    const matchesRemote = s.ids.some((id) => sameIdentity(id, remote));
    const score = s.ids.length === 0 ? 1 : (matchesLocal ? 2 : 0) + (matchesRemote ? 3 : 0);
    if (score > 0 && (best === undefined || score > best.score)) best = { secret: s.secret, score };
  }
  return best?.secret;
}
