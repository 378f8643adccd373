/**
 * The credentials loaded from swanctl's folders (load.ts reads them): our and peers' certificates
 * (x509/), trust anchors (x509ca/), CRLs (x509crl/), private keys (private/, rsa/, ecdsa/) and the
 * peers' raw public keys (pubkey/).
 * Immutable; a reload builds a new set.
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { isAbsolute, normalize, relative } from 'node:path';
import { type Certificate, describeKey, type KeyType } from './certificate.js';
import type { Crl } from './crl.js';
import type { PublicKeyEntry } from './public-key.js';

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
export type CredentialFolder = 'x509' | 'x509ca' | 'x509crl' | 'private' | 'rsa' | 'ecdsa' | 'pubkey';

export class CredentialSet {
  constructor(
    readonly certificateFiles: readonly Loaded<Certificate>[],
    readonly authorityFiles: readonly Loaded<Certificate>[],
    readonly crlFiles: readonly Loaded<Crl>[],
    readonly privateKeyFiles: readonly Loaded<PrivateKeyEntry>[],
    /** Raw public keys (pubkey/): peers' keys for `remote.pubkeys` (SKEME PKE, RFC 2409 section 5.2). */
    readonly publicKeyFiles: readonly Loaded<PublicKeyEntry>[] = [],
  ) {}

  static empty(): CredentialSet {
    return new CredentialSet([], [], [], [], []);
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

  /**
   * The private key whose public half is the certificate's (or the public key's), compared as
   * SubjectPublicKeyInfo DER.
   */
  privateKeyFor(cert: Certificate | KeyObject): KeyObject | undefined {
    const want = spki(cert instanceof KeyObject ? cert : cert.publicKey);
    return this.privateKeyFiles.find((f) => spki(createPublicKey(f.value.key)).equals(want))?.value.key;
  }

  /**
   * The certificate swanctl.conf names: `certs = moon.crt` names a file in x509/, `cacerts = ca.crt`
   * one in x509ca/ (relative to the folder, or an absolute path of a loaded file).
   */
  findCertificate(nameOrFile: string, folder: 'x509' | 'x509ca' = 'x509'): Certificate | undefined {
    return find(folder === 'x509' ? this.certificateFiles : this.authorityFiles, nameOrFile)?.value;
  }

  /** The raw public key `pubkeys = peer.pem` names: a file in pubkey/ (relative, or an absolute path). */
  findPublicKey(nameOrFile: string): PublicKeyEntry | undefined {
    return find(this.publicKeyFiles, nameOrFile)?.value;
  }

  /** Every certificate, anchors after the others, with the folder it came from (for listings). */
  listing(): { readonly folder: 'x509' | 'x509ca'; readonly file: Loaded<Certificate> }[] {
    return [
      ...this.certificateFiles.map((file) => ({ folder: 'x509' as const, file })),
      ...this.authorityFiles.map((file) => ({ folder: 'x509ca' as const, file })),
    ];
  }
}

/** The loaded file a swanctl.conf value names: relative to its folder, or an absolute path. */
function find<T>(files: readonly Loaded<T>[], nameOrFile: string): Loaded<T> | undefined {
  const absolute = isAbsolute(nameOrFile);
  const wanted = absolute ? normalize(nameOrFile) : normalize(nameOrFile).replace(/^\.\//, '');
  return files.find((f) => (absolute ? f.path === wanted : f.name === wanted));
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
