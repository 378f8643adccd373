/**
 * Certificate revocation lists (RFC 5280 section 5), read from swanctl's x509crl/ folder (ikets fetches
 * nothing). Parsed with @peculiar/asn1-x509; the signature is checked with node:crypto over the exact
 * tbsCertList bytes the parser kept.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  CertificateList,
  CRLReason,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLReasons,
  id_ce_deltaCRLIndicator,
} from '@peculiar/asn1-x509';
import { formatRdns, nameRdns, type Rdn } from '../config/distinguished-name.js';
import { serialHex } from './certificate.js';
import { PkiError } from './errors.js';
import { pemBlocks } from './pem.js';

export interface Crl {
  readonly der: Uint8Array;
  readonly issuer: string;
  readonly issuerDer: Uint8Array;
  readonly issuerRdns: readonly Rdn[];
  readonly thisUpdate: Date;
  /** Undefined: the issuer promises no next CRL (treated as stale at once, RFC 5280 section 5.1.2.5). */
  readonly nextUpdate: Date | undefined;
  /** Revoked serials (as Certificate.serial) and their revocation reason (RFC 5280 section 5.3.1). */
  readonly revoked: ReadonlyMap<string, { readonly date: Date; readonly reason: string | undefined }>;
  readonly authorityKeyId: Uint8Array | undefined;
  /** A delta CRL (RFC 5280 section 5.2.4): not used, since ikets keeps no base CRL numbers. */
  readonly delta: boolean;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  readonly sha1: Uint8Array;
}

/** Digests of the CRL signature algorithms (RFC 3279, RFC 4055, RFC 5758, RFC 8410); null: none (EdDSA). */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha1',
  '2.16.840.1.101.3.4.3.1': 'sha224',
  '2.16.840.1.101.3.4.3.2': 'sha256',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

/** CRL reasons by number (RFC 5280 section 5.3.1). */
const REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'unused',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/** One CRL from DER or PEM (the first X509 CRL block); throws PkiError ERR_PKI_CRL. */
export function parseCrl(derOrPem: Uint8Array): Crl {
  const block = pemBlocks(derOrPem).find((b) => b.label === '' || b.label === 'X509 CRL');
  if (block === undefined) throw new PkiError('ERR_PKI_CRL', 'no X509 CRL block in the PEM text');
  try {
    return crlFromDer(block.der);
  } catch (e) {
    throw new PkiError('ERR_PKI_CRL', `not an X.509 CRL: ${(e as Error).message}`);
  }
}

function crlFromDer(der: Uint8Array): Crl {
  const asn = AsnConvert.parse(der, CertificateList);
  const tbs = asn.tbsCertList;
  if (asn.tbsCertListRaw === undefined) throw new Error('the parser kept no tbsCertList bytes');
  const revoked = new Map<string, { date: Date; reason: string | undefined }>();
  for (const entry of tbs.revokedCertificates ?? []) {
    const reasonExt = entry.crlEntryExtensions?.find((e) => e.extnID === id_ce_cRLReasons);
    const reason =
      reasonExt === undefined ? undefined : AsnConvert.parse(reasonExt.extnValue.buffer, CRLReason).reason;
    revoked.set(serialHex(new Uint8Array(entry.userCertificate)), {
      date: entry.revocationDate.getTime(),
      reason: reason === undefined ? undefined : (REASONS[reason] ?? String(reason)),
    });
  }
  const akiExt = tbs.crlExtensions?.find((e) => e.extnID === id_ce_authorityKeyIdentifier);
  const aki = akiExt && AsnConvert.parse(akiExt.extnValue.buffer, AuthorityKeyIdentifier);
  const issuerRdns = nameRdns(tbs.issuer);
  return {
    der: Uint8Array.from(der),
    issuer: formatRdns(issuerRdns),
    issuerDer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
    issuerRdns,
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
    revoked,
    authorityKeyId: aki?.keyIdentifier === undefined ? undefined : new Uint8Array(aki.keyIdentifier.buffer),
    delta: tbs.crlExtensions?.some((e) => e.extnID === id_ce_deltaCRLIndicator) ?? false,
    tbs: new Uint8Array(asn.tbsCertListRaw),
    signatureAlgorithm: asn.signatureAlgorithm.algorithm,
    signature: new Uint8Array(asn.signature),
    sha1: new Uint8Array(createHash('sha1').update(der).digest()),
  };
}

/** The CRL is signed by this key (false for signature algorithms ikets does not know, e.g. RSA-PSS). */
export function crlSignedBy(crl: Crl, key: KeyObject): boolean {
  const digest = SIGNATURE_DIGESTS[crl.signatureAlgorithm];
  if (digest === undefined) return false;
  try {
    return verify(digest, crl.tbs, key, crl.signature);
  } catch {
    return false;
  }
}

/** The CRL is current at `now`: thisUpdate <= now <= nextUpdate (strongSwan's CRL validity). */
export function crlCurrent(crl: Crl, now: Date): boolean {
  const t = now.getTime();
  return crl.thisUpdate.getTime() <= t && crl.nextUpdate !== undefined && t <= crl.nextUpdate.getTime();
}
