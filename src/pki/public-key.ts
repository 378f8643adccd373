/**
 * Raw public keys, the files of swanctl's pubkey/ folder: a SubjectPublicKeyInfo (RFC 5280 section
 * 4.1.2.7) in PEM (`PUBLIC KEY`, RFC 7468 section 13) or DER, of any key type, as strongSwan's pubkey
 * plugin reads them. A PKCS#1 `RSAPublicKey` is refused with the command that converts it: strongSwan
 * 5.9 refuses it in pubkey/ too ("parsing PUBKEY certificate failed"), and a folder that loads in one
 * should load in the other. `remote.pubkeys` names these files for SKEME public-key encryption
 * (RFC 2409 sections 5.2 and 5.3), which needs the peer's key in advance.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { describeKey, type KeyType } from './certificate.js';
import { PkiError } from './errors.js';
import { isPem, pemBlocks } from './pem.js';

export interface PublicKeyEntry {
  readonly key: KeyObject;
  readonly keyType: KeyType;
  /** Modulus length (RSA/DSA) or field size (EC) in bits. */
  readonly keySize: number;
  readonly curve: string | undefined;
  /** SHA-1 of the SubjectPublicKeyInfo DER: strongSwan's `keyid` (KEYID_PUBKEY_INFO_SHA1). */
  readonly keyId: Uint8Array;
  /**
   * SHA-1 of the subjectPublicKey bits (for RSA the PKCS#1 RSAPublicKey): strongSwan's `subjkey`
   * (KEYID_PUBKEY_SHA1), the usual subjectKeyIdentifier of RFC 5280 section 4.2.1.2 method (1).
   */
  readonly subjectKeyId: Uint8Array;
}

const CONVERT =
  "strongSwan's pubkey/ reads SubjectPublicKeyInfo only: convert it with 'openssl rsa -RSAPublicKey_in -pubout'";

/** A raw public key from PEM or DER SubjectPublicKeyInfo; PkiError ERR_PKI_PUBLIC_KEY otherwise. */
export function parsePublicKey(data: Uint8Array): PublicKeyEntry {
  const blocks = pemBlocks(data);
  if (isPem(data)) {
    const labels = blocks.map((b) => b.label);
    if (labels.includes('RSA PUBLIC KEY'))
      throw new PkiError('ERR_PKI_PUBLIC_KEY', `a PKCS#1 RSA PUBLIC KEY: ${CONVERT}`);
    if (labels.includes('CERTIFICATE'))
      throw new PkiError('ERR_PKI_PUBLIC_KEY', 'a certificate, not a raw public key: put it in x509/');
    if (labels.some((l) => l.includes('PRIVATE KEY')))
      throw new PkiError('ERR_PKI_PUBLIC_KEY', 'a private key, not a public key: put it in private/');
  }
  const spki = blocks.find((b) => b.label === 'PUBLIC KEY' || b.label === '');
  if (spki === undefined || blocks.length !== 1)
    throw new PkiError('ERR_PKI_PUBLIC_KEY', 'not one PUBLIC KEY (SubjectPublicKeyInfo, PEM or DER)');
  const der = Buffer.from(spki.der);
  let key: KeyObject;
  let bits: ArrayBuffer;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    bits = AsnConvert.parse(der, SubjectPublicKeyInfo).subjectPublicKey;
  } catch {
    if (spki.label === '' && isPkcs1RsaPublicKey(der))
      throw new PkiError('ERR_PKI_PUBLIC_KEY', `a PKCS#1 RSAPublicKey (DER): ${CONVERT}`);
    throw new PkiError('ERR_PKI_PUBLIC_KEY', 'not a public key (SubjectPublicKeyInfo, PEM or DER)');
  }
  // The DER as node exports it: a key read from non-canonical DER still gets strongSwan's keyid.
  const canonical = key.export({ type: 'spki', format: 'der' });
  return {
    key,
    ...describeKey(key),
    keyId: sha1(canonical),
    subjectKeyId: sha1(Buffer.from(bits)),
  };
}

/** The keyid and subjkey of any public key (a certificate's), as parsePublicKey gives them. */
export function publicKeyIds(key: KeyObject): { keyId: Uint8Array; subjectKeyId: Uint8Array } {
  const der = key.export({ type: 'spki', format: 'der' });
  const bits = AsnConvert.parse(der, SubjectPublicKeyInfo).subjectPublicKey;
  return { keyId: sha1(der), subjectKeyId: sha1(Buffer.from(bits)) };
}

function isPkcs1RsaPublicKey(der: Buffer): boolean {
  try {
    createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
    return true;
  } catch {
    return false;
  }
}

const sha1 = (data: Uint8Array) => new Uint8Array(createHash('sha1').update(data).digest());
