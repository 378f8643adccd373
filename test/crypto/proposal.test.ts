import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  InvalidProposalError,
  UnknownProposalKeywordError,
  UnsupportedAlgorithmError,
} from '../../src/crypto/errors.js';
import {
  formatProposal,
  formatProposals,
  ikev1Suites,
  type ProposalProtocol,
  parseProposal,
  parseProposals,
} from '../../src/crypto/proposal.js';
import {
  DH_TRANSFORMS,
  ENCRYPTION_TRANSFORMS,
  ESN_TRANSFORMS,
  INTEGRITY_TRANSFORMS,
  PRF_TRANSFORMS,
} from '../../src/crypto/registry.js';

test('IKE proposals of the strongSwan syntax', () => {
  const p = parseProposal('aes128-sha256-modp2048', 'ike');
  assert.deepEqual(
    [p.encryption.map((e) => e.keyword), p.integrity.map((i) => i.keyword), p.dh.map((d) => d.id)],
    [['aes128'], ['sha256'], [14]],
  );
  assert.equal(p.encryption[0]?.ikeId, 7);
  assert.equal(p.encryption[0]?.keyLengthBits, 128);
  assert.equal(p.integrity[0]?.ikeHashId, 4);

  const gcm = parseProposal('aes256gcm16-ecp384', 'ike');
  assert.equal(gcm.encryption[0]?.aead, true);
  assert.equal(gcm.dh[0]?.id, 20);
  assert.throws(() => ikev1Suites(gcm), UnsupportedAlgorithmError);

  const old = parseProposal('3des-md5-modp1024', 'ike');
  assert.deepEqual(
    ikev1Suites(old).map((s) => [s.encryption?.ikeId, s.integrity?.ikeHashId, s.dh?.id]),
    [[5, 1, 2]],
  );

  const x = parseProposal('aes128-sha1-x25519', 'ike');
  assert.equal(x.dh[0]?.id, 31);
  assert.equal(formatProposal(x), 'aes128-sha1-curve25519');

  const list = parseProposals('aes128-sha256-modp2048,aes256-sha384-ecp384', 'ike');
  assert.equal(list.length, 2);
  assert.equal(formatProposals(list), 'aes128-sha256-modp2048,aes256-sha384-ecp384');
});

test('ESP and AH proposals', () => {
  const cases: [string, ProposalProtocol, number, number | undefined, number | undefined][] = [
    ['aes128-sha256', 'esp', 12, 5, undefined],
    ['aes128gcm16', 'esp', 20, undefined, undefined],
    ['aes128-sha256-modp2048', 'esp', 12, 5, 14],
    ['3des-sha1', 'esp', 3, 2, undefined],
    ['null-sha256', 'esp', 11, 5, undefined],
    ['chacha20poly1305', 'esp', 28, undefined, undefined],
  ];
  for (const [text, protocol, espId, authId, group] of cases) {
    const [suite] = ikev1Suites(parseProposal(text, protocol));
    assert.equal(suite?.encryption?.espId, espId, text);
    assert.equal(suite?.integrity?.authId, authId, text);
    assert.equal(suite?.dh?.id, group, text);
  }
  const ah = parseProposal('sha256', 'ah');
  assert.equal(ah.integrity[0]?.ahId, 5);
  assert.throws(() => parseProposal('aes128gcm16-sha256', 'esp'), InvalidProposalError);
  assert.throws(() => parseProposal('null', 'esp'), InvalidProposalError);
  assert.throws(() => parseProposal('aes128-sha256', 'ah'), InvalidProposalError);
  assert.throws(() => parseProposal('aes128-sha256', 'ike'), InvalidProposalError);
});

test('several algorithms of a kind: a preference list; IKEv1 strips or expands', () => {
  const p = parseProposal('aes128-aes256-sha256-sha1-modp2048-modp1024', 'ike');
  assert.deepEqual(
    p.encryption.map((e) => e.keyword),
    ['aes128', 'aes256'],
  );
  assert.equal(formatProposal(p), 'aes128-aes256-sha256-sha1-modp2048-modp1024');
  // Kinds may come in any order (strongSwan); formatting puts them in canonical order.
  assert.equal(formatProposal(parseProposal('modp2048-sha256-aes128', 'ike')), 'aes128-sha256-modp2048');
  const stripped = ikev1Suites(p);
  assert.equal(stripped.length, 1);
  assert.equal(stripped[0]?.encryption?.keyword, 'aes128');
  const expanded = ikev1Suites(p, 'expand');
  assert.equal(expanded.length, 8);
  assert.deepEqual(
    expanded.map((s) => `${s.encryption?.keyword}-${s.integrity?.keyword}-${s.dh?.keyword}`).slice(0, 3),
    ['aes128-sha256-modp2048', 'aes128-sha256-modp1024', 'aes128-sha1-modp2048'],
  );
});

test('an unknown keyword is a typed error naming it', () => {
  assert.throws(
    () => parseProposal('aes128-sha257-modp2048', 'ike'),
    (err: unknown) =>
      err instanceof UnknownProposalKeywordError &&
      err.keyword === 'sha257' &&
      err.code === 'ERR_IKE_PROPOSAL_KEYWORD',
  );
  assert.throws(() => parseProposal('aes128--modp2048', 'ike'), UnknownProposalKeywordError);
});

test('property: parse(format(p)) is p, for random well-formed proposals', () => {
  const cbc = ENCRYPTION_TRANSFORMS.filter((e) => !e.aead && e.keyword !== 'null');
  const aead = ENCRYPTION_TRANSFORMS.filter((e) => e.aead);
  const sub = <T>(items: readonly T[], min: number) =>
    fc.uniqueArray(fc.constantFrom(...items), { minLength: min, maxLength: 3 });
  const ike = fc.record({
    protocol: fc.constant<ProposalProtocol>('ike'),
    encryption: sub(
      cbc.filter((e) => e.ikeId !== undefined),
      1,
    ),
    integrity: sub(INTEGRITY_TRANSFORMS, 1),
    prf: sub(PRF_TRANSFORMS, 0),
    dh: sub(DH_TRANSFORMS, 1),
    esn: fc.constant([]),
  });
  const esp = fc.oneof(
    fc.record({
      protocol: fc.constant<ProposalProtocol>('esp'),
      encryption: sub(cbc, 1),
      integrity: sub(INTEGRITY_TRANSFORMS, 0),
      prf: fc.constant([]),
      dh: sub(DH_TRANSFORMS, 0),
      esn: sub(ESN_TRANSFORMS, 0),
    }),
    fc.record({
      protocol: fc.constant<ProposalProtocol>('esp'),
      encryption: sub(aead, 1),
      integrity: fc.constant([]),
      prf: fc.constant([]),
      dh: sub(DH_TRANSFORMS, 0),
      esn: sub(ESN_TRANSFORMS, 0),
    }),
  );
  fc.assert(
    fc.property(fc.oneof(ike, esp), (p) => {
      const text = formatProposal(p);
      const back = parseProposal(text, p.protocol);
      // fast-check records have a null prototype: compare the fields.
      assert.deepEqual({ ...back }, { ...p });
      assert.equal(formatProposal(back), text);
    }),
    { numRuns: 300 },
  );
});
