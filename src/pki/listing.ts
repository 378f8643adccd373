/**
 * `ikets list-certs`: the loaded raw public keys, certificates and CRLs as plain data (what the
 * control socket sends, no private key material) and as text in the layout of `swanctl --list-certs`
 * (strongSwan's certificate_printer): captions per kind, subject, issuer, validity with ok/expired,
 * serial, altNames, flags, CRL URIs, pathlen, key identifiers, and the public key with "has private
 * key", its keyid and subjkey. Times print in UTC.
 */
import { rdnsMatch } from '../config/distinguished-name.js';
import type { Certificate } from './certificate.js';
import type { CredentialSet } from './credentials.js';
import { publicKeyIds } from './public-key.js';

export interface CertificateSummary {
  /** 'ca' for CA certificates (from x509ca/ or x509/), as swanctl captions them. */
  readonly kind: 'end-entity' | 'ca';
  readonly folder: 'x509' | 'x509ca';
  readonly file: string;
  readonly subject: string;
  readonly issuer: string;
  /** Colon-separated hex, as strongSwan prints serials. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyType: string;
  readonly keySize: number;
  readonly curve?: string | undefined;
  readonly altNames: readonly string[];
  readonly isCa: boolean;
  readonly selfSigned: boolean;
  readonly pathLen?: number | undefined;
  readonly keyUsage?: readonly string[] | undefined;
  readonly crlUris: readonly string[];
  readonly authorityKeyId?: string | undefined;
  readonly subjectKeyId?: string | undefined;
  /** SHA-1 of the public key's SubjectPublicKeyInfo (strongSwan's `keyid`). */
  readonly keyId: string;
  /** SHA-1 of the subjectPublicKey bits (strongSwan's `subjkey`). */
  readonly subjKey: string;
  readonly hasPrivateKey: boolean;
}

/** A raw public key of pubkey/ (strongSwan's "Raw Public Key", CERT_TRUSTED_PUBKEY). */
export interface PublicKeySummary {
  readonly folder: 'pubkey';
  readonly file: string;
  readonly keyType: string;
  readonly keySize: number;
  readonly curve?: string | undefined;
  readonly keyId: string;
  readonly subjKey: string;
  readonly hasPrivateKey: boolean;
}

export interface CrlSummary {
  readonly file: string;
  readonly issuer: string;
  readonly thisUpdate: string;
  readonly nextUpdate?: string | undefined;
  readonly authorityKeyId?: string | undefined;
  readonly revoked: readonly {
    readonly serial: string;
    readonly date: string;
    readonly reason?: string | undefined;
  }[];
}

export interface CredentialListing {
  /** Absent in the answer of a daemon older than pubkey/ support. */
  readonly publicKeys?: readonly PublicKeySummary[] | undefined;
  readonly certificates: readonly CertificateSummary[];
  readonly crls: readonly CrlSummary[];
}

const colons = (hex: string) => hex.match(/../g)?.join(':') ?? '';
const hexOf = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : colons(Buffer.from(b).toString('hex'));

export function summarizeCredentials(credentials: CredentialSet): CredentialListing {
  const certificates = credentials
    .listing()
    .map(({ folder, file }) => summary(file.value, folder, file.name, credentials));
  // swanctl lists end entities first, then CA certificates.
  certificates.sort((a, b) => Number(a.kind === 'ca') - Number(b.kind === 'ca'));
  const crls = credentials.crlFiles.map(({ value: crl, name }) => ({
    file: name,
    issuer: crl.issuer,
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString(),
    authorityKeyId: hexOf(crl.authorityKeyId),
    revoked: [...crl.revoked].map(([serial, r]) => ({
      serial: colons(serial),
      date: r.date.toISOString(),
      reason: r.reason,
    })),
  }));
  const publicKeys = credentials.publicKeyFiles.map(
    ({ value, name }): PublicKeySummary => ({
      folder: 'pubkey',
      file: name,
      keyType: value.keyType,
      keySize: value.keySize,
      curve: value.curve,
      keyId: hexOf(value.keyId) ?? '',
      subjKey: hexOf(value.subjectKeyId) ?? '',
      hasPrivateKey: credentials.privateKeyFor(value.key) !== undefined,
    }),
  );
  return { publicKeys, certificates, crls };
}

function summary(
  cert: Certificate,
  folder: 'x509' | 'x509ca',
  file: string,
  creds: CredentialSet,
): CertificateSummary {
  return {
    kind: cert.isCa ? 'ca' : 'end-entity',
    folder,
    file,
    subject: cert.subject,
    issuer: cert.issuer,
    serial: colons(cert.serial.length % 2 === 1 ? `0${cert.serial}` : cert.serial),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    keyType: cert.keyType,
    keySize: cert.keySize,
    curve: cert.curve,
    altNames: [...cert.altNames.dns, ...cert.altNames.email, ...cert.altNames.ip],
    isCa: cert.isCa,
    selfSigned: selfSigned(cert),
    pathLen: cert.pathLen,
    keyUsage: cert.keyUsage,
    crlUris: cert.crlUris,
    authorityKeyId: hexOf(cert.authorityKeyId),
    subjectKeyId: hexOf(cert.subjectKeyId),
    ...keyIds(cert),
    hasPrivateKey: creds.privateKeyFor(cert) !== undefined,
  };
}

