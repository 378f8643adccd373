import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CBC_CIPHERS } from '../../src/crypto/cbc.js';
import { hashR } from '../../src/crypto/exchange-hash.js';
import { deriveKa, deriveSkeyid, phase1Iv } from '../../src/crypto/skeyid.js';
import { hex, loadVectors } from './vectors.js';

interface MainModeCase {
  kind: string;
  hash: string;
  cipher: string;
  psk: string;
  cky_i: string;
  cky_r: string;
  ni: string;
  nr: string;
  g_xi: string;
  g_xr: string;
  g_xy: string;
  skeyid: string;
  skeyid_d: string;
  skeyid_a: string;
  skeyid_e: string;
  ka: string;
  phase1_iv: string;
  hash_r: string;
  sai_b: string;
  idir_b: string;
}

test('Main Mode PSK end to end: SKEYIDs, Ka, phase 1 IV, HASH_R (ikev1_main_mode_psk_kat.json)', () => {
  const file = loadVectors<MainModeCase>('ikev1_main_mode_psk_kat.json');
  assert.equal(file.cases.length, 2);
  for (const c of file.cases) {
    assert.equal(c.kind, 'main_mode_psk');
    assert.equal(c.hash, 'SHA-1');
    assert.equal(c.cipher, 'AES-CBC-128');
    const keys = deriveSkeyid({
      prf: 'sha1',
      auth: 'psk',
      psk: hex(c.psk),
      nonceI: hex(c.ni),
      nonceR: hex(c.nr),
      gxy: hex(c.g_xy),
      cookieI: hex(c.cky_i),
      cookieR: hex(c.cky_r),
    });
    assert.equal(keys.skeyid.toString('hex'), c.skeyid);
    assert.equal(keys.skeyidD.toString('hex'), c.skeyid_d);
    assert.equal(keys.skeyidA.toString('hex'), c.skeyid_a);
    assert.equal(keys.skeyidE.toString('hex'), c.skeyid_e);
    const aes = CBC_CIPHERS.aes128;
    assert.equal(deriveKa('sha1', keys.skeyidE, aes.keyLength).toString('hex'), c.ka);
    assert.equal(phase1Iv('sha1', hex(c.g_xi), hex(c.g_xr), aes.blockSize).toString('hex'), c.phase1_iv);
    const r = hashR({
      prf: 'sha1',
      skeyid: keys.skeyid,
      gxi: hex(c.g_xi),
      gxr: hex(c.g_xr),
      cookieI: hex(c.cky_i),
      cookieR: hex(c.cky_r),
      saiBody: hex(c.sai_b),
      idBody: hex(c.idir_b),
    });
    assert.equal(r.toString('hex'), c.hash_r);
  }
});
