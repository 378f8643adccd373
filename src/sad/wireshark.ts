/**
 * Wireshark's decryption tables for the SAs of the SAD (`ikets list-sas --wireshark`):
 *
 * - `ikev1_decryption_table` (ISAKMP preferences): one row `<initiator cookie hex>,<Ka hex>` per
 *   ISAKMP SA, Ka being the encryption key of RFC 2409 Appendix B. Both fields are byte fields, which
 *   Wireshark writes and reads unquoted (tshark 4.0 refuses them quoted).
 * - `esp_sa` (ESP preferences): one row per direction of each ESP SA:
 *   `"IPv4","src","dst","0xSPI","<encryption>","0xKEY","<authentication>","0xKEY"`, with the
 *   algorithms named exactly as Wireshark's menus name them (checked with tshark 4.0.17, which
 *   refuses any other name). AES-GCM keys include the 4-byte salt (RFC 4106 section 8.1), as KEYMAT
 *   yields them; the authentication of an AEAD SA is `NULL`.
 *
 * The rows are the lines of the UAT files of the same names in Wireshark's profile directory, and
 * `tsharkArguments` gives the same tables as tshark `-o` options.
 */
import { isIPv6 } from 'node:net';
import type { ChildSaInfo, IkeSaInfo } from '../sa/types.js';

/** One ESP SA in one direction, as Wireshark's `esp_sa` table holds it. */
export interface EspSaRow {
  readonly protocol: 'IPv4' | 'IPv6';
  readonly source: string;
  readonly destination: string;
  /** `0x` and 8 hex digits. */
  readonly spi: string;
  readonly encryption: string;
  readonly encryptionKey: string;
  readonly authentication: string;
  readonly authenticationKey: string;
}

/** Wireshark's name of an ESP cipher given by its strongSwan keyword; undefined when it has none. */
export function wiresharkEncryption(keyword: string | undefined): string | undefined {
  if (keyword === undefined) return undefined;
  if (keyword === 'null') return 'NULL';
  if (keyword === '3des') return 'TripleDES-CBC [RFC2451]';
  if (keyword === 'des') return 'DES-CBC [RFC2405]';
  if (/^aes(128|192|256)?$/.test(keyword)) return 'AES-CBC [RFC3602]';
  const gcm = /^aes(?:128|192|256)?gcm(8|12|16|64|96|128)?$/.exec(keyword);
  if (gcm) {
    const icv = { '8': 8, '64': 8, '12': 12, '96': 12, '16': 16, '128': 16 }[gcm[1] ?? '16'];
    return `AES-GCM with ${icv} octet ICV [RFC4106]`;
  }
  return undefined;
}

/** Wireshark's name of an ESP integrity algorithm (`NULL` for none, as AEAD ciphers have). */
export function wiresharkAuthentication(keyword: string | undefined): string | undefined {
  switch (keyword) {
    case undefined:
    case 'null':
      return 'NULL';
    case 'md5':
      return 'HMAC-MD5-96 [RFC2403]';
    case 'sha1':
    case 'sha':
      return 'HMAC-SHA-1-96 [RFC2404]';
    case 'sha256':
    case 'sha2_256':
      return 'HMAC-SHA-256-128 [RFC4868]';
    case 'sha384':
    case 'sha2_384':
      return 'HMAC-SHA-384-192 [RFC4868]';
    case 'sha512':
    case 'sha2_512':
      return 'HMAC-SHA-512-256 [RFC4868]';
    default:
      return undefined;
  }
}

/** The `ikev1_decryption_table` row of an ISAKMP SA, or undefined before its keys exist. */
export function ikev1DecryptionRow(sa: IkeSaInfo): string | undefined {
  return sa.keys === undefined ? undefined : `${sa.initiatorCookie},${sa.keys.encryptionKey}`;
}

