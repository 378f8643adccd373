/**
 * swanctl's pubkey/ folder (issue 9): raw public keys as strongSwan reads them, `remote.pubkeys`
 * resolved by the daemon's credentials, and the keyid/subjkey strongSwan prints, checked against
 * digests computed by openssl.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { pkiCredentials } from '../../src/ikev1/phase1/auth/pki-credentials.js';
import { loadCredentials, PkiError, parsePublicKey } from '../../src/pki/index.js';
import { TestPki } from './openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());

const ca = pki.issue('ca', { subject: '/C=CH/O=ikets/CN=Pubkey CA', ca: true, keyType: 'ec256' });
const moon = pki.issue('moon', { subject: '/C=CH/O=ikets/CN=moon', keyType: 'rsa' }, ca);
const sunKey = pki.key('sun', 'rsa');
const marsKey = pki.key('mars', 'ec256');

/** `openssl pkey -pubout` of a private key, PEM or DER, written to `name` in the test folder. */
function pub(key: string, name: string, der = false): string {
  const out = join(pki.dir, name);
  pki.openssl('pkey', '-in', key, '-pubout', '-out', out, ...(der ? ['-outform', 'DER'] : []));
  return out;
}
const sunPem = pub(sunKey, 'sun.pub.pem');
const sunDer = pub(sunKey, 'sun.pub.der', true);
const marsPem = pub(marsKey, 'mars.pub.pem');
const sha1Hex = (data: Uint8Array) =>
  (createHash('sha1').update(data).digest('hex').match(/../g) ?? []).join(':');
const hex = (b: Uint8Array) => (Buffer.from(b).toString('hex').match(/../g) ?? []).join(':');

function refusal(data: Uint8Array | string): PkiError {
  try {
    parsePublicKey(typeof data === 'string' ? readFileSync(data) : data);
  } catch (e) {
    if (e instanceof PkiError) return e;
    throw e;
  }
  assert.fail('no PkiError');
}

