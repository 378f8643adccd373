/**
 * The authenticator of each negotiated method gives SKEYID its part (RFC 2409 section 5): checked
 * through the authenticator against the NIST CAVP IKEv1 KDF vectors (signatures: the DSA file, run
 * with DSS, RSA and ECDSA suites alike; pre-shared keys: the PSK file).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IkeAuthMethod } from '../../src/codec/index.js';
import { deriveSkeyid } from '../../src/crypto/skeyid.js';
import type { ExchangeContext } from '../../src/ikev1/context.js';
import { authenticatorOf } from '../../src/ikev1/phase1/auth/authenticator.js';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import { hex, KDF_PRF, type KdfCase, loadVectors } from '../crypto/vectors.js';

/** Just what the authenticator reads of an SA: the negotiated method and the connection's auth. */
const saWith = (authMethod: number) =>
  ({ suite: { authMethod }, connection: { local: { auth: 'pubkey' } } }) as unknown as IkeSa;

test('signature authenticators (DSS, RSA, ECDSA): SKEYID = prf(Ni_b | Nr_b, g^xy), NIST CAVP DSA file', () => {
  const vectors = loadVectors<KdfCase>('nist_cavp_ikev1_dsa.json');
  for (const method of [
    IkeAuthMethod.DSS_SIGNATURES,
    IkeAuthMethod.RSA_SIGNATURES,
    IkeAuthMethod.ECDSA_SHA256_P256,
    IkeAuthMethod.ECDSA_SHA512_P521,
  ]) {
    const auth = authenticatorOf(saWith(method));
    assert.equal(auth.family, 'signature');
    const secret = auth.skeyidSecret(saWith(method), {} as ExchangeContext);
    assert.ok(!('kind' in secret));
    let n = 0;
    for (const c of vectors.cases) {
      const keys = deriveSkeyid({
        prf: KDF_PRF[c.hash] ?? assert.fail(c.hash),
        ...secret,
        nonceI: hex(c.ni),
        nonceR: hex(c.nr),
        gxy: hex(c.g_xy),
        cookieI: hex(c.cky_i),
        cookieR: hex(c.cky_r),
      });
      assert.equal(keys.skeyid.toString('hex'), c.skeyid, `${c.hash} count ${c.count}`);
      assert.equal(keys.skeyidE.toString('hex'), c.skeyid_e, `${c.hash} count ${c.count}`);
      n++;
    }
    assert.equal(n, 1700);
  }
});
