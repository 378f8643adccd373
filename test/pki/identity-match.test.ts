import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { parseDn } from '../../src/config/distinguished-name.js';
import {
  formatIdentity,
  type IdentityConfig,
  identityMatches,
  parseIdentity,
} from '../../src/config/identity.js';
import { identificationPayload, identityOf, sameIdentity } from '../../src/ikev1/phase1/identity.js';
import { certificateMatchesIdentity, parseCertificate } from '../../src/pki/index.js';
import { TestPki } from './openssl.js';

const id = (text: string): IdentityConfig => {
  const parsed = parseIdentity(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

describe('distinguished-name identities (swanctl.conf id = "C=CH, O=strongSwan, CN=moon")', () => {
  it('parses strongSwan DN text into DER and prints it back', () => {
    const dn = id('C=CH, O=strongSwan, CN=moon.strongswan.org');
    assert.equal(dn.type, 'der_asn1_dn');
    assert.equal(formatIdentity(dn), 'C=CH, O=strongSwan, CN=moon.strongswan.org');
    // The same DN written with the asn1dn: prefix, with '/' separators, and names in another case.
    for (const other of [
      'asn1dn:C=CH,O=strongSwan,CN=moon.strongswan.org',
      '/C=CH/O=strongSwan/CN=moon.strongswan.org',
      'c=CH, o=strongSwan, cn=moon.strongswan.org',
    ]) {
      const o = id(other);
      assert.ok(o.type === 'der_asn1_dn' && dn.type === 'der_asn1_dn');
      assert.deepEqual(Buffer.from(o.der), Buffer.from(dn.der), other);
    }
  });

  it('encodes the DER as openssl does for the same name (PrintableString values)', () => {
    const pki = new TestPki();
    try {
      const c = parseCertificate(
        pki.issue('dn', { subject: '/C=CH/O=strongSwan/CN=moon.strongswan.org', ca: true }).pem,
      );
      const dn = id(c.subject);
      assert.ok(dn.type === 'der_asn1_dn');
      assert.equal(c.subject, 'C=CH, O=strongSwan, CN=moon.strongswan.org');
      // openssl writes UTF8String for O and CN: the DER differs, the identities still match.
      assert.ok(identityMatches(dn, { type: 'der_asn1_dn', dn: c.subject, der: c.subjectDer }));
    } finally {
      pki.cleanup();
    }
  });

  it('rejects unknown RDN names and empty DNs', () => {
    assert.equal(typeof parseDn('XX=1, CN=a'), 'string');
    assert.equal(typeof parseDn(' , '), 'string');
    assert.equal(typeof parseIdentity('asn1dn:FOO=bar'), 'string');
    // Text with '=' that is no DN stays an FQDN, as strongSwan falls back.
    assert.deepEqual(parseIdentity('a=b'), { type: 'fqdn', name: 'a=b' });
  });

  it('round-trips through an ID_DER_ASN1_DN payload', () => {
    const dn = id('C=CH, O=strongSwan, CN=moon');
    const payload = identificationPayload(dn);
    assert.equal(payload.id.kind, 'ID_DER_ASN1_DN');
    const back = identityOf(payload);
    assert.ok(back && sameIdentity(back, dn));
    assert.equal(back && formatIdentity(back), 'C=CH, O=strongSwan, CN=moon');
    // Not a Name: no identity.
    assert.equal(
      identityOf({ ...payload, id: { kind: 'ID_DER_ASN1_DN', data: new Uint8Array([1, 2, 3]) } }),
      undefined,
    );
  });
});

describe('identityMatches (strongSwan identification_t matching)', () => {
  const cases: [pattern: string, actual: string, expected: boolean][] = [
    ['%any', 'moon.example.com', true],
    ['%any', 'C=CH, CN=moon', true],
    ['moon.example.com', 'MOON.example.com', true],
    ['*.example.com', 'moon.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.example.org', false],
    ['*', 'anything.example', true],
    ['*@strongswan.org', 'carol@strongswan.org', true],
    ['*@strongswan.org', 'carol@example.org', false],
    ['*@strongswan.org', 'strongswan.org', false], // FQDN vs e-mail pattern: types differ
    ['192.0.2.1', '192.0.2.1', true],
    ['2001:db8::1', '2001:0db8:0::1', true],
    ['192.0.2.1', '192.0.2.2', false],
    ['C=CH, O=strongSwan, CN=moon', 'C=CH, O=strongSwan, CN=moon', true],
    ['C=CH, O=strongSwan, CN=moon', 'C=ch, O=STRONGSWAN, CN=MOON', true], // PrintableString: no case
    ['C=CH, O=strongSwan, CN=*', 'C=CH, O=strongSwan, CN=sun', true],
    ['C=CH, O=*, CN=*', 'C=CH, O=Other, CN=sun', true],
    ['C=CH, O=strongSwan, CN=*', 'C=CH, O=strongSwan, OU=x, CN=sun', false], // RDN count differs
    ['C=CH, O=strongSwan, CN=*', 'O=strongSwan, C=CH, CN=sun', false], // order matters
    ['C=CH, O=strongSwan, CN=moon', 'C=CH, O=strongSwan, CN=sun', false],
    ['C=CH, CN=moon', 'moon', false],
  ];
  for (const [pattern, actual, expected] of cases) {
    it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${actual}'`, () => {
      assert.equal(identityMatches(id(pattern), id(actual)), expected);
    });
  }
});

