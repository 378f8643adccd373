/**
 * Certificates made in the tests with the `openssl` command (keys from node:crypto), and a test
 * implementation of the engine's Phase1Credentials over node:crypto's X509Certificate: chains to
 * the connection's `cacerts`, validity dates, and the ID against subjectAltName or the subject.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentificationData } from '../../src/codec/index.js';
import type { ConnectionConfig } from '../../src/config/swanctl.js';
import type {
  CertificateFailure,
  LocalCredential,
  PeerVerification,
  Phase1Credentials,
} from '../../src/ikev1/phase1/auth/credentials.js';

export type TestKeyType = 'rsa' | 'ec256' | 'ec384' | 'ec521' | 'dsa';

export interface TestCert {
  readonly name: string;
  readonly der: Buffer;
  readonly pem: string;
  readonly key: KeyObject;
  readonly x509: X509Certificate;
  readonly subjectDer: Buffer;
}

let dir: string | undefined;
function workDir(): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'ikets-test-pki-'));
    dir = made;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}

let counter = 0;

function newKey(type: TestKeyType): KeyObject {
  switch (type) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey;
    default:
      return generateKeyPairSync('ec', { namedCurve: `P-${type.slice(2)}` }).privateKey;
  }
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

export interface CertOptions {
  readonly keyType?: TestKeyType;
  /** Signed by this CA; self-signed when absent. */
  readonly issuer?: TestCert;
  readonly ca?: boolean;
  /** subjectAltName entries (`DNS:a.test`, `email:x@y`, `IP:192.0.2.1`). */
  readonly san?: readonly string[];
  readonly days?: number;
}

/** A certificate with subject `/CN=name`, made by openssl. */
export function makeCert(name: string, o: CertOptions = {}): TestCert {
  const d = workDir();
  const id = `${++counter}`;
  const key = newKey(o.keyType ?? 'rsa');
  const keyFile = join(d, `${id}.key`);
  writeFileSync(keyFile, key.export({ format: 'pem', type: 'pkcs8' }));
  const ext = join(d, `${id}.ext`);
  const lines = o.ca
    ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
    : ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature'];
  if (o.san !== undefined && o.san.length > 0) lines.push(`subjectAltName=${o.san.join(',')}`);
  lines.push('subjectKeyIdentifier=hash');
  writeFileSync(ext, `${lines.join('\n')}\n`);
  const out = join(d, `${id}.pem`);
  const days = String(o.days ?? 3650);
  if (o.issuer === undefined) {
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-subj',
      `/CN=${name}`,
      '-days',
      days,
      '-sha256',
      '-extensions',
      'v3',
      '-config',
      configWith(ext),
      '-out',
      out,
    ]);
  } else {
    const csr = join(d, `${id}.csr`);
    const caKey = join(d, `${id}.ca.key`);
    const caCert = join(d, `${id}.ca.pem`);
    writeFileSync(caKey, o.issuer.key.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(caCert, o.issuer.pem);
    openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-out', csr]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-set_serial',
      id,
      '-days',
      days,
      '-sha256',
      '-extfile',
      ext,
      '-out',
      out,
    ]);
  }
  const pem = execFileSync('cat', [out]).toString();
  const x509 = new X509Certificate(pem);
  return { name, der: x509.raw, pem, key, x509, subjectDer: subjectOf(x509.raw) };
}

function configWith(ext: string): string {
  const file = `${ext}.cnf`;
  writeFileSync(file, `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${execFileSync('cat', [ext]).toString()}`);
  return file;
}

/** DER element at `offset`: where its contents start and end. */
function element(b: Buffer, offset: number): { start: number; end: number } {
  let length = b[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (b[start + i] ?? 0);
    start += n;
  }
  return { start, end: start + length };
}

/** The subject Name (DER) of a certificate: TBSCertificate's sixth field (fifth without a version). */
function subjectOf(der: Buffer): Buffer {
  const tbs = element(der, element(der, 0).start);
  let at = tbs.start;
  if (der[at] === 0xa0) at = element(der, at).end;
  for (let i = 0; i < 4; i++) at = element(der, at).end; // serial, signature, issuer, validity
  return der.subarray(at, element(der, at).end);
}

