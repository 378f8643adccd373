import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  type Certificate,
  type ChainInput,
  parseCertificate,
  parseCrl,
  type RevocationPolicy,
  verifyChain,
} from '../../src/pki/index.js';
import { type Issued, TestPki } from './openssl.js';

const pki = new TestPki();
after(() => pki.cleanup());
const cert = (i: Issued): Certificate => parseCertificate(i.pem);
const DAY = 86400_000;

// root (pathlen 1) -> sub (pathlen 0) -> leaf; root -> direct leaf; and oddities below.
const root = pki.issue('root', { subject: '/C=CH/O=ikets/CN=Root CA', ca: true, pathLen: 1, keyType: 'rsa' });
const sub = pki.issue(
  'sub',
  { subject: '/C=CH/O=ikets/CN=Sub CA', ca: true, pathLen: 0, keyType: 'ec384' },
  root,
);
const leaf = pki.issue('leaf', { subject: '/C=CH/O=ikets/CN=moon', san: 'DNS:moon.example.com' }, sub);
const direct = pki.issue('direct', { subject: '/C=CH/O=ikets/CN=sun', keyType: 'dsa' }, root);
const now = new Date(Date.now() + 60_000);

function check(end: Issued, more: Partial<ChainInput> = {}) {
  return verifyChain({
    end: cert(end),
    intermediates: [],
    anchors: [cert(root)],
    crls: [],
    now,
    revocation: 'relaxed',
    ...more,
  });
}

function failure(r: ReturnType<typeof verifyChain>): string {
  assert.equal(r.ok, false, 'the chain should fail');
  return r.ok ? '' : r.code;
}

