/** `ikets list-certs` against a daemon that loaded the swanctl folders beside its configuration. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DaemonService } from '../../src/daemon/index.js';
import {
  type CredentialListing,
  formatCredentialListing,
  loadCredentials,
  summarizeCredentials,
} from '../../src/pki/index.js';
import { ikets } from '../cli/run.js';
import { startFakeService } from '../daemon/helpers.js';
import { TestPki } from './openssl.js';

const pki = new TestPki();
const ca = pki.issue('ca', {
  subject: '/C=CH/O=ikets/CN=List CA',
  ca: true,
  pathLen: 0,
  keyType: 'ec384',
  serial: 1,
});
const moon = pki.issue(
  'moon',
  {
    subject: '/C=CH/O=ikets/CN=moon.example.com',
    keyType: 'rsa',
    san: 'DNS:moon.example.com,IP:192.0.2.1',
    crlUri: 'http://crl.example.com/list.crl',
    serial: 0x0a0b,
  },
  ca,
);

/** An expired self-signed certificate, made with strongSwan's pki (openssl 3.0 cannot back-date). */
function expiredByStrongswanPki(dir: string): string {
  const conf = join(pki.dir, 'pki.conf');
  writeFileSync(conf, 'pki { load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey sha1 sha2 }\n');
  const env = { ...process.env, STRONGSWAN_CONF: conf };
  const key = execFileSync('pki', ['--gen', '--type', 'ecdsa', '--size', '256'], { env });
  writeFileSync(join(pki.dir, 'old.key'), key);
  const args = ['--self', '--in', join(pki.dir, 'old.key'), '--type', 'ecdsa', '--dn', 'CN=old.example.com'];
  const dates = ['--not-before', '01.01.20 00:00:00', '--not-after', '01.01.21 00:00:00', '--outform', 'pem'];
  const out = join(dir, 'x509', 'old.crt');
  writeFileSync(out, execFileSync('pki', [...args, ...dates], { env }));
  return out;
}

