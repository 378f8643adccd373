/**
 * X.509 certificates (RFC 5280) as ikets uses them: names, validity, public key, and the extensions
 * path validation and identity matching need. The DER is parsed by @peculiar/asn1-x509 (names and
 * extensions) and by node:crypto's X509Certificate (OpenSSL: public key, signature check); a
 * certificate either refuses is refused.
 */
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate as AsnCertificate,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  type Extension,
  type GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  type KeyUsageType,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { formatRdns, nameRdns, type Rdn } from '../config/distinguished-name.js';
import { PkiError } from './errors.js';
import { pemBlocks } from './pem.js';

export type KeyType = 'rsa' | 'ecdsa' | 'dsa' | 'ed25519' | 'ed448' | 'other';
export type { KeyUsageType };

export interface Certificate {
  readonly der: Uint8Array;
  /** strongSwan's text form, `C=CH, O=strongSwan, CN=moon.strongswan.org`. */
  readonly subject: string;
  /** The DER of the subject Name: what an ID_DER_ASN1_DN payload carries. */
  readonly subjectDer: Uint8Array;
  readonly subjectRdns: readonly Rdn[];
  readonly issuer: string;
  readonly issuerDer: Uint8Array;
  readonly issuerRdns: readonly Rdn[];
  /** Lowercase hex without leading zero bytes, as CRLs are compared. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly keyType: KeyType;
  /** Key size in bits (RSA/DSA modulus, EC field size). */
  readonly keySize: number;
  /** ECDSA: 'P-256', 'P-384', 'P-521' (or OpenSSL's name of another curve). */
  readonly curve: string | undefined;
  readonly altNames: {
    readonly dns: readonly string[];
    readonly email: readonly string[];
    readonly ip: readonly string[];
  };
  /** basicConstraints cA. */
  readonly isCa: boolean;
  /** basicConstraints pathLenConstraint of a CA; undefined: no limit. */
  readonly pathLen: number | undefined;
  /** Key usage bits; undefined when the extension is absent (any use allowed, RFC 5280 section 4.2.1.3). */
  readonly keyUsage: readonly KeyUsageType[] | undefined;
  /** URIs of the CRL distribution points. */
  readonly crlUris: readonly string[];
  readonly subjectKeyId: Uint8Array | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
  /** SHA-1 of the DER certificate (strongSwan's certificate hash for ID_KEY_ID matching). */
  readonly sha1: Uint8Array;
  /** node:crypto's view, used to check signatures. */
  readonly x509: X509Certificate;
}

/** Extensions ikets reads, plus those that may be critical without changing what it checks. */
const KNOWN_EXTENSIONS = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_cRLDistributionPoints,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  '2.5.29.37', // extendedKeyUsage
  '2.5.29.32', // certificatePolicies
  '2.5.29.18', // issuerAltName
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
};

/** One certificate from DER or PEM (the first CERTIFICATE block); throws PkiError ERR_PKI_CERTIFICATE. */
export function parseCertificate(derOrPem: Uint8Array): Certificate {
  const block = pemBlocks(derOrPem).find((b) => b.label === '' || b.label === 'CERTIFICATE');
  if (block === undefined) throw new PkiError('ERR_PKI_CERTIFICATE', 'no CERTIFICATE block in the PEM text');
  return certificateFromDer(block.der);
}

/** All certificates of a PEM file (a bundle) or the one of a DER file. */
export function parseCertificates(derOrPem: Uint8Array): Certificate[] {
  return pemBlocks(derOrPem)
    .filter((b) => b.label === '' || b.label === 'CERTIFICATE')
    .map((b) => certificateFromDer(b.der));
}