describe('verifyChain', () => {
  it('accepts chains of length 1, 2 and 3 up to the anchor', () => {
    // A self-signed certificate that is itself a trust anchor.
    const selfie = pki.issue('selfie', {
      subject: '/CN=selfie',
      ca: true,
      keyUsage: 'digitalSignature,keyCertSign',
    });
    const one = check(selfie, { anchors: [cert(selfie)] });
    assert.ok(one.ok && one.chain.length === 1);
    assert.equal(failure(check(selfie)), 'unknown-ca');
    const two = check(direct);
    assert.ok(two.ok);
    assert.deepEqual(
      two.chain.map((c) => c.subject),
      ['C=CH, O=ikets, CN=sun', 'C=CH, O=ikets, CN=Root CA'],
    );
    // An EdDSA CA in between: signatures by Ed25519 verify as well.
    const edCa = pki.issue('ed-ca', { subject: '/CN=Ed CA', ca: true, keyType: 'ed25519' }, root);
    const edLeaf = pki.issue('ed-leaf', { subject: '/CN=ed leaf', keyType: 'ec521' }, edCa);
    assert.ok(check(edLeaf, { intermediates: [cert(edCa)] }).ok);
    const three = check(leaf, { intermediates: [cert(sub), cert(direct)] });
    assert.ok(three.ok);
    assert.deepEqual(
      three.chain.map((c) => c.subject.split('CN=')[1]),
      ['moon', 'Sub CA', 'Root CA'],
    );
  });

  it('fails with unknown-ca without the intermediate or with another anchor', () => {
    assert.equal(failure(check(leaf)), 'unknown-ca');
    assert.equal(failure(check(direct, { anchors: [cert(sub)] })), 'unknown-ca');
  });

  it('checks the validity dates of every certificate', () => {
    const c = cert(leaf);
    assert.equal(
      failure(check(leaf, { intermediates: [cert(sub)], now: new Date(c.notAfter.getTime() + DAY) })),
      'expired',
    );
    assert.equal(
      failure(check(leaf, { intermediates: [cert(sub)], now: new Date(c.notBefore.getTime() - DAY) })),
      'not-yet-valid',
    );
    // An intermediate that expires before the leaf.
    const shortSub = pki.issue(
      'short-sub',
      { subject: '/C=CH/O=ikets/CN=Short CA', ca: true, days: 2 },
      root,
    );
    const longLeaf = pki.issue('long-leaf', { subject: '/CN=long', days: 30 }, shortSub);
    const r = check(longLeaf, { intermediates: [cert(shortSub)], now: new Date(Date.now() + 5 * DAY) });
    assert.equal(failure(r), 'expired');
    assert.match(r.ok ? '' : r.detail, /Short CA/);
  });

  it('fails with bad-signature when an issuer of the same name did not sign', () => {
    const realCa = pki.issue('same-a', { subject: '/CN=Same CA', ca: true, noKeyIds: true });
    const otherCa = pki.issue('same-b', { subject: '/CN=Same CA', ca: true, noKeyIds: true });
    const ee = pki.issue('same-ee', { subject: '/CN=victim', noKeyIds: true }, otherCa);
    const r = verifyChain({
      end: cert(ee),
      intermediates: [],
      anchors: [cert(realCa)],
      crls: [],
      now,
      revocation: 'relaxed',
    });
    assert.equal(failure(r), 'bad-signature');
    // With both anchors, the one that signed is found.
    const both = verifyChain({
      end: cert(ee),
      intermediates: [],
      anchors: [cert(realCa), cert(otherCa)],
      crls: [],
      now,
      revocation: 'relaxed',
    });
    assert.ok(both.ok);
  });

  it('requires issuers to be CAs with keyCertSign, and end entities to sign', () => {
    const notCa = pki.issue('not-ca', { subject: '/CN=Not a CA' }, root);
    const below = pki.issue('below-not-ca', { subject: '/CN=below' }, notCa);
    assert.equal(failure(check(below, { intermediates: [cert(notCa)] })), 'not-a-ca');
    const noSign = pki.issue(
      'no-certsign',
      { subject: '/CN=No CertSign CA', ca: true, keyUsage: 'cRLSign' },
      root,
    );
    const under = pki.issue('under-no-certsign', { subject: '/CN=under' }, noSign);
    assert.equal(failure(check(under, { intermediates: [cert(noSign)] })), 'key-usage');
    const encOnly = pki.issue(
      'enc-only',
      { subject: '/CN=enc', keyUsage: 'keyEncipherment', keyType: 'rsa' },
      root,
    );
    assert.equal(failure(check(encOnly)), 'key-usage');
    const noUsage = pki.issue('no-usage', { subject: '/CN=any use', keyUsage: '' }, root);
    assert.ok(check(noUsage).ok, 'no keyUsage extension: any use');
  });

  it('enforces pathLenConstraint', () => {
    // root allows 1 intermediate; sub allows 0: root -> sub -> sub2 -> ee has 2 below root, 1 below sub.
    const sub2 = pki.issue('sub2', { subject: '/CN=Sub2 CA', ca: true }, sub);
    const deep = pki.issue('deep', { subject: '/CN=deep' }, sub2);
    const r = check(deep, { intermediates: [cert(sub), cert(sub2)] });
    assert.equal(failure(r), 'path-length');
    assert.match(r.ok ? '' : r.detail, /Sub CA/);
    // Trusting sub directly, sub2 is its only intermediate: still one too many for pathlen 0.
    assert.equal(failure(check(deep, { intermediates: [cert(sub2)], anchors: [cert(sub)] })), 'path-length');
    // Anchored at sub2, the path is fine.
    assert.ok(check(deep, { anchors: [cert(sub2)] }).ok);
  });

  it('stops on issuer loops and bounds the search', () => {
    const a = pki.issue('loop-a', { subject: '/CN=Loop', ca: true, noKeyIds: true });
    const b = pki.issue('loop-b', { subject: '/CN=Loop', ca: true, noKeyIds: true });
    const ee = pki.issue('loop-ee', { subject: '/CN=looped', noKeyIds: true }, a);
    const many = Array.from({ length: 40 }, () => cert(b));
    const r = check(ee, { intermediates: [cert(a), cert(b), ...many] });
    assert.equal(failure(r), 'unknown-ca');
  });
});

