/**
 * Signature authentication between two ikets endpoints with the daemon's credentials: a swanctl
 * CredentialSet (src/pki) behind `pkiCredentials`, as `ikets start` builds it. An intermediate CA
 * in x509/ is sent with our certificate without being named; a CRL revoking the peer's certificate
 * ends phase 1 with INVALID-CERTIFICATE and the code `revoked`.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { pkiCredentials } from '../../src/ikev1/phase1/auth/pki-credentials.js';
import { CredentialSet, parseCertificate, parseCrl, privateKeyEntry } from '../../src/pki/index.js';
import { type Issued, TestPki } from '../pki/openssl.js';
import { assertCrosswise, makePair } from './peers.js';

const pki = new TestPki();
after(() => pki.cleanup());

const root = pki.issue('root', { subject: '/CN=ikets Root CA', ca: true, keyType: 'rsa' });
const intermediate = pki.issue('inter', { subject: '/CN=ikets Intermediate CA', ca: true }, root);
const a = pki.issue('a', { subject: '/CN=a.ikets.test', san: 'DNS:a.ikets.test' }, intermediate);
const b = pki.issue('b', { subject: '/CN=b.ikets.test', san: 'DNS:b.ikets.test', keyType: 'rsa' }, root);

const loaded = <T>(value: T, name: string) => ({ value, path: `/swanctl/${name}`, name });

function credentialSet(self: Issued, extra: { crls?: Buffer[] } = {}): CredentialSet {
  const own = [loaded(parseCertificate(self.pem), `${self.name}.crt`)];
  if (self === a) own.push(loaded(parseCertificate(intermediate.pem), 'inter.crt'));
  return new CredentialSet(
    own,
    [loaded(parseCertificate(root.pem), 'root.crt')],
    (extra.crls ?? []).map((crl, i) => loaded(parseCrl(crl), `crl${i}.crl`)),
    [loaded(privateKeyEntry(createPrivateKey(readFileSync(self.key))), `${self.name}.key`)],
  );
}

/** The simulated network starts at 0: certificates are checked a minute from now (issued during the tests). */
const epoch = Date.now() + 60_000;

/** Two endpoints over the engine's credentials from these sets; `localB`: b's `local` lines. */
const pkiPair = (aSet: CredentialSet, bSet: CredentialSet, localB?: string) =>
  makePair({
    pubkey: {
      a: pkiCredentials(aSet, { epoch }),
      b: pkiCredentials(bSet, { epoch }),
      ...(localB === undefined ? {} : { local: { b: localB } }),
    },
  });

describe('phase 1 with the swanctl credential set (src/pki)', () => {
  it('an RSA end and an ECDSA end cannot agree on a method: NO-PROPOSAL-CHOSEN', () => {
    const { net, a: ea, b: eb } = pkiPair(credentialSet(a), credentialSet(b));
    ea.initiate(0, 'gw', 'net');
    net.run(10_000);
    const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
    // a signs with its P-256 key, b with RSA: one method for both ends, so no proposal fits.
    assert.equal(eb.ikeSaList().length, 0, logs);
    assert.match(logs, /no connection accepts main mode/);
  });

  it('a chain of length 3 (end, intermediate, root) with the same key type on both ends', () => {
    const bEc = pki.issue('b-ec', { subject: '/CN=b.ikets.test', san: 'DNS:b.ikets.test' }, root);
    const {
      net,
      a: ea,
      b: eb,
    } = pkiPair(credentialSet(a), credentialSet(bEc), 'certs = b-ec.crt\n      id = b.ikets.test');
    ea.initiate(0, 'gw', 'net');
    net.run(10_000);
    const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
    assert.equal(eb.ikeSaList()[0]?.state, 'established', logs);
    assert.equal(eb.ikeSaList()[0]?.suite?.auth, 'ecdsa256');
    assertCrosswise(ea.childSaList(), eb.childSaList());
  });

  it('a certificate revoked by a loaded CRL: INVALID-CERTIFICATE, code revoked', () => {
    const bEc = pki.issue('b-ec2', { subject: '/CN=b.ikets.test', san: 'DNS:b.ikets.test' }, root);
    const crl = pki.crl(intermediate, [a], 24, 'keyCompromise');
    const {
      net,
      a: ea,
      b: eb,
    } = pkiPair(
      credentialSet(a),
      credentialSet(bEc, { crls: [crl] }),
      'certs = b-ec2.crt\n      id = b.ikets.test',
    );
    ea.initiate(0, 'gw', 'net');
    net.run(200_000);
    const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
    assert.match(logs, /certificate refused \(revoked\)/, logs);
    assert.match(net.logsOf('a').join('\n'), /the peer refused: INVALID_CERTIFICATE/);
    const down = net.eventsOf('b', 'ike-sa-down')[0];
    assert.ok(down?.type === 'ike-sa-down' && down.sa.failureCode === 'revoked', JSON.stringify(down));
    assert.equal(eb.ikeSaList().length, 0);
  });
});