describe('certificateMatchesIdentity (strongSwan x509 has_subject)', () => {
  const pki = new TestPki();
  after(() => pki.cleanup());
  const ca = pki.issue('ca', { subject: '/C=CH/O=ikets/CN=CA', ca: true });
  const moon = parseCertificate(
    pki.issue(
      'moon',
      {
        subject: '/C=CH/O=ikets/CN=moon.example.com/emailAddress=admin@example.com',
        san: 'DNS:moon.example.com,DNS:vpn.example.com,email:moon@example.com,IP:192.0.2.1,IP:2001:db8::1',
      },
      ca,
    ).pem,
  );
  const cases: [string, boolean][] = [
    ['C=CH, O=ikets, CN=moon.example.com, E=admin@example.com', true],
    ['C=CH, O=ikets, CN=*, E=*', true],
    ['C=CH, O=ikets, CN=sun.example.com, E=admin@example.com', false],
    ['moon.example.com', true],
    ['vpn.example.com', true],
    ['*.example.com', true],
    ['sun.example.com', false],
    ['moon@example.com', true],
    ['*@example.com', true],
    ['admin@example.com', false], // only in the subject's E: strongSwan does not look there
    ['192.0.2.1', true],
    ['2001:db8::1', true],
    ['192.0.2.9', false],
    ['%any', true],
  ];
  for (const [text, expected] of cases) {
    it(`'${text}' ${expected ? 'is' : 'is not'} vouched for`, () => {
      assert.equal(certificateMatchesIdentity(moon, id(text)), expected);
    });
  }

  it('a CN is not an FQDN identity', () => {
    const cnOnly = parseCertificate(pki.issue('cn-only', { subject: '/CN=cn-only.example.com' }, ca).pem);
    assert.equal(certificateMatchesIdentity(cnOnly, id('cn-only.example.com')), false);
    assert.equal(certificateMatchesIdentity(cnOnly, id('CN=cn-only.example.com')), true);
  });

  it('a KEY_ID matches the subjectKeyIdentifier, the certificate SHA-1, the SPKI SHA-1 and the serial', () => {
    const ski = moon.subjectKeyId;
    assert.ok(ski);
    const spki = moon.publicKey.export({ type: 'spki', format: 'der' });
    for (const keyId of [
      Buffer.from(ski),
      Buffer.from(moon.sha1),
      createHash('sha1').update(spki).digest(),
      Buffer.from(moon.serial, 'hex'),
    ])
      assert.equal(certificateMatchesIdentity(moon, { type: 'key_id', keyId }), true);
    assert.equal(certificateMatchesIdentity(moon, { type: 'key_id', keyId: Buffer.alloc(20) }), false);
  });
});