describe('verifyChain revocation (strongSwan semantics of strict / ifuri / relaxed)', () => {
  const ca = pki.issue('crl-ca', { subject: '/C=CH/O=ikets/CN=CRL CA', ca: true });
  const withUri = pki.issue(
    'crl-uri',
    { subject: '/CN=with uri', crlUri: 'http://crl.example.com/ca.crl' },
    ca,
  );
  const noUri = pki.issue('crl-nouri', { subject: '/CN=no uri' }, ca);
  const revokedEe = pki.issue('crl-revoked', { subject: '/CN=revoked' }, ca);
  const crl = parseCrl(pki.crl(ca, [revokedEe], 24, 'keyCompromise'));
  const run = (ee: Issued, policy: RevocationPolicy, crls = [crl], at = now) =>
    verifyChain({ end: cert(ee), intermediates: [], anchors: [cert(ca)], crls, now: at, revocation: policy });
  const policies: RevocationPolicy[] = ['strict', 'ifuri', 'relaxed'];

  it('reads the CRL', () => {
    assert.equal(crl.issuer, 'C=CH, O=ikets, CN=CRL CA');
    assert.ok(crl.revoked.has(cert(revokedEe).serial));
    assert.equal(crl.revoked.get(cert(revokedEe).serial)?.reason, 'keyCompromise');
  });

  it('a revoked certificate fails in every mode', () => {
    for (const p of policies) {
      const r = run(revokedEe, p);
      assert.equal(failure(r), 'revoked', p);
      assert.match(r.ok ? '' : r.detail, /keyCompromise/);
    }
  });

  it('a current CRL not listing the certificate passes in every mode', () => {
    for (const p of policies) assert.ok(run(noUri, p).ok, p);
  });

  it('no CRL: strict fails; ifuri fails only with a CRL URI; relaxed passes', () => {
    assert.equal(failure(run(noUri, 'strict', [])), 'revocation-unknown');
    assert.ok(run(noUri, 'ifuri', []).ok);
    assert.equal(failure(run(withUri, 'ifuri', [])), 'revocation-unknown');
    assert.ok(run(withUri, 'relaxed', []).ok);
  });

  it('an expired CRL: strict and ifuri fail, relaxed passes; a listed serial is still revoked', () => {
    const later = new Date(Date.now() + 3 * DAY);
    assert.equal(failure(run(noUri, 'strict', [crl], later)), 'revocation-unknown');
    assert.equal(failure(run(noUri, 'ifuri', [crl], later)), 'revocation-unknown');
    assert.ok(run(noUri, 'relaxed', [crl], later).ok);
    assert.equal(failure(run(revokedEe, 'relaxed', [crl], later)), 'revoked');
  });

  it('ignores a CRL not signed by the issuer', () => {
    const impostor = pki.issue('crl-impostor', {
      subject: '/C=CH/O=ikets/CN=CRL CA',
      ca: true,
      noKeyIds: true,
    });
    const forged = parseCrl(pki.crl(impostor, [noUri]));
    assert.equal(forged.issuer, crl.issuer);
    assert.ok(run(noUri, 'relaxed', [forged]).ok, 'the forged revocation does not count');
    assert.equal(failure(run(noUri, 'strict', [forged])), 'revocation-unknown');
  });

  it('checks intermediates too', () => {
    const mid = pki.issue('crl-mid', { subject: '/CN=Mid CA', ca: true }, ca);
    const ee = pki.issue('crl-mid-ee', { subject: '/CN=under mid' }, mid);
    const caCrl = parseCrl(pki.crl(ca, [mid]));
    const r = verifyChain({
      end: cert(ee),
      intermediates: [cert(mid)],
      anchors: [cert(ca)],
      crls: [caCrl],
      now,
      revocation: 'relaxed',
    });
    assert.equal(failure(r), 'revoked');
    assert.match(r.ok ? '' : r.detail, /Mid CA/);
  });
});