/**
 * The two `esp_sa` rows (outbound, then inbound) of an ESP SA pair; a string saying why when
 * Wireshark cannot decrypt it (AH, or an algorithm it does not know).
 */
export function espSaRows(sa: ChildSaInfo): readonly [EspSaRow, EspSaRow] | string {
  if (sa.protocol !== 'esp') return `${sa.child} #${sa.id}: AH SAs have no Wireshark ESP entry`;
  const encryption = wiresharkEncryption(sa.encryption);
  if (encryption === undefined)
    return `${sa.child} #${sa.id}: Wireshark has no ESP decryption for '${sa.encryption}'`;
  const authentication = wiresharkAuthentication(sa.integrity);
  if (authentication === undefined)
    return `${sa.child} #${sa.id}: Wireshark has no ESP authentication for '${sa.integrity}'`;
  const protocol = isIPv6(sa.local.address) ? 'IPv6' : 'IPv4';
  const key = (hex: string) => (hex === '' ? '' : `0x${hex}`);
  const row = (source: string, destination: string, spi: string, enc: string, auth: string): EspSaRow => ({
    protocol,
    source,
    destination,
    spi: `0x${spi}`,
    encryption,
    encryptionKey: key(enc),
    authentication,
    authenticationKey: authentication === 'NULL' ? '' : key(auth),
  });
  return [
    row(sa.local.address, sa.remote.address, sa.spiOut, sa.keys.encryptionOut, sa.keys.integrityOut),
    row(sa.remote.address, sa.local.address, sa.spiIn, sa.keys.encryptionIn, sa.keys.integrityIn),
  ];
}

/** An `esp_sa` UAT line: every field a quoted string. */
export function espSaLine(row: EspSaRow): string {
  return [
    row.protocol,
    row.source,
    row.destination,
    row.spi,
    row.encryption,
    row.encryptionKey,
    row.authentication,
    row.authenticationKey,
  ]
    .map((field) => `"${field}"`)
    .join(',');
}

/** tshark options that load these tables (each `-o uat:` adds one row). */
export function tsharkArguments(ikeSas: readonly IkeSaInfo[], childSas: readonly ChildSaInfo[]): string[] {
  const args: string[] = [];
  for (const sa of ikeSas) {
    const row = ikev1DecryptionRow(sa);
    if (row !== undefined) args.push('-o', `uat:ikev1_decryption_table:${row}`);
  }
  const esp = childSas.flatMap((sa) => {
    const rows = espSaRows(sa);
    return typeof rows === 'string' ? [] : rows;
  });
  if (esp.length > 0)
    args.push('-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE');
  for (const row of esp) args.push('-o', `uat:esp_sa:${espSaLine(row)}`);
  return args;
}

/** The text of `ikets list-sas --wireshark`: both tables as UAT lines, then a ready tshark command. */
export function formatWiresharkTables(
  ikeSas: readonly IkeSaInfo[],
  childSas: readonly ChildSaInfo[],
): string {
  const lines = ["# ikev1_decryption_table: Initiator's COOKIE, Encryption Key (Ka)"];
  for (const sa of [...ikeSas].sort((a, b) => a.id - b.id)) {
    const row = ikev1DecryptionRow(sa);
    lines.push(row ?? `# ${sa.connection} #${sa.id}: no keys yet`);
  }
  lines.push(
    '# esp_sa: Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, Authentication, Authentication Key',
  );
  for (const sa of [...childSas].sort((a, b) => a.id - b.id)) {
    const rows = espSaRows(sa);
    if (typeof rows === 'string') lines.push(`# ${rows}`);
    else lines.push(...rows.map(espSaLine));
  }
  const args = tsharkArguments(ikeSas, childSas);
  if (args.length > 0) lines.push(`# tshark ${args.map(shellQuote).join(' ')} -r CAPTURE`);
  return `${lines.join('\n')}\n`;
}

function shellQuote(arg: string): string {
  return /^[\w.:,=@%/+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
