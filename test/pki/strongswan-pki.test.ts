/**
 * Certificates and CRLs made by strongSwan's own `pki` tool (as /work/shared/interop/gen-certs.sh and
 * strongSwan's documentation make them) read, chained and matched as charon would.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseIdentity } from '../../src/config/identity.js';
import {
  type Certificate,
  certificateMatchesIdentity,
  parseCertificate,
  parseCrl,
  verifyChain,
} from '../../src/pki/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ikets-swpki-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const conf = join(dir, 'pki.conf');
writeFileSync(conf, 'pki { load = random nonce drbg gmp openssl pem pkcs1 pkcs8 x509 pubkey sha1 sha2 }\n');

function pki(args: string[], input?: Buffer): Buffer {
  return execFileSync('pki', args, {
    env: { ...process.env, STRONGSWAN_CONF: conf },
    input,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
}

function file(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

const caKey = file('ca.key', pki(['--gen', '--type', 'rsa', '--size', '2048', '--outform', 'pem']));
const caCrt = file(
  'ca.crt',
  pki([
    '--self',
    '--ca',
    '--lifetime',
    '3650',
    '--in',
    caKey,
    '--type',
    'rsa',
    '--dn',
    'C=CH, O=strongSwan, CN=strongSwan Root CA',
    '--outform',
    'pem',
  ]),
);

function issue(
  name: string,
  dn: string,
  type: 'rsa' | 'ecdsa',
  extra: string[],
  issuerCrt = caCrt,
  issuerKey = caKey,
) {
  const key = file(
    `${name}.key`,
    pki(['--gen', '--type', type, ...(type === 'ecdsa' ? ['--size', '384'] : []), '--outform', 'pem']),
  );
  const pub = pki(['--pub', '--in', key, '--type', type]);
  const crt = file(
    `${name}.crt`,
    pki(
      ['--issue', '--cacert', issuerCrt, '--cakey', issuerKey, '--dn', dn, '--outform', 'pem', ...extra],
      pub,
    ),
  );
  return { key, crt, cert: parseCertificate(readFileSync(crt)) };
}

const sub = issue('sub', 'C=CH, O=strongSwan, CN=strongSwan Sub CA', 'ecdsa', ['--ca', '--pathlen', '0']);
const moon = issue('moon', 'C=CH, O=strongSwan, CN=moon.strongswan.org', 'rsa', [
  '--san',
  'moon.strongswan.org',
  '--san',
  '192.168.0.1',
  '--flag',
  'serverAuth',
  '--crl',
  'http://crl.strongswan.org/strongswan.crl',
]);
const carol = issue(
  'carol',
  'C=CH, O=strongSwan, CN=carol@strongswan.org',
  'ecdsa',
  ['--san', 'carol@strongswan.org'],
  sub.crt,
  sub.key,
);
const root: Certificate = parseCertificate(readFileSync(caCrt));
const crl = parseCrl(
  pki(['--signcrl', '--cacert', caCrt, '--cakey', caKey, '--reason', 'key-compromise', '--cert', moon.crt]),
);

describe("certificates from strongSwan's pki", () => {
  it('reads them', () => {
    assert.equal(root.subject, 'C=CH, O=strongSwan, CN=strongSwan Root CA');
    assert.equal(root.isCa, true);
    assert.equal(sub.cert.pathLen, 0);
    assert.equal(sub.cert.curve, 'P-384');
    assert.deepEqual(moon.cert.altNames, { dns: ['moon.strongswan.org'], email: [], ip: ['192.168.0.1'] });
    assert.deepEqual(moon.cert.crlUris, ['http://crl.strongswan.org/strongswan.crl']);
    assert.deepEqual(carol.cert.altNames.email, ['carol@strongswan.org']);
  });

  it('chains them and matches identities as swanctl.conf writes them', () => {
    const r = verifyChain({
      end: carol.cert,
      intermediates: [sub.cert],
      anchors: [root],
      crls: [crl],
      now: new Date(),
      revocation: 'ifuri',
    });
    assert.ok(r.ok, r.ok ? '' : r.detail);
    const id = (t: string) => {
      const p = parseIdentity(t);
      assert.ok(typeof p !== 'string', p as string);
      return p;
    };
    assert.ok(certificateMatchesIdentity(moon.cert, id('C=CH, O=strongSwan, CN=moon.strongswan.org')));
    assert.ok(certificateMatchesIdentity(moon.cert, id('moon.strongswan.org')));
    assert.ok(certificateMatchesIdentity(moon.cert, id('192.168.0.1')));
    assert.ok(certificateMatchesIdentity(carol.cert, id('*@strongswan.org')));
    assert.ok(!certificateMatchesIdentity(carol.cert, id('moon.strongswan.org')));
  });

  it("honours its CRL: moon is revoked (key compromise), carol's sub CA has no CRL", () => {
    assert.equal(crl.revoked.get(moon.cert.serial)?.reason, 'keyCompromise');
    const r = verifyChain({
      end: moon.cert,
      intermediates: [],
      anchors: [root],
      crls: [crl],
      now: new Date(),
      revocation: 'relaxed',
    });
    assert.ok(!r.ok && r.code === 'revoked');
    const strict = verifyChain({
      end: carol.cert,
      intermediates: [sub.cert],
      anchors: [root],
      crls: [crl],
      now: new Date(),
      revocation: 'strict',
    });
    assert.ok(!strict.ok && strict.code === 'revocation-unknown', 'no CRL of the sub CA');
  });
});
