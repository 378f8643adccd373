// A throwaway test PKI made with strongSwan's `pki`: one CA and an RSA certificate per host.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir, untrackDir } from './cleanup.js';
import { run } from './proc.js';

export interface HostCredentials {
  /** Subject DN, e.g. `CN=a.ikets.test`. */
  readonly dn: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestPki {
  readonly caPem: string;
  readonly hosts: Readonly<Record<string, HostCredentials>>;
}

/**
 * Creates a CA (`CN=ikets Test CA`) and, per host name, an RSA key and a certificate with
 * `CN=<host>` and subjectAltName `<host>`. Everything happens in a temp dir that is removed.
 */
export async function makeTestPki(hostNames: readonly string[], keyBits = 2048): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'ikets-pki-'));
  trackDir(dir);
  try {
    // keep pki from loading every plugin under /etc (the tpm plugin prints noise)
    const conf = join(dir, 'strongswan.conf');
    writeFileSync(
      conf,
      'pki { load = random nonce drbg gmp openssl pem pkcs1 pkcs8 x509 pubkey sha1 sha2 aes hmac }\n',
    );
    const env = { ...process.env, STRONGSWAN_CONF: conf };
    const pki = async (args: string[]): Promise<Buffer> => {
      const out = join(dir, 'out');
      // pki writes to stdout; go through a file so binary-safe and no shell is needed
      await run('sh', ['-c', 'exec pki "$@" > "$0"', out, ...args], { env });
      return readFileSync(out);
    };
    const caKey = join(dir, 'ca.key');
    const caCert = join(dir, 'ca.crt');
    writeFileSync(
      caKey,
      await pki(['--gen', '--type', 'rsa', '--size', String(keyBits), '--outform', 'pem']),
    );
    writeFileSync(
      caCert,
      await pki([
        '--self',
        '--ca',
        '--lifetime',
        '3650',
        '--in',
        caKey,
        '--type',
        'rsa',
        '--dn',
        'CN=ikets Test CA',
        '--outform',
        'pem',
      ]),
    );
    const hosts: Record<string, HostCredentials> = {};
    for (const host of hostNames) {
      const key = join(dir, `${host}.key`);
      const req = join(dir, `${host}.req`);
      const dn = `CN=${host}`;
      writeFileSync(
        key,
        await pki(['--gen', '--type', 'rsa', '--size', String(keyBits), '--outform', 'pem']),
      );
      writeFileSync(
        req,
        await pki(['--req', '--type', 'priv', '--in', key, '--dn', dn, '--san', host, '--outform', 'pem']),
      );
      const cert = await pki([
        '--issue',
        '--cacert',
        caCert,
        '--cakey',
        caKey,
        '--type',
        'pkcs10',
        '--in',
        req,
        '--lifetime',
        '3650',
        '--flag',
        'serverAuth',
        '--flag',
        'ikeIntermediate',
        '--outform',
        'pem',
      ]);
      hosts[host] = { dn, certPem: cert.toString('utf8'), keyPem: readFileSync(key, 'utf8') };
    }
    return { caPem: readFileSync(caCert, 'utf8'), hosts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    untrackDir(dir);
  }
}
