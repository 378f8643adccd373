import { isIPv4, isIPv6 } from 'node:net';
import { dnRdns, formatDn, parseDn, rdnsMatch } from './distinguished-name.js';

/**
 * An IKE identity as swanctl.conf writes it (`id = ...`), typed the way the IPsec DOI's
 * Identification payload carries it (RFC 2407 section 4.6.2.1).
 */
export type IdentityConfig =
  | { readonly type: 'ipv4' | 'ipv6'; readonly address: string }
  | { readonly type: 'fqdn' | 'user_fqdn'; readonly name: string }
  | { readonly type: 'key_id'; readonly keyId: Buffer }
  /** A distinguished name: `dn` as strongSwan prints it, `der` the Name an ID_DER_ASN1_DN carries. */
  | { readonly type: 'der_asn1_dn'; readonly dn: string; readonly der: Uint8Array }
  /** strongSwan's `%any`: matches every identity; never sent. */
  | { readonly type: 'any' };

/**
 * strongSwan's rules (swanctl.conf, "Identity parsing"): an IP address is an address identity; a
 * leading `@` forces an FQDN (`@#hex` a KEY_ID); `local@host` is a USER_FQDN (RFC 822); explicit
 * prefixes `fqdn:`, `email:`, `userfqdn:`, `keyid:`, `ipv4:`, `ipv6:`, `asn1dn:` name the type; text with
 * `=` is a distinguished name (`C=CH, O=strongSwan, CN=moon`); `%any` is any identity; anything else
 * is an FQDN. Wildcards (`*@example.com`, `*.example.com`, `CN=*`) stay in the value: `identityMatches`
 * gives them their meaning.
 * Returns the reason as a string when the text is not an identity ikets can carry.
 */
export function parseIdentity(text: string): IdentityConfig | string {
  if (text === '%any' || text === '%any6') return { type: 'any' };
  const prefixed = /^(fqdn|email|userfqdn|keyid|ipv4|ipv6|asn1dn):(.*)$/s.exec(text);
  if (prefixed) {
    const [, kind, value] = prefixed as unknown as [string, string, string];
    switch (kind) {
      case 'fqdn':
        return { type: 'fqdn', name: value };
      case 'email':
      case 'userfqdn':
        return { type: 'user_fqdn', name: value };
      case 'keyid':
        return parseKeyId(value.replace(/^#/, ''));
      case 'asn1dn':
        return distinguishedName(value);
      case 'ipv4':
        return isIPv4(value) ? { type: 'ipv4', address: value } : `'${value}' is not an IPv4 address`;
      default:
        return isIPv6(value) ? { type: 'ipv6', address: value } : `'${value}' is not an IPv6 address`;
    }
  }
  if (isIPv4(text)) return { type: 'ipv4', address: text };
  if (isIPv6(text)) return { type: 'ipv6', address: text };
  if (text.startsWith('@#')) return parseKeyId(text.slice(2));
  if (text.startsWith('@')) return { type: 'fqdn', name: text.slice(1) };
  // strongSwan tries a DN first for text with '=' and falls back to an FQDN/e-mail if it does not parse.
  if (text.includes('=')) {
    const dn = distinguishedName(text);
    if (typeof dn !== 'string') return dn;
  }
  if (text.includes('@')) return { type: 'user_fqdn', name: text };
  if (text.length === 0) return 'the identity is empty';
  return { type: 'fqdn', name: text };
}

function distinguishedName(text: string): IdentityConfig | string {
  const parsed = parseDn(text);
  if (typeof parsed === 'string') return `'${text}' is not a distinguished name: ${parsed}`;
  return { type: 'der_asn1_dn', dn: formatDn(parsed.der) ?? text, der: parsed.der };
}

function parseKeyId(hex: string): IdentityConfig | string {
  const clean = hex.replace(/:/g, '');
  return /^([0-9a-fA-F]{2})+$/.test(clean)
    ? { type: 'key_id', keyId: Buffer.from(clean, 'hex') }
    : `'${hex}' is not a hex key identifier`;
}

/** The identity back in swanctl.conf's notation, for listings and logs. */
export function formatIdentity(id: IdentityConfig): string {
  switch (id.type) {
    case 'ipv4':
    case 'ipv6':
      return id.address;
    case 'fqdn':
      return id.name;
    case 'user_fqdn':
      return id.name.includes('@') ? id.name : `email:${id.name}`;
    case 'key_id':
      return `@#${id.keyId.toString('hex')}`;
    case 'der_asn1_dn':
      return id.dn;
    case 'any':
      return '%any';
  }
}

/**
 * The actual identity (one a peer sent, or a certificate holds) matches the pattern (a configured
 * `id`), as strongSwan's identification_t `matches`: `%any` matches all; otherwise the types must
 * agree; FQDNs and e-mail addresses compare without case, and a pattern starting with `*` matches
 * any value ending in the rest that is at least as long as the pattern (`*` alone: any value of the
 * type); DNs compare RDN by RDN in order, a `*` value matching any value; addresses and key ids
 * compare exactly.
 */
export function identityMatches(pattern: IdentityConfig, actual: IdentityConfig): boolean {
  if (pattern.type === 'any') return true;
  switch (actual.type) {
    case 'any':
      return false;
    case 'fqdn':
    case 'user_fqdn':
      return pattern.type === actual.type && stringMatches(actual.name, pattern.name);
    case 'ipv4':
    case 'ipv6':
      return pattern.type === actual.type && sameAddress(pattern.address, actual.address);
    case 'key_id':
      return pattern.type === 'key_id' && pattern.keyId.equals(actual.keyId);
    case 'der_asn1_dn':
      if (pattern.type !== 'der_asn1_dn') return false;
      try {
        return rdnsMatch(dnRdns(actual.der), dnRdns(pattern.der));
      } catch {
        return false;
      }
  }
}

/** strongSwan's `matches_string`: equal without case, or a leading `*` matching a suffix. */
export function stringMatches(actual: string, pattern: string): boolean {
  const a = actual.toLowerCase();
  const p = pattern.toLowerCase();
  if (a === p) return true;
  if (p.length === 0 || a.length < p.length || !p.startsWith('*')) return false;
  return p.length === 1 || a.endsWith(p.slice(1));
}

function sameAddress(a: string, b: string): boolean {
  const canonical = (s: string) => (isIPv6(s) ? new URL(`http://[${s}]`).hostname : s);
  return canonical(a) === canonical(b);
}