describe('ikets list-certs', () => {
  let service: DaemonService;
  let control: string;
  let dir: string;
  const logs: string[] = [];

  before(async () => {
    ({ service, control, dir } = await startFakeService((line) => logs.push(line)));
    for (const f of ['x509', 'x509ca', 'x509crl', 'private']) mkdirSync(join(dir, f));
    copyFileSync(ca.cert, join(dir, 'x509ca', 'ca.pem'));
    copyFileSync(moon.cert, join(dir, 'x509', 'moon.pem'));
    copyFileSync(moon.key, join(dir, 'private', 'moon.key'));
    chmodSync(join(dir, 'private', 'moon.key'), 0o600);
    expiredByStrongswanPki(dir);
    writeFileSync(join(dir, 'x509crl', 'ca.crl'), pki.crl(ca, [moon], 24, 'superseded'));
    const reload = await ikets(['reload', '--control', control]);
    assert.equal(reload.status, 0, reload.stderr);
  });
  after(async () => {
    await service.stop();
    pki.cleanup();
  });

  it('shows the certificates as swanctl --list-certs does', async () => {
    const run = await ikets(['list-certs', '--control', control]);
    assert.equal(run.status, 0, run.stderr);
    const text = run.stdout;
    assert.match(
      text,
      /^\nList of X\.509 End Entity Certificates\n\n {2}subject: {2}"C=CH, O=ikets, CN=moon\.example\.com"\n/,
    );
    assert.match(text, /\n {2}issuer: {3}"C=CH, O=ikets, CN=List CA"\n/);
    assert.match(
      text,
      /\n {2}validity: {2}not before \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}, ok\n {13}not after {2}\w{3} \d\d [\d:]{8} UTC \d{4}, ok \(expires in 36[45] days\)\n/,
    );
    assert.match(text, /\n {2}serial: {4}0a:0b\n {2}altNames: {2}moon\.example\.com, 192\.0\.2\.1\n/);
    assert.match(text, /\n {2}CRL URIs: {2}http:\/\/crl\.example\.com\/list\.crl\n/);
    assert.match(text, /\n {2}pubkey: {4}RSA 2048 bits, has private key\n/);
    // The expired one, made by strongSwan's pki.
    assert.match(
      text,
      /subject: {2}"CN=old\.example\.com"\n.*\n {2}validity: {2}not before Jan 01 \d\d:00:00 UTC 2020, ok\n {13}not after {2}Jan 01 \d\d:00:00 UTC 2021, expired \(\d+ days ago\)\n/,
    );
    assert.match(text, /\n {2}pubkey: {4}ECDSA 256 bits\n/);
    // The CA after the end entities, with its flags and path length.
    const caPart = text.slice(text.indexOf('List of X.509 CA Certificates'));
    assert.match(caPart, /subject: {2}"C=CH, O=ikets, CN=List CA"\n/);
    assert.match(caPart, /\n {2}serial: {4}01\n {2}flags: {5}CA CRLSign self-signed\n {2}pathlen: {3}0\n/);
    assert.match(caPart, /\n {2}pubkey: {4}ECDSA 384 bits\n/);
    // The CRL.
    assert.match(
      text,
      /\nList of X\.509 CRLs\n\n {2}issuer: {3}"C=CH, O=ikets, CN=List CA"\n {2}update: {4}this on .*, ok\n {13}next on .*, ok \(expires in \d+ hours\)\n/,
    );
    assert.match(
      text,
      /\n {2}1 revoked certificate:\n {4}0a:0b: \w{3} \d\d [\d:]{8} UTC \d{4}, superseded\n/,
    );
    assert.doesNotMatch(text, /PRIVATE|BEGIN/);
  });

  it('gives JSON with --json', async () => {
    const run = await ikets(['list-certs', '--json', '--control', control]);
    assert.equal(run.status, 0, run.stderr);
    const listing = JSON.parse(run.stdout) as CredentialListing;
    assert.deepEqual(
      listing.certificates.map((c) => [c.kind, c.folder, c.file, c.keyType, c.keySize, c.hasPrivateKey]),
      [
        ['end-entity', 'x509', 'moon.pem', 'rsa', 2048, true],
        ['end-entity', 'x509', 'old.crt', 'ecdsa', 256, false],
        ['ca', 'x509ca', 'ca.pem', 'ecdsa', 384, false],
      ],
    );
    assert.deepEqual(listing.certificates[0]?.altNames, ['moon.example.com', '192.0.2.1']);
    assert.equal(listing.crls[0]?.revoked[0]?.serial, '0a:0b');
  });

  it('the daemon logs what it loaded, and keeps the old credentials when a reload is refused', async () => {
    assert.ok(
      logs.some((l) =>
        l.includes('loaded 2 certificate(s), 1 CA certificate(s), 1 CRL(s), 1 private key(s)'),
      ),
    );
    const key = join(dir, 'private', 'moon.key');
    chmodSync(key, 0o644);
    const reload = await ikets(['reload', '--control', control]);
    assert.equal(reload.status, 1);
    assert.match(
      reload.stderr,
      new RegExp(
        `private key ${key} is accessible by group or others \\(mode 0644\\); refused: run 'chmod 600 ${key}'`,
      ),
    );
    assert.equal(service.daemon.credentials.certificates.length, 2, 'the credentials in force are kept');
    chmodSync(key, 0o600);
  });

  it('ikets start refuses an open private key in one line, exit status 1', async () => {
    const key = join(dir, 'private', 'moon.key');
    chmodSync(key, 0o604);
    try {
      const run = await ikets([
        'start',
        '--config',
        join(dir, 'swanctl.conf'),
        '--port',
        '0',
        '--natt-port',
        '0',
        '--address',
        '127.0.0.1',
        '--dataplane',
        'none',
        '--control',
        join(dir, 'second.ctl'),
      ]);
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        `ikets: private key ${key} is accessible by group or others (mode 0604); refused: run 'chmod 600 ${key}'\n`,
      );
    } finally {
      chmodSync(key, 0o600);
    }
  });

  it('judges validity at the time given, as swanctl does', () => {
    const listing = summarizeCredentials(loadCredentials(dir));
    const early = formatCredentialListing(listing, Date.parse('2019-12-01T00:00:00Z'));
    assert.match(early, /not before Jan 01 \d\d:00:00 UTC 2020, not valid yet \(valid in 31 days\)/);
  });
});
