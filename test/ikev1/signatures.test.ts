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

  it('a responder settles on the connection whose identity and CA the authenticated peer fits', () => {
    const certs = hostCerts('rsa');
    const anchors = { 'ca.crt': ca, 'other.crt': otherCa };
    const second = `gw2 {
    version = 1
    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    proposals = aes128-sha256-modp2048
    local { auth = pubkey
      certs = b.crt
      id = b.ikets.test }
    remote { auth = pubkey
      id = a.ikets.test
      cacerts = ca.crt }
    children { net2 { esp_proposals = aes128-sha256-modp2048 } }
  }`;
    const { net, a, b } = makePair({
      moreConnections: { b: second },
      pubkey: {
        a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, anchors }),
        b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, anchors }),
        // b's first connection on these addresses is for another peer under another CA.
        remote: { b: 'id = c.ikets.test\n      cacerts = other.crt' },
      },
    });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const logs = net.logsOf('b').join('\n');
    assert.equal(b.ikeSaList()[0]?.connection, 'gw2', logs);
    assert.match(logs, /peer 'CN=a.ikets.test' authenticated: switching to connection 'gw2'/);
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});

/** Runs a refused phase 1 and returns both sides' logs and what b's SA said before it went. */
function refused(
  o: Partial<PeerOptions>,
  certs: { a: TestCert; b: TestCert },
  credentials?: PeerOptions['pubkey'],
) {
  const { net, a, b } = pubkeyPair(certs, {
    ...o,
    ...(credentials === undefined ? {} : { pubkey: credentials }),
  });
  a.initiate(0, 'gw', 'net');
  net.run(200_000);
  const downs = (['a', 'b'] as const).flatMap((side) =>
    net
      .eventsOf(side, 'ike-sa-down')
      .flatMap((e) =>
        e.type === 'ike-sa-down' ? [{ side, failure: e.sa.failure, code: e.sa.failureCode }] : [],
      ),
  );
  return {
    a: net.logsOf('a').join('\n'),
    b: net.logsOf('b').join('\n'),
    downs,
    up: a.ikeSaList().length + b.ikeSaList().length,
    children: a.childSaList().length + b.childSaList().length,
  };
}

describe('phase 1 with signatures: refusals end phase 1 on both sides, with the reason', () => {
  const certs = hostCerts('rsa');

  it('a certificate from a CA the responder does not trust: INVALID-CERTIFICATE', () => {
    const r = refused({}, certs, {
      a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, anchors: { 'ca.crt': ca } }),
      b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, anchors: { 'ca.crt': otherCa } }),
    });
    assert.match(r.b, /phase 1 failed: certificate refused \(untrusted\)/);
    assert.match(r.a, /the peer refused: INVALID_CERTIFICATE/);
    assert.ok(
      r.downs.some((d) => d.side === 'b' && d.code === 'untrusted'),
      JSON.stringify(r.downs),
    );
    assert.equal(r.up, 0);
    assert.equal(r.children, 0);
  });

  it('an expired certificate: INVALID-CERTIFICATE, code expired', () => {
    const r = refused({}, certs, {
      a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, anchors: { 'ca.crt': ca } }),
      b: testCredentials({
        local: { 'b.crt': { cert: certs.b } },
        anchors: { 'ca.crt': ca },
        epoch: Date.now() + 20 * 365 * 86_400_000,
      }),
    });
    assert.match(r.b, /certificate refused \(expired\)/);
    assert.match(r.a, /the peer refused: INVALID_CERTIFICATE/);
    assert.equal(r.up, 0);
  });

  it('an ID the certificate does not carry: AUTHENTICATION-FAILED, code identity-mismatch', () => {
    const wrong = makeCert('x.ikets.test', { issuer: ca, san: ['DNS:x.ikets.test'] });
    const r = refused({}, { a: wrong, b: certs.b });
    assert.match(r.b, /certificate refused \(identity-mismatch\)/);
    assert.match(r.a, /the peer refused: AUTHENTICATION_FAILED/);
    assert.equal(r.up, 0);
  });

  it('a signature by another key than the certificate: INVALID-SIGNATURE', () => {
    const impostor = makeCert('a.ikets.test', { issuer: ca, san: ['DNS:a.ikets.test'] });
    const r = refused({}, certs, {
      a: testCredentials({
        local: { 'a.crt': { cert: { ...certs.a, key: impostor.key } } },
        anchors: { 'ca.crt': ca },
      }),
      b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, anchors: { 'ca.crt': ca } }),
    });
    assert.match(r.b, /SIG_I does not verify with the key of 'CN=a.ikets.test'/);
    assert.match(r.a, /the peer refused: INVALID_SIGNATURE/);
    assert.equal(r.up, 0);
  });

  it('no certificate sent (send_cert = never): AUTHENTICATION-FAILED, code no-certificate', () => {
    const r = refused({ connExtra: 'send_cert = never' }, certs);
    assert.match(r.b, /certificate refused \(no-certificate\)/);
    assert.equal(r.up, 0);
  });

  it('the initiator refuses the responder (message 6): its SA fails with the code', () => {
    const r = refused({}, certs, {
      a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, anchors: { 'ca.crt': otherCa } }),
      b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, anchors: { 'ca.crt': ca } }),
    });
    assert.match(r.a, /phase 1 failed: certificate refused \(untrusted\)/);
    assert.ok(
      r.downs.some((d) => d.side === 'a' && d.code === 'untrusted'),
      JSON.stringify(r.downs),
    );
    assert.equal(r.children, 0);
  });

  it('Aggressive Mode: the responder refuses message 3 with the reason', () => {
    const r = refused({ aggressive: true }, certs, {
      a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, anchors: { 'ca.crt': ca } }),
      b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, anchors: { 'ca.crt': otherCa } }),
    });
    assert.match(r.b, /certificate refused \(untrusted\)/);
    assert.match(r.a, /INVALID_CERTIFICATE/);
    assert.equal(r.up, 0);
  });

  it('a responder without a key for the offered method answers NO-PROPOSAL-CHOSEN', () => {
    const ecCerts = hostCerts('ec256');
    const r = refused({}, { a: certs.a, b: ecCerts.b });
    assert.match(r.b, /no connection accepts main mode/);
    assert.equal(r.up, 0);
  });
});
