import { isIPv4, isIPv6 } from 'node:net';

/**
 * An IKE identity as swanctl.conf writes it (`id = ...`), typed the way the IPsec DOI's
 * Identification payload carries it (RFC 2407 section 4.6.2.1).
 */
export type IdentityConfig =
  | { readonly type: 'ipv4' | 'ipv6'; readonly address: string }
  | { readonly type: 'fqdn' | 'user_fqdn'; readonly name: string }
  | { readonly type: 'key_id'; readonly keyId: Buffer };

/**
 * strongSwan's rules (swanctl.conf, "Identity parsing"): an IP address is an address identity; a
 * leading `@` forces an FQDN (`@#hex` a KEY_ID); `local@host` is a USER_FQDN (RFC 822); explicit
 * prefixes `fqdn:`, `email:`, `userfqdn:`, `keyid:`, `ipv4:`, `ipv6:` name the type; anything else is an FQDN.
 * Returns the reason as a string when the text is not an identity ikets can carry.
 */
export function parseIdentity(text: string): IdentityConfig | string {
  const prefixed = /^(fqdn|email|userfqdn|keyid|ipv4|ipv6):(.*)$/.exec(text);
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
  if (text.includes('='))
    return 'distinguished-name identities need certificate authentication, which ikets does not offer yet';
  if (text.includes('@')) return { type: 'user_fqdn', name: text };
  if (text.length === 0) return 'the identity is empty';
  return { type: 'fqdn', name: text };
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
  }
}
