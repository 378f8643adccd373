/**
 * What the loaded credentials cannot do for the configuration as written, told at start and at
 * reload as the other configuration warnings are (src/config/warnings.ts), each naming the
 * swanctl.conf line of the `local`/`remote` section. For now: SKEME public-key encryption
 * (`auth = pke` / `pke-revised`, RFC 2409 sections 5.2 and 5.3), where every key must be RSA and
 * both must be at hand before the first message: ours (certificate and private key) to decrypt the
 * peer's nonce and ID, the peer's (a certificate in x509/ or a raw key in pubkey/) to encrypt ours.
 */
import type { KeyObject } from 'node:crypto';
import type { AuthRoundConfig, ConnectionConfig, IketsConfig } from '../config/swanctl.js';
import type { ConfigWarning } from '../config/warnings.js';
import { describeKey } from './certificate.js';
import type { CredentialSet } from './credentials.js';

const KEY_NAMES: Readonly<Record<string, string>> = { ecdsa: 'ECDSA', dsa: 'DSA', ed25519: 'Ed25519' };

/**
 * Why `key` cannot serve PKE, or undefined when it can: RSA PKCS#1 v1.5 encryption (RFC 2409 section
 * 5.2) needs an rsaEncryption key; an RSASSA-PSS key (id-RSASSA-PSS, RFC 4055) is for signatures only.
 */
export function pkeKeyProblem(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === 'rsa') return undefined;
  if (key.asymmetricKeyType === 'rsa-pss') return 'an RSA-PSS key, which only signs';
  const { keyType, keySize } = describeKey(key);
  return `a${keyType === 'ecdsa' ? 'n' : ''} ${KEY_NAMES[keyType] ?? keyType} ${keySize} bits key`;
}

/** The warnings for the connections of `config` that `credentials` leave unable to authenticate. */
export function credentialWarnings(
  config: IketsConfig,
  credentials: CredentialSet,
  file: string,
): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  for (const c of config.connections) {
    if (c.local.auth !== 'pke' && c.local.auth !== 'pke-revised') continue;
    const warn = (round: AuthRoundConfig, message: string) =>
      out.push({ connection: c.name, message: `${file}:${round.line ?? c.line}: ${message}` });
    for (const message of localProblems(c, credentials)) warn(c.local, message);
    for (const message of remoteProblems(c, credentials)) warn(c.remote, message);
  }
  return out;
}

function localProblems(c: ConnectionConfig, credentials: CredentialSet): string[] {
  const auth = `auth = ${c.local.auth}`;
  const [file] = c.local.certs;
  if (file === undefined) return [];
  const cert = credentials.findCertificate(file);
  if (cert === undefined)
    return [`local certs = ${file}: no such certificate was loaded from x509/; ${auth} cannot work`];
  const problem = pkeKeyProblem(cert.publicKey);
  if (problem !== undefined)
    return [
      `local certs = ${file}: ${auth} needs an RSA key (RFC 2409 section 5.2 encrypts with RSA PKCS#1), '${cert.subject}' holds ${problem}`,
    ];
  if (credentials.privateKeyFor(cert) === undefined)
    return [
      `local certs = ${file}: no private key in private/, rsa/ or ecdsa/ matches '${cert.subject}'; ${auth} needs it to decrypt the peer's nonce and ID`,
    ];
  return [];
}

function remoteProblems(c: ConnectionConfig, credentials: CredentialSet): string[] {
  const auth = `auth = ${c.remote.auth}`;
  const out: string[] = [];
  let usable = 0;
  const check = (what: string, key: KeyObject | undefined, missing: string) => {
    if (key === undefined) {
      out.push(`${what}: ${missing}`);
      return;
    }
    const problem = pkeKeyProblem(key);
    if (problem === undefined) usable++;
    else
      out.push(
        `${what}: ${auth} needs the peer's RSA key (RFC 2409 section 5.2 encrypts with RSA PKCS#1), this is ${problem}`,
      );
  };
  for (const file of c.remote.certs)
    check(
      `remote certs = ${file}`,
      credentials.findCertificate(file)?.publicKey,
      'no such certificate was loaded from x509/',
    );
  for (const file of c.remote.pubkeys)
    check(
      `remote pubkeys = ${file}`,
      credentials.findPublicKey(file)?.key,
      'no such public key was loaded from pubkey/',
    );
  if (usable === 0 && out.length > 0)
    out.push(`no RSA public key of the peer is loaded: every ${auth} exchange of this connection will fail`);
  return out;
}