function certificateFromDer(der: Uint8Array): Certificate {
  let asn: AsnCertificate;
  let x509: X509Certificate;
  try {
    asn = AsnConvert.parse(der, AsnCertificate);
    x509 = new X509Certificate(der);
  } catch (e) {
    throw new PkiError('ERR_PKI_CERTIFICATE', `not an X.509 certificate: ${(e as Error).message}`);
  }
  const tbs = asn.tbsCertificate;
  const ext = (id: string) => tbs.extensions?.find((e) => e.extnID === id);
  for (const e of tbs.extensions ?? []) {
    if (e.critical && !KNOWN_EXTENSIONS.has(e.extnID)) {
      // RFC 5280 section 4.2: a certificate with an unrecognized critical extension must be rejected.
      throw new PkiError('ERR_PKI_CERTIFICATE', `critical extension ${e.extnID} is not supported`);
    }
  }
  try {
    const basic = parseExt(ext(id_ce_basicConstraints), BasicConstraints);
    const usage = parseExt(ext(id_ce_keyUsage), KeyUsage);
    const san = parseExt(ext(id_ce_subjectAltName), SubjectAlternativeName);
    const cdp = parseExt(ext(id_ce_cRLDistributionPoints), CRLDistributionPoints);
    const ski = parseExt(ext(id_ce_subjectKeyIdentifier), SubjectKeyIdentifier);
    const aki = parseExt(ext(id_ce_authorityKeyIdentifier), AuthorityKeyIdentifier);
    const names = [...(san ?? [])];
    const subjectRdns = nameRdns(tbs.subject);
    const issuerRdns = nameRdns(tbs.issuer);
    const publicKey = x509.publicKey;
    const { keyType, keySize, curve } = describeKey(publicKey);
    return {
      der: Uint8Array.from(der),
      subject: formatRdns(subjectRdns),
      subjectDer: new Uint8Array(AsnConvert.serialize(tbs.subject)),
      subjectRdns,
      issuer: formatRdns(issuerRdns),
      issuerDer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
      issuerRdns,
      serial: serialHex(new Uint8Array(tbs.serialNumber)),
      notBefore: tbs.validity.notBefore.getTime(),
      notAfter: tbs.validity.notAfter.getTime(),
      publicKey,
      keyType,
      keySize,
      curve,
      altNames: {
        dns: strings(names, (n) => n.dNSName),
        email: strings(names, (n) => n.rfc822Name),
        ip: strings(names, (n) => n.iPAddress),
      },
      isCa: basic?.cA === true,
      pathLen: basic?.cA === true ? basic.pathLenConstraint : undefined,
      keyUsage: usage === undefined ? undefined : orderedUsage(usage.toJSON()),
      crlUris: [...(cdp ?? [])].flatMap((p) =>
        strings(p.distributionPoint?.fullName ?? [], (n) => n.uniformResourceIdentifier),
      ),
      subjectKeyId: ski === undefined ? undefined : new Uint8Array(ski.buffer),
      authorityKeyId: aki?.keyIdentifier === undefined ? undefined : new Uint8Array(aki.keyIdentifier.buffer),
      sha1: new Uint8Array(createHash('sha1').update(der).digest()),
      x509,
    };
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError('ERR_PKI_CERTIFICATE', `malformed certificate extension: ${(e as Error).message}`);
  }
}

/** Key usage names in the order of their bits (RFC 5280 section 4.2.1.3). */
const KEY_USAGE_ORDER: readonly KeyUsageType[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'crlSign',
  'encipherOnly',
  'decipherOnly',
];

function orderedUsage(bits: readonly KeyUsageType[]): KeyUsageType[] {
  return KEY_USAGE_ORDER.filter((u) => bits.includes(u));
}

function parseExt<T>(e: Extension | undefined, type: new () => T): T | undefined {
  return e === undefined ? undefined : AsnConvert.parse(e.extnValue.buffer, type);
}

function strings(names: readonly GeneralName[], pick: (n: GeneralName) => string | undefined): string[] {
  return names.map(pick).filter((s): s is string => s !== undefined);
}

/** Serial numbers compare as unsigned integers: lowercase hex without leading zero bytes. */
export function serialHex(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return Buffer.from(bytes.subarray(i)).toString('hex');
}

/** Key type, size and curve of a public (or private) key. */
export function describeKey(key: KeyObject): {
  keyType: KeyType;
  keySize: number;
  curve: string | undefined;
} {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { keyType: 'rsa', keySize: details.modulusLength ?? 0, curve: undefined };
    case 'dsa':
      return { keyType: 'dsa', keySize: details.modulusLength ?? 0, curve: undefined };
    case 'ec': {
      const named = details.namedCurve ?? '';
      const curve = CURVES[named];
      return { keyType: 'ecdsa', keySize: curve?.bits ?? 0, curve: curve?.name ?? named };
    }
    case 'ed25519':
      return { keyType: 'ed25519', keySize: 256, curve: undefined };
    case 'ed448':
      return { keyType: 'ed448', keySize: 456, curve: undefined };
    default:
      return { keyType: 'other', keySize: 0, curve: undefined };
  }
}
