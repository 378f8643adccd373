import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { PkiError, parseCertificate, parseCertificates, parseCrl } from '../../src/pki/index.js';
import { TestPki } from './openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());

describe('parseCertificate', () => {
  const ca = pki.issue('ca', { subject: '/C=CH/O=ikets/CN=Test CA', ca: true, pathLen: 1, keyType: 'rsa' });

  it('reads a CA certificate: names, basic constraints, key usage, key', () => {
    const c = parseCertificate(ca.pem);
    assert.equal(c.subject, 'C=CH, O=ikets, CN=Test CA');
    assert.equal(c.issuer, c.subject);
    assert.equal(c.isCa, true);
    assert.equal(c.pathLen, 1);
    assert.deepEqual(c.keyUsage, ['keyCertSign', 'crlSign']);
    assert.equal(c.keyType, 'rsa');
    assert.equal(c.keySize, 2048);
    assert.equal(c.curve, undefined);
    assert.ok(c.subjectKeyId && c.subjectKeyId.length === 20);
    // The subject DER is the Name inside the certificate, byte for byte.
    assert.ok(Buffer.from(c.der).includes(Buffer.from(c.subjectDer)));
  });

  const cases = [
    ['ec256', 'ecdsa', 256, 'P-256'],
    ['ec384', 'ecdsa', 384, 'P-384'],
    ['ec521', 'ecdsa', 521, 'P-521'],
    ['dsa', 'dsa', 1024, undefined],
    ['rsa', 'rsa', 2048, undefined],
    ['ed25519', 'ed25519', 256, undefined],
  ] as const;
  for (const [keyType, type, size, curve] of cases) {
    it(`reads a ${keyType} end entity with subjectAltNames and a CRL URI, signed by an RSA CA`, () => {
      const ee = pki.issue(
        `ee-${keyType}`,
        {
          subject: '/C=CH/O=ikets/CN=moon.example.com',
          keyType,
          san: 'DNS:moon.example.com,email:moon@example.com,IP:192.0.2.1,IP:2001:db8::1',
          crlUri: 'http://crl.example.com/ca.crl',
          serial: 0x00abcdef,
        },
        ca,
      );
      const c = parseCertificate(ee.pem);
      assert.equal(c.keyType, type);
      assert.equal(c.keySize, size);
      assert.equal(c.curve, curve);
      assert.equal(c.isCa, false);
      assert.equal(c.pathLen, undefined);
      assert.deepEqual(c.keyUsage, ['digitalSignature']);
      assert.equal(c.serial, 'abcdef');
      assert.equal(c.issuer, 'C=CH, O=ikets, CN=Test CA');
      assert.deepEqual(c.altNames, {
        dns: ['moon.example.com'],
        email: ['moon@example.com'],
        ip: ['192.0.2.1', '2001:db8::1'],
      });
      assert.deepEqual(c.crlUris, ['http://crl.example.com/ca.crl']);
      assert.ok(c.notAfter.getTime() - c.notBefore.getTime() > 300 * 86400_000);
      assert.equal(c.publicKey.type, 'public');
    });
  }

  it('reads DER as well as PEM, and bundles', () => {
    pki.openssl('x509', '-in', ca.cert, '-outform', 'DER', '-out', 'ca.der');
    const fromDer = parseCertificate(readFileSync(`${pki.dir}/ca.der`));
    assert.equal(fromDer.subject, 'C=CH, O=ikets, CN=Test CA');
    assert.equal(parseCertificates(Buffer.concat([ca.pem, ca.pem])).length, 2);
  });

  it('refuses what is not a certificate, with a typed error', () => {
    for (const bad of [Buffer.from('hello'), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), parseCrlPem()]) {
      assert.throws(
        () => parseCertificate(bad),
        (e: unknown) => e instanceof PkiError && e.code === 'ERR_PKI_CERTIFICATE',
      );
    }
  });

  function parseCrlPem(): Buffer {
    const crl = pki.crl(ca, []);
    assert.equal(parseCrl(crl).issuer, 'C=CH, O=ikets, CN=Test CA');
    return crl;
  }
});
