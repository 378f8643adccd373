/** Properties of identity matching and chain building (fast-check, fixed seeds). */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDn, parseDn } from '../../src/config/distinguished-name.js';
import { type IdentityConfig, identityMatches, parseIdentity } from '../../src/config/identity.js';
import { type Certificate, parseCertificate, verifyChain } from '../../src/pki/index.js';
import { TestPki } from './openssl.js';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const fqdn = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const rdnValue = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .'()+:?-]{0,20}[A-Za-z0-9]$/);
const dnText = fc
  .array(fc.tuple(fc.constantFrom('C', 'O', 'OU', 'CN', 'L', 'ST', 'DC'), rdnValue), {
    minLength: 1,
    maxLength: 6,
  })
  .map((rdns) => rdns.map(([k, v]) => `${k}=${v}`).join(', '));

const id = (text: string): IdentityConfig => {
  const p = parseIdentity(text);
  if (typeof p === 'string') throw new Error(p);
  return p;
};

describe('identity matching properties', () => {
  it('a DN survives text -> DER -> text -> DER', () => {
    fc.assert(
      fc.property(dnText, (text) => {
        const first = parseDn(text);
        assert.ok(typeof first !== 'string', String(first));
        assert.equal(formatDn(first.der), text);
        const again = parseDn(formatDn(first.der) ?? '');
        assert.ok(typeof again !== 'string');
        assert.deepEqual(Buffer.from(again.der), Buffer.from(first.der));
      }),
      { numRuns: 200, seed: 8 },
    );
  });

  it('every identity matches itself and %any; a DN matches itself with any RDN values replaced by *', () => {
    fc.assert(
      fc.property(dnText, fc.array(fc.boolean(), { maxLength: 6 }), (text, stars) => {
        const dn = id(text);
        assert.ok(identityMatches(dn, dn));
        assert.ok(identityMatches(id('%any'), dn));
        const pattern = text
          .split(', ')
          .map((rdn, i) => (stars[i] ? `${rdn.split('=')[0]}=*` : rdn))
          .join(', ');
        assert.ok(identityMatches(id(pattern), dn), pattern);
        // One more RDN never matches.
        assert.ok(!identityMatches(id(`${pattern}, CN=*`), dn));
      }),
      { numRuns: 200, seed: 8 },
    );
  });

  it('*.suffix matches exactly the longer names ending in .suffix, of the same type', () => {
    fc.assert(
      fc.property(fqdn, fqdn, (host, domain) => {
        const name = `${host}.${domain}`;
        assert.ok(identityMatches(id(`*.${domain}`), id(name)));
        assert.ok(!identityMatches(id(`*.${domain}`), id(domain)));
        assert.ok(identityMatches(id(`*@${domain}`), id(`${host}@${domain}`)));
        assert.ok(!identityMatches(id(`*@${domain}`), id(`fqdn:${host}@${domain}`)));
        assert.equal(identityMatches(id(name.toUpperCase()), id(name)), true);
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});

describe('chain building properties', () => {
  const pki = new TestPki();
  after(() => pki.cleanup());
  const root = pki.issue('root', { subject: '/CN=Prop Root', ca: true });
  const mid1 = pki.issue('mid1', { subject: '/CN=Prop Mid 1', ca: true }, root);
  const mid2 = pki.issue('mid2', { subject: '/CN=Prop Mid 2', ca: true }, mid1);
  const leaf = pki.issue('leaf', { subject: '/CN=prop leaf' }, mid2);
  const other = pki.issue('other', { subject: '/CN=Other Root', ca: true });
  const stranger = pki.issue('stranger', { subject: '/CN=stranger' }, other);
  const decoy = pki.issue('decoy', { subject: '/CN=Prop Mid 2', ca: true, noKeyIds: true });
  const c = (i: typeof root): Certificate => parseCertificate(i.pem);
  const needed = [c(mid1), c(mid2)];
  const noise = [c(other), c(stranger), c(decoy), c(leaf), c(root)];
  const now = new Date(Date.now() + 60_000);

  it('the verdict does not depend on the order of the intermediates or on unrelated certificates', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(noise), fc.boolean(), fc.nat(), (extra, both, seed) => {
        const pool = [...(both ? needed : needed.slice(1)), ...extra];
        const shuffled = pool
          .map((cert, i) => ({ cert, k: (i * 7919 + seed) % 101 }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.cert);
        const r = verifyChain({
          end: c(leaf),
          intermediates: shuffled,
          anchors: [c(root)],
          crls: [],
          now,
          revocation: 'relaxed',
        });
        if (both) {
          assert.ok(r.ok, r.ok ? '' : r.detail);
          assert.deepEqual(
            r.chain.map((x) => x.subject),
            ['CN=prop leaf', 'CN=Prop Mid 2', 'CN=Prop Mid 1', 'CN=Prop Root'],
          );
        } else {
          assert.ok(!r.ok && r.code === 'unknown-ca', r.ok ? 'accepted without Mid 1' : r.detail);
        }
      }),
      { numRuns: 60, seed: 8 },
    );
  });
});
