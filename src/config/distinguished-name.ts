/**
 * X.501 distinguished names as strongSwan writes them (`C=CH, O=strongSwan, CN=moon.strongswan.org`):
 * text to DER (what an ID_DER_ASN1_DN payload carries, RFC 2407 section 4.6.2.1), DER to text, and
 * strongSwan's DN comparison with `*` wildcards. DER is read and written with @peculiar/asn1-x509,
 * not by hand.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';

/** strongSwan's RDN names and their OIDs; the first name of an OID is the one printed. */
const RDN_NAMES: readonly (readonly [string, string])[] = [
  ['C', '2.5.4.6'],
  ['ST', '2.5.4.8'],
  ['L', '2.5.4.7'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['CN', '2.5.4.3'],
  ['E', '1.2.840.113549.1.9.1'],
  ['Email', '1.2.840.113549.1.9.1'],
  ['emailAddress', '1.2.840.113549.1.9.1'],
  ['DC', '0.9.2342.19200300.100.1.25'],
  ['UID', '0.9.2342.19200300.100.1.1'],
  ['SN', '2.5.4.4'],
  ['serialNumber', '2.5.4.5'],
  ['STREET', '2.5.4.9'],
  ['T', '2.5.4.12'],
  ['D', '2.5.4.13'],
  ['postalAddress', '2.5.4.16'],
  ['postalCode', '2.5.4.17'],
  ['N', '2.5.4.41'],
  ['G', '2.5.4.42'],
  ['I', '2.5.4.43'],
  ['dnQualifier', '2.5.4.46'],
  ['ID', '2.5.4.45'],
  ['pseudonym', '2.5.4.65'],
  ['organizationIdentifier', '2.5.4.97'],
  ['UN', '1.2.840.113549.1.9.2'],
  ['unstructuredName', '1.2.840.113549.1.9.2'],
];

const EMAIL_OID = '1.2.840.113549.1.9.1';
const UNSTRUCTURED_NAME_OID = '1.2.840.113549.1.9.2';
const MAX_RDNS = 20;

/** One attribute of a DN, in DER order (multi-valued RDNs are flattened, as strongSwan enumerates them). */
export interface Rdn {
  readonly oid: string;
  /** The ASN.1 string type the value was encoded with. */
  readonly stringType: 'printable' | 'utf8' | 'ia5' | 'teletex' | 'bmp' | 'universal' | 'other';
  readonly value: string;
}

function oidOf(name: string): string | undefined {
  const lower = name.toLowerCase();
  return RDN_NAMES.find(([n]) => n.toLowerCase() === lower)?.[1];
}

function nameOf(oid: string): string {
  return RDN_NAMES.find(([, o]) => o === oid)?.[0] ?? oid;
}

/** PrintableString's alphabet (X.680 section 41.4). */
function isPrintable(s: string): boolean {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s);
}

/**
 * A DN from strongSwan's text form: `,` separates RDNs (or `/` when the text starts with one),
 * names are strongSwan's (C, ST, L, O, OU, CN, E, DC, ...; case-insensitive), values are
 * PrintableString when they fit its alphabet, else UTF8String (E and UN: IA5String), as strongSwan's
 * `atodn` encodes them. Returns the reason as a string when the text is not a DN.
 */
