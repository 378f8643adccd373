/** Malformed certificates and CRLs (a peer's CERT payload may hold anything): a typed error, never a crash. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { PkiError, parseCertificate, parseCrl } from '../../src/pki/index.js';
import { TestPki } from './openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());
const ca = pki.issue('ca', { subject: '/CN=Fuzz CA', ca: true, san: 'DNS:ca.example', crlUri: 'http://x/y' });
pki.openssl('x509', '-in', ca.cert, '-outform', 'DER', '-out', 'ca.der');
const certDer = new Uint8Array(readFileSync(join(pki.dir, 'ca.der')));
const crlPem = pki.crl(ca, []);

function typedOrFine(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PkiError, `not a PkiError: ${String(e)}`);
    assert.equal(e.code, code);
  }
}

const mutation = (base: Uint8Array) =>
  fc
    .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    })
    .chain((edits) => fc.nat(base.length).map((cut) => ({ edits, cut })));

function mutate(base: Uint8Array, m: { edits: [number, number][]; cut: number }): Uint8Array {
  const out = Uint8Array.from(base);
  for (const [i, v] of m.edits) out[i] = v;
  return m.cut === base.length ? out : out.subarray(0, m.cut);
}

describe('malformed input', () => {
  it('certificates: mutated and truncated DER gives ERR_PKI_CERTIFICATE or a certificate', () => {
    fc.assert(
      fc.property(mutation(certDer), (m) =>
        typedOrFine(() => parseCertificate(mutate(certDer, m)), 'ERR_PKI_CERTIFICATE'),
      ),
      { numRuns: 400, seed: 8 },
    );
  });

  it('certificates: random bytes and nested lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) =>
        typedOrFine(() => parseCertificate(b), 'ERR_PKI_CERTIFICATE'),
      ),
      { numRuns: 300, seed: 8 },
    );
    // A SEQUENCE claiming a huge length, and deep nesting.
    typedOrFine(
      () => parseCertificate(Uint8Array.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30])),
      'ERR_PKI_CERTIFICATE',
    );
    const deep = new Uint8Array(2000).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80));
    typedOrFine(() => parseCertificate(deep), 'ERR_PKI_CERTIFICATE');
  });

  it('CRLs: mutated PEM bodies give ERR_PKI_CRL or a CRL', () => {
    const crlDer = new Uint8Array(
      Buffer.from(crlPem.toString().replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    );
    assert.ok(parseCrl(crlDer).issuer === 'CN=Fuzz CA');
    fc.assert(
      fc.property(mutation(crlDer), (m) => typedOrFine(() => parseCrl(mutate(crlDer, m)), 'ERR_PKI_CRL')),
      { numRuns: 400, seed: 8 },
    );
  });
});
