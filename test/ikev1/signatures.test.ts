/**
 * Signature authentication between two ikets endpoints on the simulated network (RFC 2409 section
 * 5.1, RFC 4754): RSA, ECDSA P-256/384/521 and DSS, Main and Aggressive Mode, with certificates made
 * by openssl in the test, a chain of length 2, and every refusal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../src/codec/index.js';
import { makeCert, type TestCert, type TestKeyType, testCredentials } from '../support/test-pki.js';
import { assertCrosswise, makePair, type PeerOptions } from './peers.js';

const ca = makeCert('ikets Test CA', { ca: true });
const otherCa = makeCert('Other CA', { ca: true });

function hostCerts(keyType: TestKeyType, issuer: TestCert = ca) {
  return {
    a: makeCert('a.ikets.test', { keyType, issuer, san: ['DNS:a.ikets.test'] }),
    b: makeCert('b.ikets.test', { keyType, issuer, san: ['DNS:b.ikets.test'] }),
  };
}

function pubkeyPair(
  certs: { a: TestCert; b: TestCert },
  extra: Partial<PeerOptions> = {},
  anchors: Record<string, TestCert> = { 'ca.crt': ca },
) {
  return makePair({
    ...extra,
    pubkey: {
      a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, anchors }),
      b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, anchors }),
      ...extra.pubkey,
    },
  });
}

const methodName: Record<TestKeyType, string> = {
  rsa: 'rsa',
  ec256: 'ecdsa256',
  ec384: 'ecdsa384',
  ec521: 'ecdsa521',
  dsa: 'dss',
};

describe('phase 1 with signatures (ikets <-> ikets)', () => {
  for (const keyType of ['rsa', 'ec256', 'ec384', 'ec521', 'dsa'] as const) {
    const certs = hostCerts(keyType);
    for (const aggressive of [false, true]) {
      it(`${methodName[keyType]} in ${aggressive ? 'Aggressive' : 'Main'} Mode, then Quick Mode`, () => {
        const { net, a, b } = pubkeyPair(certs, { aggressive });
        a.initiate(0, 'gw', 'net');
        net.run(10_000);
        const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
        assert.equal(a.ikeSaList()[0]?.state, 'established', logs);
        assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
        assert.equal(a.ikeSaList()[0]?.suite?.auth, methodName[keyType]);
        assert.equal(b.ikeSaList()[0]?.remoteId, 'a.ikets.test');
        assert.equal(a.ikeSaList()[0]?.remoteId, 'b.ikets.test');
        assertCrosswise(a.childSaList(), b.childSaList());
        assert.match(
          logs,
          new RegExp(`authentication of 'a.ikets.test' with ${methodName[keyType]} successful`),
        );
      });
    }
  }

  it('sends CERT-REQ naming the CA, and CERT and SIG in messages 5 and 6', () => {
    const { net, a } = pubkeyPair(hostCerts('rsa'));
    const seen: string[] = [];
    net.tap = (from, dg) => {
      const m = decodeMessage(dg.data);
      if (!m.body.encrypted) seen.push(`${from}: ${m.body.payloads.map((p) => p.type).join(' ')}`);
      else seen.push(`${from}: encrypted ${dg.data.length}`);
      const cr = m.body.encrypted ? undefined : m.body.payloads.find((p) => p.type === 'certificate_request');
      if (cr !== undefined && cr.type === 'certificate_request') {
        assert.equal(cr.encoding, 4);
        assert.deepEqual(Buffer.from(cr.authority), ca.subjectDer);
      }
    };
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.match(seen[2] ?? '', /a: key_exchange nonce certificate_request/);
    assert.match(seen[3] ?? '', /b: key_exchange nonce certificate_request/);
  });

  it('a chain of length 2: the end certificate and an intermediate CA', () => {
    const intermediate = makeCert('ikets Intermediate CA', { ca: true, issuer: ca });
    const certs = hostCerts('ec256', intermediate);
    const { net, a, b } = makePair({
      pubkey: {
        a: testCredentials({
          local: { 'a.crt': { cert: certs.a, chain: [intermediate] } },
          anchors: { 'ca.crt': ca },
        }),
        b: testCredentials({
          local: { 'b.crt': { cert: certs.b, chain: [intermediate] } },
          anchors: { 'ca.crt': ca },
        }),
      },
    });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(b.ikeSaList()[0]?.state, 'established', net.logsOf('b').join('\n'));
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});