export function parseDn(text: string): { readonly der: Uint8Array; readonly rdns: readonly Rdn[] } | string {
  const slash = text.trimStart().startsWith('/');
  const parts = (slash ? text.trimStart().slice(1) : text).split(slash ? '/' : ',');
  const rdns: Rdn[] = [];
  for (const part of parts) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) return `'${part.trim()}' is not NAME=value`;
    const name = part.slice(0, eq).trim();
    const oid = oidOf(name);
    if (oid === undefined) return `'${name}' is not an RDN name strongSwan knows (C, O, OU, CN, E, ...)`;
    const value = part
      .slice(eq + 1)
      .replace(/^[ =]+/, '')
      .trimEnd();
    const ia5 = oid === EMAIL_OID || oid === UNSTRUCTURED_NAME_OID;
    rdns.push({ oid, value, stringType: ia5 ? 'ia5' : isPrintable(value) ? 'printable' : 'utf8' });
  }
  if (rdns.length === 0) return 'the distinguished name has no RDN';
  if (rdns.length > MAX_RDNS) return `a distinguished name has at most ${MAX_RDNS} RDNs`;
  const name = new Name(
    rdns.map(
      (r) =>
        new RelativeDistinguishedName([new AttributeTypeAndValue({ type: r.oid, value: attributeValue(r) })]),
    ),
  );
  return { der: new Uint8Array(AsnConvert.serialize(name)), rdns };
}

function attributeValue(r: Rdn): AttributeValue {
  switch (r.stringType) {
    case 'ia5':
      return new AttributeValue({ ia5String: r.value });
    case 'printable':
      return new AttributeValue({ printableString: r.value });
    default:
      return new AttributeValue({ utf8String: r.value });
  }
}

/** The RDNs of a DER-encoded Name; throws when the DER is not a Name. */
export function dnRdns(der: Uint8Array): Rdn[] {
  return nameRdns(AsnConvert.parse(der, Name));
}

/** The RDNs of a parsed Name (@peculiar/asn1-x509), flattened in DER order. */
export function nameRdns(name: Name): Rdn[] {
  const out: Rdn[] = [];
  for (const rdn of name) {
    for (const atv of rdn) out.push({ oid: atv.type, ...attributeString(atv.value) });
  }
  return out;
}

function attributeString(v: AttributeValue): { stringType: Rdn['stringType']; value: string } {
  if (v.printableString !== undefined) return { stringType: 'printable', value: v.printableString };
  if (v.utf8String !== undefined) return { stringType: 'utf8', value: v.utf8String };
  if (v.ia5String !== undefined) return { stringType: 'ia5', value: v.ia5String };
  if (v.teletexString !== undefined) return { stringType: 'teletex', value: v.teletexString };
  if (v.bmpString !== undefined) return { stringType: 'bmp', value: v.bmpString };
  if (v.universalString !== undefined) return { stringType: 'universal', value: v.universalString };
  return { stringType: 'other', value: v.toString() };
}

/** A DN in strongSwan's text form, `C=CH, O=strongSwan, CN=moon.strongswan.org`. */
export function formatRdns(rdns: readonly Rdn[]): string {
  return rdns.map((r) => `${nameOf(r.oid)}=${r.value}`).join(', ');
}

/** The text form of a DER DN, or undefined when the DER is not a Name. */
export function formatDn(der: Uint8Array): string | undefined {
  try {
    return formatRdns(dnRdns(der));
  } catch {
    return undefined;
  }
}

/**
 * strongSwan's default DN comparison (identification_t, `compare_dn`): the same number of RDNs with
 * the same OIDs in the same order; a pattern value of exactly `*` matches any value; PrintableString
 * values (and IA5 e-mail values) compare without case, all others exactly.
 */
export function rdnsMatch(actual: readonly Rdn[], pattern: readonly Rdn[], wildcards = true): boolean {
  if (actual.length !== pattern.length) return false;
  return actual.every((a, i) => {
    const p = pattern[i];
    if (p === undefined || a.oid !== p.oid) return false;
    if (wildcards && p.value === '*') return true;
    const caseless =
      a.stringType === p.stringType &&
      (a.stringType === 'printable' || (a.stringType === 'ia5' && a.oid === EMAIL_OID));
    return caseless ? a.value.toLowerCase() === p.value.toLowerCase() : a.value === p.value;
  });
}

/** The actual DN (DER) matches the pattern DN (DER, may hold `*` values); false if either is not a Name. */
export function dnMatches(actual: Uint8Array, pattern: Uint8Array): boolean {
  try {
    return rdnsMatch(dnRdns(actual), dnRdns(pattern));
  } catch {
    return false;
  }
}
