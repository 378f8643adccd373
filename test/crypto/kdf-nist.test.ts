import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveSkeyid } from '../../src/crypto/skeyid.js';
import { hex, KDF_PRF, type KdfCase, loadVectors } from './vectors.js';

// NIST CAVP SP 800-135 IKEv1 KDF vectors (CAVS 17.3): SKEYID and SKEYID_d/_a/_e.
function run(file: string, auth: 'psk' | 'signature'): number {
  const vectors = loadVectors<KdfCase>(file);
  let passed = 0;
  for (const c of vectors.cases) {
    const prf = KDF_PRF[c.hash];
    assert.ok(prf, `unknown hash ${c.hash}`);
    const keys = deriveSkeyid({
      prf,
      auth,
      nonceI: hex(c.ni),
      nonceR: hex(c.nr),
      gxy: hex(c.g_xy),
      cookieI: hex(c.cky_i),
      cookieR: hex(c.cky_r),
      ...(c.pre_shared_key === undefined ? {} : { psk: hex(c.pre_shared_key) }),
    });
    const where = `${c.hash} count ${c.count}`;
    assert.equal(keys.skeyid.toString('hex'), c.skeyid, `SKEYID ${where}`);
    assert.equal(keys.skeyidD.toString('hex'), c.skeyid_d, `SKEYID_d ${where}`);
    assert.equal(keys.skeyidA.toString('hex'), c.skeyid_a, `SKEYID_a ${where}`);
    assert.equal(keys.skeyidE.toString('hex'), c.skeyid_e, `SKEYID_e ${where}`);
    passed++;
  }
  return passed;
}

test('NIST CAVP IKEv1 pre-shared key KDF: all 1700 cases', () => {
  assert.equal(run('nist_cavp_ikev1_psk.json', 'psk'), 1700);
});

test('NIST CAVP IKEv1 digital signature KDF: all 1700 cases', () => {
  assert.equal(run('nist_cavp_ikev1_dsa.json', 'signature'), 1700);
});
