/**
 * The credentials loaded from swanctl's folders (load.ts reads them): our and peers' certificates
 * (x509/), trust anchors (x509ca/), CRLs (x509crl/) and private keys (private/, rsa/, ecdsa/).
 * Immutable; a reload builds a new set.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isAbsolute, normalize, relative } from 'node:path';
import { type Certificate, describeKey, type KeyType } from './certificate.js';
import type { Crl } from './crl.js';

/** A credential and the file it came from (absolute path, and relative to its swanctl folder). */
export interface Loaded<T> {
  readonly value: T;
  readonly path: string;
  readonly name: string;
}

export interface PrivateKeyEntry {
  readonly key: KeyObject;
  readonly keyType: KeyType;
  readonly keySize: number;
  readonly curve: string | undefined;
}

/** The swanctl folders credentials come from. */
export type CredentialFolder = 'x509' | 'x509ca' | 'x509crl' | 'private' | 'rsa' | 'ecdsa';

export class CredentialSet {
  constructor(
    readonly certificateFiles: readonly Loaded<Certificate>[],
    readonly authorityFiles: readonly Loaded<Certificate>[],
    readonly crlFiles: readonly Loaded<Crl>[],
    readonly privateKeyFiles: readonly Loaded<PrivateKeyEntry>[],
  ) {}

  static empty(): CredentialSet {
    return new CredentialSet([], [], [], []);
  }

  /** End-entity and intermediate certificates (x509/). */
  get certificates(): Certificate[] {
    return this.certificateFiles.map((f) => f.value);
  }

  /** Trust anchors (x509ca/). */
  get authorities(): Certificate[] {
    return this.authorityFiles.map((f) => f.value);
  }

  get crls(): Crl[] {
    return this.crlFiles.map((f) => f.value);
  }

  get privateKeys(): KeyObject[] {
    return this.privateKeyFiles.map((f) => f.value.key);
  }

  /** The private key whose public half is the certificate's (compared as SubjectPublicKeyInfo DER). */
  privateKeyFor(cert: Certificate): KeyObject | undefined {
    const want = spki(cert.publicKey);
    return this.privateKeyFiles.find((f) => spki(createPublicKey(f.value.key)).equals(want))?.value.key;
  }

  /**
   * The certificate swanctl.conf names: `certs = moon.crt` names a file in x509/, `cacerts = ca.crt`
   * one in x509ca/ (relative to the folder, or an absolute path of a loaded file).
   */
  findCertificate(nameOrFile: string, folder: 'x509' | 'x509ca' = 'x509'): Certificate | undefined {
    const files = folder === 'x509' ? this.certificateFiles : this.authorityFiles;
    const wanted = isAbsolute(nameOrFile)
      ? normalize(nameOrFile)
      : normalize(nameOrFile).replace(/^\.\//, '');
    return files.find((f) => (isAbsolute(nameOrFile) ? f.path === wanted : f.name === wanted))?.value;
  }

  /** Every certificate, anchors after the others, with the folder it came from (for listings). */
  listing(): { readonly folder: 'x509' | 'x509ca'; readonly file: Loaded<Certificate> }[] {
    return [
      ...this.certificateFiles.map((file) => ({ folder: 'x509' as const, file })),
      ...this.authorityFiles.map((file) => ({ folder: 'x509ca' as const, file })),
    ];
  }
}

/** A private key entry for a key object. */
export function privateKeyEntry(key: KeyObject): PrivateKeyEntry {
  return { key, ...describeKey(key) };
}

/** Relative name of a file inside a folder, with forward slashes. */
export function nameIn(folder: string, path: string): string {
  return relative(folder, path).split('\\').join('/');
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}
