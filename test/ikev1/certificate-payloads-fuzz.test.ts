/**
 * The peer's CERT payloads are attacker-chosen bytes: mutated and random DER, many certificates,
 * unknown encodings. The engine's certificate path (certificates.ts, then pkiCredentials) never
 * throws and never stalls; every such input is refused with a typed failure.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import fc from 'fast-check';
import type { Payload } from '../../src/codec/index.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import {
  MAX_PEER_CERTIFICATES,
  notifyFor,
  peerCertificates,
} from '../../src/ikev1/phase1/auth/certificates.js';
import { pkiCredentials } from '../../src/ikev1/phase1/auth/pki-credentials.js';
import { CredentialSet, parseCertificate, privateKeyEntry } from '../../src/pki/index.js';
import { TestPki } from '../pki/openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());
const ca = pki.issue('ca', { subject: '/CN=Fuzz CA', ca: true });
const peer = pki.issue('peer', { subject: '/CN=peer.test', san: 'DNS:peer.test' }, ca);
const peerDer = parseCertificate(peer.pem).der;
const loaded = <T>(value: T, name: string) => ({ value, path: `/x/${name}`, name });
const credentials = pkiCredentials(
  new CredentialSet(
    [],
    [loaded(parseCertificate(ca.pem), 'ca.crt')],
    [],
    [loaded(privateKeyEntry(createPrivateKey(readFileSync(ca.key))), 'ca.key')],
  ),
  { epoch: Date.now() },
);
const connection = parseSwanctlConfig(
  'connections { c { local { auth = pubkey\n certs = x.crt }\n remote { auth = pubkey } } }',
).connections[0]!;
const id = { kind: 'ID_FQDN', name: 'peer.test' } as const;

test('the real certificate verifies (the fuzzed path is the working one)', () => {
  const v = credentials.verifyPeer(connection, { certificates: [peerDer], id, now: 0 });
  assert.ok(v.ok, JSON.stringify(v));
});

test('mutated and random DER in up to 12 CERT payloads: refused with a typed failure, fast', () => {
  const mutated = fc
    .tuple(fc.nat(peerDer.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean())
    .map(([at, x, cut]) => {
      const b = Buffer.from(peerDer);
      b[at] = (b[at] ?? 0) ^ x;
      return cut ? b.subarray(0, at + 1) : b;
    });
  const der = fc.oneof(mutated, fc.uint8Array({ maxLength: 600 }), fc.constant(Buffer.from(peerDer)));
  fc.assert(
    fc.property(
      fc.array(fc.record({ der, encoding: fc.oneof(fc.constant(4), fc.nat(255)) }), { maxLength: 12 }),
      (certs) => {
        const payloads: Payload[] = certs.map((c) => ({
          type: 'certificate',
          encoding: c.encoding,
          data: c.der,
        }));
        const x509 = peerCertificates(payloads);
        if (typeof x509 === 'string') {
          assert.ok(certs.length > 0 && certs.every((c) => c.encoding !== 4));
          return;
        }
        assert.ok(x509.length <= MAX_PEER_CERTIFICATES);
        const started = performance.now();
        const v = credentials.verifyPeer(connection, { certificates: x509, id, now: 0 });
        assert.ok(performance.now() - started < 1000);
        if (!v.ok)
          assert.ok(
            ['AUTHENTICATION_FAILED', 'INVALID_CERTIFICATE', 'CERT_TYPE_UNSUPPORTED'].includes(
              notifyFor(v.failure),
            ),
          );
        // Only an intact end certificate first can pass.
        else assert.ok(Buffer.from(x509[0] ?? []).equals(peerDer));
      },
    ),
    { numRuns: 300, seed: 8 },
  );
});
