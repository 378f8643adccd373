/**
 * Reads swanctl's credential folders beside swanctl.conf, as `swanctl --load-creds` does: x509/,
 * x509ca/, x509crl/, private/ (any key type), rsa/, ecdsa/, pubkey/ (raw public keys). Files are PEM
 * or DER; private keys PKCS#8 or traditional (PKCS#1, SEC1, OpenSSL's DSA PEM); public keys
 * SubjectPublicKeyInfo. The only part of src/pki that touches the file
 * system; the daemon and the CLI call it. A file that is not what its folder holds is an error naming
 * the file (as an unknown key in swanctl.conf is), and so is a private key that others than its owner
 * may access (as ssh refuses one).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate } from './certificate.js';
import {
  type CredentialFolder,
  CredentialSet,
  type Loaded,
  nameIn,
  type PrivateKeyEntry,
  privateKeyEntry,
} from './credentials.js';
import { parseCrl } from './crl.js';
import { PkiError } from './errors.js';
import { isPem, pemBlocks } from './pem.js';
import { parsePublicKey } from './public-key.js';

/** Larger files are not credentials (a CRL of a big CA stays far below). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function loadCredentials(swanctlDir: string): CredentialSet {
  const certs = (folder: CredentialFolder) =>
    files(swanctlDir, folder).map((path) => load(swanctlDir, folder, path, parseCertificate));
  const keys = (folder: CredentialFolder) =>
    files(swanctlDir, folder).map((path) => load(swanctlDir, folder, path, (data) => readKey(data, folder)));
  return new CredentialSet(
    certs('x509'),
    certs('x509ca'),
    files(swanctlDir, 'x509crl').map((path) => load(swanctlDir, 'x509crl', path, parseCrl)),
    [...keys('private'), ...keys('rsa'), ...keys('ecdsa')],
    files(swanctlDir, 'pubkey').map((path) => load(swanctlDir, 'pubkey', path, parsePublicKey)),
  );
}

/** The regular files of a folder, sorted; none when the folder does not exist. */
function files(swanctlDir: string, folder: CredentialFolder): string[] {
  const dir = join(swanctlDir, folder);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PkiError('ERR_PKI_FILE', `cannot read ${dir}: ${(e as Error).message}`);
  }
  // Hidden files (.gitkeep, editor leftovers) are not credentials.
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

function load<T>(
  swanctlDir: string,
  folder: CredentialFolder,
  path: string,
  parse: (data: Uint8Array) => T,
): Loaded<T> {
  const stat = statSync(path);
  if (folder === 'private' || folder === 'rsa' || folder === 'ecdsa') checkKeyMode(path, stat.mode);
  if (stat.size > MAX_FILE_BYTES) {
    throw new PkiError('ERR_PKI_FILE', `${path}: larger than ${MAX_FILE_BYTES} bytes, not a credential`);
  }
  let data: Uint8Array;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new PkiError('ERR_PKI_FILE', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return { value: parse(data), path, name: nameIn(join(swanctlDir, folder), path) };
  } catch (e) {
    if (e instanceof PkiError) throw new PkiError(e.code, `${path}: ${e.message}`);
    throw e;
  }
}

/** ssh's rule (sshkey_perm_ok): no permission bit for group or others on a private key file. */
function checkKeyMode(path: string, mode: number): void {
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new PkiError(
      'ERR_PKI_KEY_PERMISSIONS',
      `private key ${path} is accessible by group or others (mode ${octal}); refused: run 'chmod 600 ${path}'`,
    );
  }
}

/** A private key from PEM (PKCS#8 or traditional) or DER (PKCS#8, PKCS#1 RSA, SEC1 EC). */
function readKey(data: Uint8Array, folder: CredentialFolder): PrivateKeyEntry {
  let key: KeyObject | undefined;
  if (isPem(data)) {
    if (pemBlocks(data).some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
      throw new PkiError(
        'ERR_PKI_PRIVATE_KEY',
        'encrypted private keys are not supported (no passphrase source)',
      );
    }
    key = attempt(() => createPrivateKey({ key: Buffer.from(data), format: 'pem' }));
  } else {
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      key ??= attempt(() => createPrivateKey({ key: Buffer.from(data), format: 'der', type }));
    }
  }
  if (key === undefined) throw new PkiError('ERR_PKI_PRIVATE_KEY', 'not a private key (PEM or DER)');
  const entry = privateKeyEntry(key);
  if ((folder === 'rsa' && entry.keyType !== 'rsa') || (folder === 'ecdsa' && entry.keyType !== 'ecdsa')) {
    throw new PkiError(
      'ERR_PKI_PRIVATE_KEY',
      `a ${entry.keyType} key in ${folder}/ (use private/ for any type)`,
    );
  }
  return entry;
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
