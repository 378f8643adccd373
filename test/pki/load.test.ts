import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCredentials, PkiError } from '../../src/pki/index.js';
import { TestPki } from './openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());

const ca = pki.issue('ca', { subject: '/C=CH/O=ikets/CN=Load CA', ca: true, keyType: 'rsa' });
const moon = pki.issue('moon', { subject: '/C=CH/O=ikets/CN=moon', keyType: 'rsa', san: 'DNS:moon' }, ca);
const sun = pki.issue('sun', { subject: '/C=CH/O=ikets/CN=sun', keyType: 'ec384' }, ca);
const venus = pki.issue('venus', { subject: '/C=CH/O=ikets/CN=venus', keyType: 'dsa' }, ca);
const mars = pki.issue('mars', { subject: '/C=CH/O=ikets/CN=mars', keyType: 'ec256' }, ca);

/** A swanctl folder with keys in each accepted form. */
function swanctl(name: string): string {
  const dir = join(pki.dir, name);
  for (const f of ['x509', 'x509ca', 'x509crl', 'private', 'rsa', 'ecdsa'])
    mkdirSync(join(dir, f), { recursive: true });
  copyFileSync(ca.cert, join(dir, 'x509ca', 'ca.crt'));
  for (const c of [moon, sun, venus, mars]) copyFileSync(c.cert, join(dir, 'x509', `${c.name}.crt`));
  pki.openssl('x509', '-in', sun.cert, '-outform', 'DER', '-out', join(dir, 'x509', 'sun.der'));
  writeFileSync(join(dir, 'x509crl', 'ca.crl'), pki.crl(ca, [venus]));
  const key = (file: string, ...args: string[]) => {
    pki.openssl(...args, '-out', join(dir, file));
    chmodSync(join(dir, file), 0o600);
  };
  key('rsa/moon.pem', 'rsa', '-in', moon.key, '-traditional'); // PKCS#1 "RSA PRIVATE KEY"
  key('ecdsa/sun.der', 'ec', '-in', sun.key, '-outform', 'DER'); // SEC1 DER
  key('private/venus.pem', 'dsa', '-in', venus.key); // traditional "DSA PRIVATE KEY"
  key('private/mars.p8', 'pkcs8', '-topk8', '-nocrypt', '-in', mars.key, '-outform', 'DER'); // PKCS#8 DER
  return dir;
}

describe('loadCredentials (swanctl folders)', () => {
  it('loads certificates, anchors, CRLs and keys of every form', () => {
    const creds = loadCredentials(swanctl('all'));
    assert.deepEqual(
      creds.certificateFiles.map((f) => f.name),
      ['mars.crt', 'moon.crt', 'sun.crt', 'sun.der', 'venus.crt'],
    );
    assert.deepEqual(
      creds.authorities.map((c) => c.subject),
      ['C=CH, O=ikets, CN=Load CA'],
    );
    assert.equal(creds.crls.length, 1);
    assert.deepEqual(creds.privateKeyFiles.map((f) => `${f.name}:${f.value.keyType}`).sort(), [
      'mars.p8:ecdsa',
      'moon.pem:rsa',
      'sun.der:ecdsa',
      'venus.pem:dsa',
    ]);
    for (const name of ['moon.crt', 'sun.crt', 'venus.crt', 'mars.crt']) {
      const cert = creds.findCertificate(name);
      assert.ok(cert, name);
      const key = creds.privateKeyFor(cert);
      assert.ok(key, `the key of ${name}`);
      assert.equal(key.asymmetricKeyType, cert.publicKey.asymmetricKeyType);
    }
    assert.equal(creds.findCertificate('ca.crt', 'x509ca')?.subject, 'C=CH, O=ikets, CN=Load CA');
    assert.equal(creds.findCertificate('ca.crt'), undefined, 'cacerts are looked up in x509ca/ only');
    assert.equal(creds.privateKeyFor(creds.authorities[0] ?? assert.fail()), undefined);
    const abs = join(pki.dir, 'all', 'x509', 'moon.crt');
    assert.equal(creds.findCertificate(abs)?.subject, 'C=CH, O=ikets, CN=moon');
  });

  it('takes missing folders as empty, and skips hidden files', () => {
    const dir = join(pki.dir, 'empty');
    mkdirSync(join(dir, 'x509'), { recursive: true });
    writeFileSync(join(dir, 'x509', '.gitkeep'), '');
    const creds = loadCredentials(dir);
    assert.equal(creds.certificates.length + creds.authorities.length + creds.privateKeys.length, 0);
  });

  it('refuses a private key others may read, naming the file and the fix', () => {
    const dir = swanctl('open-key');
    const file = join(dir, 'private', 'venus.pem');
    chmodSync(file, 0o644);
    assert.throws(
      () => loadCredentials(dir),
      (e: unknown) =>
        e instanceof PkiError &&
        e.code === 'ERR_PKI_KEY_PERMISSIONS' &&
        e.message.includes(file) &&
        e.message.includes(`chmod 600 ${file}`) &&
        !e.message.includes('\n'),
    );
    chmodSync(file, 0o640);
    assert.throws(() => loadCredentials(dir), /accessible by group or others \(mode 0640\)/);
  });

  it('refuses files that are not what their folder holds, naming them', () => {
    const dir = swanctl('bad-files');
    writeFileSync(join(dir, 'x509', 'notes.txt'), 'not a certificate');
    assert.throws(
      () => loadCredentials(dir),
      (e: unknown) =>
        e instanceof PkiError && e.code === 'ERR_PKI_CERTIFICATE' && e.message.includes('notes.txt'),
    );
    const dir2 = swanctl('wrong-key-type');
    copyFileSync(join(dir2, 'private', 'venus.pem'), join(dir2, 'rsa', 'venus.pem'));
    chmodSync(join(dir2, 'rsa', 'venus.pem'), 0o600);
    assert.throws(() => loadCredentials(dir2), /a dsa key in rsa\//);
  });
});