function keyIds(cert: Certificate): { keyId: string; subjKey: string } {
  try {
    const ids = publicKeyIds(cert.publicKey);
    return { keyId: hexOf(ids.keyId) ?? '', subjKey: hexOf(ids.subjectKeyId) ?? '' };
  } catch {
    // A key node can read but not export as SPKI: the listing goes without its identifiers.
    return { keyId: '', subjKey: '' };
  }
}

function selfSigned(cert: Certificate): boolean {
  if (!rdnsMatch(cert.issuerRdns, cert.subjectRdns, false)) return false;
  try {
    return cert.x509.verify(cert.publicKey);
  } catch {
    return false;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** strongSwan's %T in UTC: `Dec 02 02:04:36 UTC 2026`. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/** strongSwan's %V: a time span in days, hours, minutes or seconds. */
export function formatSpan(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const [n, unit] =
    s > 2 * 86400
      ? [Math.floor(s / 86400), 'day']
      : s > 7200
        ? [Math.floor(s / 3600), 'hour']
        : s > 120
          ? [Math.floor(s / 60), 'minute']
          : [s, 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const KEY_NAMES: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  ecdsa: 'ECDSA',
  dsa: 'DSA',
  ed25519: 'ED25519',
  ed448: 'ED448',
};

/** The listing as `swanctl --list-certs` prints it, validity judged at `now` (ms). */
export function formatCredentialListing(listing: CredentialListing, now: number): string {
  const out: string[] = [];
  // strongSwan 5.9 lists the raw public keys first; a raw key has no subject line (its subject is
  // its key ID).
  const raw = listing.publicKeys ?? [];
  if (raw.length > 0) out.push('', 'List of Raw Public Keys');
  for (const k of raw) out.push('', ...pubkeyLines(k));
  let caption: string | undefined;
  for (const c of listing.certificates) {
    const want = c.kind === 'ca' ? 'X.509 CA Certificates' : 'X.509 End Entity Certificates';
    if (want !== caption) out.push('', `List of ${want}`);
    caption = want;
    out.push(
      '',
      `  subject:  "${c.subject}"`,
      `  issuer:   "${c.issuer}"`,
      ...validity(c.notBefore, c.notAfter, now, false),
    );
    out.push(`  serial:    ${c.serial}`);
    if (c.altNames.length > 0) out.push(`  altNames:  ${c.altNames.join(', ')}`);
    const flags = [
      c.isCa ? 'CA' : '',
      c.keyUsage?.includes('crlSign') ? 'CRLSign' : '',
      c.selfSigned ? 'self-signed' : '',
    ];
    if (flags.some((f) => f !== '')) out.push(`  flags:     ${flags.filter((f) => f !== '').join(' ')}`);
    c.crlUris.forEach((uri, i) => {
      out.push(`  ${i === 0 ? 'CRL URIs:' : '         '}  ${uri}`);
    });
    if (c.pathLen !== undefined) out.push(`  pathlen:   ${c.pathLen}`);
    if (c.authorityKeyId) out.push(`  authkeyId: ${c.authorityKeyId}`);
    if (c.subjectKeyId) out.push(`  subjkeyId: ${c.subjectKeyId}`);
    out.push(...pubkeyLines(c));
  }
  if (listing.crls.length > 0) out.push('', 'List of X.509 CRLs');
  for (const crl of listing.crls) {
    out.push('', `  issuer:   "${crl.issuer}"`);
    if (crl.nextUpdate !== undefined) out.push(...validity(crl.thisUpdate, crl.nextUpdate, now, true));
    if (crl.authorityKeyId) out.push(`  authKeyId: ${crl.authorityKeyId}`);
    const n = crl.revoked.length;
    out.push(`  ${n} revoked certificate${n === 1 ? '' : 's'}${n > 0 ? ':' : ''}`);
    for (const r of crl.revoked)
      out.push(`    ${r.serial}: ${formatTime(r.date)}, ${r.reason ?? 'unspecified'}`);
  }
  return out.length === 0 ? 'no certificates\n' : `${out.join('\n')}\n`;
}

/** strongSwan 5.9's certificate_printer_print_pubkey: type and size, keyid, subjkey. */
function pubkeyLines(k: {
  keyType: string;
  keySize: number;
  keyId?: string;
  subjKey?: string;
  hasPrivateKey: boolean;
}): string[] {
  const key = `${KEY_NAMES[k.keyType] ?? k.keyType.toUpperCase()} ${k.keySize} bits`;
  const out = [`  pubkey:    ${key}${k.hasPrivateKey ? ', has private key' : ''}`];
  if (k.keyId) out.push(`  keyid:     ${k.keyId}`);
  if (k.subjKey) out.push(`  subjkey:   ${k.subjKey}`);
  return out;
}

function validity(from: string, until: string, now: number, crl: boolean): string[] {
  const [t0, t1, t2] = crl ? ['update:  ', 'this on', 'next on'] : ['validity:', 'not before', 'not after '];
  const start = Date.parse(from);
  const end = Date.parse(until);
  const first = now < start ? `not valid yet (valid in ${formatSpan(start - now)})` : 'ok';
  const second =
    now > end ? `expired (${formatSpan(now - end)} ago)` : `ok (expires in ${formatSpan(end - now)})`;
  return [
    `  ${t0}  ${t1} ${formatTime(from)}, ${first}`,
    `             ${t2} ${formatTime(until)}, ${second}`,
  ];
}
