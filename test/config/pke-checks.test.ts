/**
 * Issue 9: `auth = pke` / `pke-revised` checked when the configuration and the credentials are
 * loaded: the peer's key must be configured (a ConfigError otherwise), and the keys it names must be
 * loaded and RSA, ours with its private key (a warning naming swanctl.conf:line otherwise).
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, parseSwanctlConfig } from '../../src/config/swanctl.js';
import { credentialWarnings, loadCredentials } from '../../src/pki/index.js';
import { TestPki } from '../pki/openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());

const ca = pki.issue('ca', { subject: '/C=CH/O=ikets/CN=PKE CA', ca: true, keyType: 'ec256' });
const moon = pki.issue('moon', { subject: '/C=CH/O=ikets/CN=moon', keyType: 'rsa' }, ca);
const sun = pki.issue('sun', { subject: '/C=CH/O=ikets/CN=sun', keyType: 'rsa' }, ca);
const mars = pki.issue('mars', { subject: '/C=CH/O=ikets/CN=mars', keyType: 'ec256' }, ca);
const pssKey = join(pki.dir, 'pss.key');
pki.openssl('genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pssKey);
const pss = join(pki.dir, 'pss.crt');
pki.openssl('req', '-new', '-x509', '-key', pssKey, '-subj', '/CN=pss', '-days', '30', '-out', pss);

const pub = (key: string, name: string) => {
  const out = join(pki.dir, name);
  pki.openssl('pkey', '-in', key, '-pubout', '-out', out);
  return out;
};

/** A swanctl folder: moon is us (RSA, with key), sun the peer; mars (ECDSA) and pss as wrong keys. */
const dir = join(pki.dir, 'swanctl');
for (const f of ['x509', 'pubkey', 'private']) mkdirSync(join(dir, f), { recursive: true });
for (const c of [moon, sun, mars]) copyFileSync(c.cert, join(dir, 'x509', `${c.name}.crt`));
copyFileSync(pss, join(dir, 'x509', 'pss.crt'));
for (const [key, name] of [
  [moon.key, 'moon.key'],
  [mars.key, 'mars.key'],
  [pssKey, 'pss.key'],
] as const) {
  copyFileSync(key, join(dir, 'private', name));
  chmodSync(join(dir, 'private', name), 0o600);
}
pub(sun.key, 'sun.pem');
copyFileSync(join(pki.dir, 'sun.pem'), join(dir, 'pubkey', 'sun.pem'));
copyFileSync(pub(mars.key, 'mars.pem'), join(dir, 'pubkey', 'mars.pem'));
const credentials = loadCredentials(dir);

/** One connection `gw` (line 2; local at line 3, remote at line 7). */
const conf = (auth: string, local: string, remote: string) => `connections {
  gw {
    local {
      auth = ${auth}
      ${local}
    }
    remote {
      auth = ${auth}
      ${remote}
    }
  }
}
`;
const warnings = (text: string) =>
  credentialWarnings(parseSwanctlConfig(text, 'test.conf'), credentials, '/etc/swanctl/swanctl.conf').map(
    (w) => `${w.connection}: ${w.message}`,
  );