/** The engine's credentials over test certificates; `epoch` maps engine time 0 to a date. */
export function testCredentials(o: {
  readonly local?: Readonly<Record<string, { cert: TestCert; chain?: readonly TestCert[] }>>;
  /** Trust anchors by file name (a connection's `cacerts` names them); all of them without `cacerts`. */
  readonly anchors?: Readonly<Record<string, TestCert>>;
  readonly epoch?: number;
  /** The peer's certificates by file name (a connection's `remote.certs`), for SKEME PKE. */
  readonly peers?: Readonly<Record<string, TestCert>>;
  /** The peer's raw public keys by file name (a connection's `remote.pubkeys`). */
  readonly pubkeys?: Readonly<Record<string, KeyObject>>;
}): Phase1Credentials {
  const epoch = o.epoch ?? Date.now();
  const anchorsOf = (c: ConnectionConfig): TestCert[] => {
    const all = o.anchors ?? {};
    if (c.remote.cacerts.length === 0) return Object.values(all);
    return c.remote.cacerts.flatMap((f) => (all[f] === undefined ? [] : [all[f]]));
  };
  return {
    peerPublicKeys: (c) => [
      ...c.remote.certs.flatMap((f) => {
        const cert = o.peers?.[f];
        return cert === undefined
          ? []
          : [{ publicKey: cert.x509.publicKey, certificate: cert.der, description: f }];
      }),
      ...c.remote.pubkeys.flatMap((f) => {
        const key = o.pubkeys?.[f];
        return key === undefined ? [] : [{ publicKey: key, certificate: undefined, description: f }];
      }),
    ],
    local(c): LocalCredential | undefined {
      const mine = o.local?.[c.local.certs[0] ?? ''];
      if (mine === undefined) return undefined;
      return {
        privateKey: mine.cert.key,
        certificates: [mine.cert.der, ...(mine.chain ?? []).map((x) => x.der)],
        subjectDer: mine.cert.subjectDer,
        subject: mine.cert.x509.subject.replace(/\n/g, ', '),
      };
    },
    certificateAuthorities: (c) => anchorsOf(c).map((a) => a.subjectDer),
    verifyPeer(c, peer): PeerVerification {
      const refuse = (failure: CertificateFailure, detail: string): PeerVerification => ({
        ok: false,
        failure,
        detail,
      });
      if (peer.certificates.length === 0) return refuse('no-certificate', 'the peer sent no certificate');
      let certs: X509Certificate[];
      try {
        certs = peer.certificates.map((der) => new X509Certificate(Buffer.from(der)));
      } catch (error) {
        return refuse('malformed', (error as Error).message);
      }
      const now = new Date(epoch + peer.now);
      const [end, ...rest] = certs;
      if (end === undefined) return refuse('no-certificate', 'none');
      let current = end;
      const chain = [end];
      for (let depth = 0; depth < 6; depth++) {
        const anchor = anchorsOf(c).find(
          (a) => current.checkIssued(a.x509) && current.verify(a.x509.publicKey),
        );
        if (anchor !== undefined) {
          chain.push(anchor.x509);
          for (const x of chain)
            if (now < new Date(x.validFrom) || now > new Date(x.validTo))
              return refuse('expired', `'${x.subject}' is valid ${x.validFrom} to ${x.validTo}`);
          if (!matches(end, peer.id))
            return refuse('identity-mismatch', `the certificate of '${end.subject}' does not name the ID`);
          return { ok: true, publicKey: end.publicKey, subject: end.subject.replace(/\n/g, ', ') };
        }
        const next = rest.find((x) => current.checkIssued(x) && current.verify(x.publicKey));
        if (next === undefined) break;
        chain.push(next);
        current = next;
      }
      return refuse('untrusted', `no chain from '${end.subject}' to a trusted CA`);
    },
  };
}

function matches(cert: X509Certificate, id: IdentificationData): boolean {
  switch (id.kind) {
    case 'ID_FQDN':
      return cert.checkHost(id.name, { subject: 'never' }) !== undefined;
    case 'ID_USER_FQDN':
      return cert.checkEmail(id.name, { subject: 'never' }) !== undefined;
    case 'ID_IPV4_ADDR':
    case 'ID_IPV6_ADDR':
      return cert.checkIP(id.address) !== undefined;
    case 'ID_DER_ASN1_DN':
      return Buffer.from(id.data).equals(subjectOf(cert.raw));
    default:
      return false;
  }
}