describe('raw public keys (pubkey/)', () => {
  it('reads SubjectPublicKeyInfo in PEM and DER, RSA and ECDSA', () => {
    const pem = parsePublicKey(readFileSync(sunPem));
    const der = parsePublicKey(readFileSync(sunDer));
    assert.equal(pem.keyType, 'rsa');
    assert.equal(pem.keySize, 2048);
    assert.equal(pem.key.asymmetricKeyType, 'rsa');
    assert.deepEqual(pem.keyId, der.keyId);
    const mars = parsePublicKey(readFileSync(marsPem));
    assert.deepEqual([mars.keyType, mars.keySize, mars.curve], ['ecdsa', 256, 'P-256']);
  });

  it("gives strongSwan's keyid (SHA-1 of the SubjectPublicKeyInfo) and subjkey (SHA-1 of the key bits)", () => {
    const entry = parsePublicKey(readFileSync(sunPem));
    assert.equal(hex(entry.keyId), sha1Hex(readFileSync(sunDer)));
    // For RSA the subjectPublicKey bits are the PKCS#1 RSAPublicKey, as openssl writes it.
    const pkcs1 = join(pki.dir, 'sun.rsapub.der');
    pki.openssl('rsa', '-pubin', '-in', sunPem, '-RSAPublicKey_out', '-outform', 'DER', '-out', pkcs1);
    assert.equal(hex(entry.subjectKeyId), sha1Hex(readFileSync(pkcs1)));
    // For EC they are the uncompressed point, the last 65 bytes of a P-256 SubjectPublicKeyInfo.
    const marsDer = readFileSync(pub(marsKey, 'mars.pub.der', true));
    assert.equal(hex(parsePublicKey(marsDer).subjectKeyId), sha1Hex(marsDer.subarray(marsDer.length - 65)));
  });

  it('refuses a PKCS#1 RSAPublicKey as strongSwan does, telling how to convert it', () => {
    const pkcs1Pem = join(pki.dir, 'sun.rsapub.pem');
    pki.openssl('rsa', '-pubin', '-in', sunPem, '-RSAPublicKey_out', '-out', pkcs1Pem);
    const e = refusal(pkcs1Pem);
    assert.equal(e.code, 'ERR_PKI_PUBLIC_KEY');
    assert.match(e.message, /^a PKCS#1 RSA PUBLIC KEY: .*'openssl rsa -RSAPublicKey_in -pubout'$/);
    const pkcs1Der = join(pki.dir, 'sun.rsapub2.der');
    pki.openssl('rsa', '-pubin', '-in', sunPem, '-RSAPublicKey_out', '-outform', 'DER', '-out', pkcs1Der);
    assert.match(refusal(pkcs1Der).message, /^a PKCS#1 RSAPublicKey \(DER\): /);
  });

  it('refuses certificates, private keys and anything else, saying where they belong', () => {
    assert.match(refusal(moon.cert).message, /a certificate, not a raw public key: put it in x509\//);
    assert.match(refusal(sunKey).message, /a private key, not a public key: put it in private\//);
    assert.match(refusal(Buffer.from('hello')).message, /not a public key/);
    assert.match(refusal(Buffer.concat([readFileSync(sunPem), readFileSync(marsPem)])).message, /not one/);
    assert.match(refusal(new Uint8Array(0)).message, /not a public key/);
  });

  it('loads pubkey/ beside the other folders and finds a key as swanctl.conf names it', () => {
    const dir = join(pki.dir, 'swanctl');
    for (const f of ['x509', 'pubkey', 'private']) mkdirSync(join(dir, f), { recursive: true });
    copyFileSync(sunPem, join(dir, 'pubkey', 'sun.pem'));
    copyFileSync(sunDer, join(dir, 'pubkey', 'sun.der'));
    copyFileSync(marsPem, join(dir, 'pubkey', 'mars.pem'));
    copyFileSync(marsKey, join(dir, 'private', 'mars.key'));
    chmodSync(join(dir, 'private', 'mars.key'), 0o600);
    writeFileSync(join(dir, 'pubkey', '.gitkeep'), '');
    const creds = loadCredentials(dir);
    assert.deepEqual(
      creds.publicKeyFiles.map((f) => `${f.name}:${f.value.keyType}`),
      ['mars.pem:ecdsa', 'sun.der:rsa', 'sun.pem:rsa'],
    );
    assert.equal(creds.findPublicKey('sun.pem')?.keySize, 2048);
    assert.equal(creds.findPublicKey('./sun.der')?.keySize, 2048);
    assert.equal(creds.findPublicKey(join(dir, 'pubkey', 'mars.pem'))?.curve, 'P-256');
    assert.equal(creds.findPublicKey('venus.pem'), undefined);
    const mars = creds.findPublicKey('mars.pem') ?? assert.fail();
    assert.ok(creds.privateKeyFor(mars.key), 'the private half of a raw key is found');

    // A file that is not a public key fails the whole load, naming the file.
    writeFileSync(join(dir, 'pubkey', 'notes.txt'), 'a note');
    assert.throws(
      () => loadCredentials(dir),
      (e: unknown) =>
        e instanceof PkiError &&
        e.code === 'ERR_PKI_PUBLIC_KEY' &&
        e.message ===
          `${join(dir, 'pubkey', 'notes.txt')}: not a public key (SubjectPublicKeyInfo, PEM or DER)`,
    );
  });

  it("resolves remote.certs and remote.pubkeys into the peer's keys for PKE", () => {
    const dir = join(pki.dir, 'resolve');
    for (const f of ['x509', 'pubkey']) mkdirSync(join(dir, f), { recursive: true });
    copyFileSync(moon.cert, join(dir, 'x509', 'moon.crt'));
    copyFileSync(sunPem, join(dir, 'pubkey', 'sun.pem'));
    const creds = pkiCredentials(loadCredentials(dir));
    const config = parseSwanctlConfig(`connections {
  both { local { auth = pke
 certs = ours.crt }
 remote { auth = pke
 certs = moon.crt
 pubkeys = sun.pem, ${join(dir, 'pubkey', 'sun.pem')}, gone.pem } }
  raw { local { auth = pke-revised
 certs = ours.crt }
 remote { auth = pke-revised
 pubkeys = sun.pem } }
}`);
    const [both, raw] = config.connections;
    const keys = creds.peerPublicKeys(both ?? assert.fail());
    assert.deepEqual(
      keys.map((k) => k.description),
      ['moon.crt (C=CH, O=ikets, CN=moon)', 'pubkey/sun.pem', join(dir, 'pubkey', 'sun.pem')],
    );
    assert.deepEqual(keys[0]?.certificate, new Uint8Array(new X509Certificate(moon.pem).raw));
    assert.equal(keys[1]?.certificate, undefined);
    const spki = (k: (typeof keys)[number] | undefined) =>
      k?.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    assert.equal(spki(keys[1]), readFileSync(sunDer).toString('hex'));
    assert.deepEqual(
      creds.peerPublicKeys(raw ?? assert.fail()).map((k) => k.description),
      ['pubkey/sun.pem'],
    );
  });
});