function configError(text: string): string {
  try {
    parseSwanctlConfig(text, 'test.conf');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  assert.fail('no ConfigError');
}

describe('auth = pke in swanctl.conf', () => {
  it("a remote without the peer's key is a ConfigError naming file:line", () => {
    for (const auth of ['pke', 'pke-revised'])
      assert.equal(
        configError(conf(auth, 'certs = moon.crt', 'id = sun')),
        `test.conf:7: 'remote' with 'auth = ${auth}' needs the peer's public key in advance: 'certs' (a file in x509/) or 'pubkeys' (a file in pubkey/)`,
      );
    assert.equal(
      configError(conf('pke', '', 'pubkeys = sun.pem')),
      "test.conf:3: 'local' with 'auth = pke' needs 'certs' (a file in x509/)",
    );
    assert.equal(
      configError(conf('pubkey', 'certs = moon.crt', 'pubkeys = sun.pem')),
      "test.conf:9: pubkeys: raw public keys need 'auth = pke' or 'pke-revised'",
    );
    const parsed = parseSwanctlConfig(conf('pke-revised', 'certs = moon.crt', 'pubkeys = sun.pem, b.pem'));
    const gw = parsed.connections[0] ?? assert.fail();
    assert.deepEqual(
      [gw.local.auth, gw.remote.auth, gw.remote.pubkeys],
      ['pke-revised', 'pke-revised', ['sun.pem', 'b.pem']],
    );
    assert.deepEqual([gw.local.line, gw.remote.line], [3, 7]);
  });

  it('no warning when our RSA certificate, its key and an RSA key of the peer are loaded', () => {
    assert.deepEqual(warnings(conf('pke', 'certs = moon.crt', 'pubkeys = sun.pem')), []);
    assert.deepEqual(warnings(conf('pke-revised', 'certs = moon.crt', 'certs = sun.crt')), []);
    // One usable key among several is enough; the others are still named.
    assert.deepEqual(warnings(conf('pke', 'certs = moon.crt', 'certs = sun.crt\n pubkeys = mars.pem')), [
      "gw: /etc/swanctl/swanctl.conf:7: remote pubkeys = mars.pem: auth = pke needs the peer's RSA key (RFC 2409 section 5.2 encrypts with RSA PKCS#1), this is an ECDSA 256 bits key",
    ]);
  });

  it("the peer's key missing or not RSA", () => {
    const none =
      'no RSA public key of the peer is loaded: every auth = pke exchange of this connection will fail';
    assert.deepEqual(warnings(conf('pke', 'certs = moon.crt', 'pubkeys = venus.pem\n certs = venus.crt')), [
      'gw: /etc/swanctl/swanctl.conf:7: remote certs = venus.crt: no such certificate was loaded from x509/',
      'gw: /etc/swanctl/swanctl.conf:7: remote pubkeys = venus.pem: no such public key was loaded from pubkey/',
      `gw: /etc/swanctl/swanctl.conf:7: ${none}`,
    ]);
    assert.deepEqual(warnings(conf('pke', 'certs = moon.crt', 'certs = mars.crt')), [
      "gw: /etc/swanctl/swanctl.conf:7: remote certs = mars.crt: auth = pke needs the peer's RSA key (RFC 2409 section 5.2 encrypts with RSA PKCS#1), this is an ECDSA 256 bits key",
      `gw: /etc/swanctl/swanctl.conf:7: ${none}`,
    ]);
    assert.match(
      warnings(conf('pke-revised', 'certs = moon.crt', 'certs = pss.crt'))[0] ?? '',
      /remote certs = pss\.crt: auth = pke-revised needs the peer's RSA key .*, this is an RSA-PSS key, which only signs$/,
    );
  });

  it('our certificate missing, not RSA, or without its private key', () => {
    assert.deepEqual(warnings(conf('pke', 'certs = venus.crt', 'pubkeys = sun.pem')), [
      'gw: /etc/swanctl/swanctl.conf:3: local certs = venus.crt: no such certificate was loaded from x509/; auth = pke cannot work',
    ]);
    assert.deepEqual(warnings(conf('pke', 'certs = mars.crt', 'pubkeys = sun.pem')), [
      "gw: /etc/swanctl/swanctl.conf:3: local certs = mars.crt: auth = pke needs an RSA key (RFC 2409 section 5.2 encrypts with RSA PKCS#1), 'C=CH, O=ikets, CN=mars' holds an ECDSA 256 bits key",
    ]);
    assert.match(
      warnings(conf('pke', 'certs = pss.crt', 'pubkeys = sun.pem'))[0] ?? '',
      /local certs = pss\.crt: .*'CN=pss' holds an RSA-PSS key, which only signs$/,
    );
    assert.deepEqual(warnings(conf('pke-revised', 'certs = sun.crt', 'certs = moon.crt')), [
      "gw: /etc/swanctl/swanctl.conf:3: local certs = sun.crt: no private key in private/, rsa/ or ecdsa/ matches 'C=CH, O=ikets, CN=sun'; auth = pke-revised needs it to decrypt the peer's nonce and ID",
    ]);
  });

  it('other methods are left to their own checks', () => {
    assert.deepEqual(warnings(conf('pubkey', 'certs = venus.crt', 'id = sun')), []);
    assert.deepEqual(warnings(conf('psk', 'id = moon', 'id = sun')), []);
  });
});
