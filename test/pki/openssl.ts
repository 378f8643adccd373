// A small test PKI made with the openssl command line: keys of each type, CAs, intermediates, end
// entities with chosen extensions, and CRLs (openssl ca). Everything lives in one temporary folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestKeyType = 'rsa' | 'ec256' | 'ec384' | 'ec521' | 'dsa' | 'ed25519';

export interface Issued {
  readonly name: string;
  readonly key: string;
  readonly cert: string;
  readonly pem: Buffer;
}

export interface IssueOptions {
  readonly subject: string;
  readonly keyType?: TestKeyType;
  readonly ca?: boolean;
  readonly pathLen?: number;
  /** openssl keyUsage list, e.g. 'keyCertSign,cRLSign'; undefined: a sensible default; '': none. */
  readonly keyUsage?: string;
  /** openssl subjectAltName list, e.g. 'DNS:moon.example.com,IP:192.0.2.1'. */
  readonly san?: string;
  readonly crlUri?: string;
  readonly days?: number;
  /** Leave out the key identifiers, so issuers are found by name only. */
  readonly noKeyIds?: boolean;
  readonly serial?: number;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'ikets-pki-'));
  private serial = 0x1000;

  openssl(...args: string[]): string {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  }

  key(name: string, type: TestKeyType): string {
    const out = join(this.dir, `${name}.key`);
    switch (type) {
      case 'rsa':
        this.openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', out);
        break;
      case 'ed25519':
        this.openssl('genpkey', '-algorithm', 'ED25519', '-out', out);
        break;
      case 'dsa': {
        const params = join(this.dir, `${name}.dsaparam`);
        this.openssl(
          'genpkey',
          '-genparam',
          '-algorithm',
          'DSA',
          '-pkeyopt',
          'dsa_paramgen_bits:1024',
          '-out',
          params,
        );
        this.openssl('genpkey', '-paramfile', params, '-out', out);
        break;
      }
      default: {
        const curve = { ec256: 'P-256', ec384: 'P-384', ec521: 'P-521' }[type];
        this.openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', out);
      }
    }
    return out;
  }

  /** A certificate for `name`, self-signed when `issuer` is undefined. */
  issue(name: string, o: IssueOptions, issuer?: Issued): Issued {
    const key = this.key(name, o.keyType ?? 'ec256');
    const csr = join(this.dir, `${name}.csr`);
    const cert = join(this.dir, `${name}.crt`);
    const ext = join(this.dir, `${name}.ext`);
    const lines = ['[v3]'];
    if (o.ca)
      lines.push(
        `basicConstraints=critical,CA:TRUE${o.pathLen === undefined ? '' : `,pathlen:${o.pathLen}`}`,
      );
    const usage = o.keyUsage ?? (o.ca ? 'keyCertSign,cRLSign' : 'digitalSignature');
    if (usage !== '') lines.push(`keyUsage=critical,${usage}`);
    if (o.noKeyIds) {
      // OpenSSL 3 adds both identifiers unless told not to.
      lines.push('subjectKeyIdentifier=none', 'authorityKeyIdentifier=none');
    } else {
      lines.push('subjectKeyIdentifier=hash');
      if (issuer) lines.push('authorityKeyIdentifier=keyid');
    }
    if (o.san) lines.push(`subjectAltName=${o.san}`);
    if (o.crlUri) lines.push(`crlDistributionPoints=URI:${o.crlUri}`);
    writeFileSync(ext, `${lines.join('\n')}\n`);
    this.openssl('req', '-new', '-key', key, '-subj', o.subject, '-out', csr);
    const serial = String(o.serial ?? this.serial++);
    const common = [
      '-days',
      String(o.days ?? 365),
      '-set_serial',
      serial,
      '-extfile',
      ext,
      '-extensions',
      'v3',
    ];
    if (issuer) {
      this.openssl(
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        issuer.cert,
        '-CAkey',
        issuer.key,
        '-out',
        cert,
        ...common,
      );
    } else {
      this.openssl('x509', '-req', '-in', csr, '-signkey', key, '-out', cert, ...common);
    }
    return { name, key, cert, pem: readFileSync(cert) };
  }

  /** A CRL of `ca` revoking `revoked`, valid for `hours` (openssl ca's database in the folder). */
  crl(ca: Issued, revoked: readonly Issued[], hours = 24, reason?: string): Buffer {
    const db = join(this.dir, `${ca.name}.index`);
    writeFileSync(db, '');
    const cnf = join(this.dir, `${ca.name}.ca.cnf`);
    writeFileSync(cnf, `[ca]\ndefault_ca=d\n[d]\ndatabase=${db}\ndefault_md=sha256\n`);
    for (const r of revoked) {
      const args = ['ca', '-config', cnf, '-keyfile', ca.key, '-cert', ca.cert, '-revoke', r.cert];
      this.openssl(...args, ...(reason ? ['-crl_reason', reason] : []));
    }
    const out = join(this.dir, `${ca.name}.crl`);
    this.openssl(
      'ca',
      '-config',
      cnf,
      '-keyfile',
      ca.key,
      '-cert',
      ca.cert,
      '-gencrl',
      '-crlhours',
      String(hours),
      '-out',
      out,
    );
    return readFileSync(out);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
