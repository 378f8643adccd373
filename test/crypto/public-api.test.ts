import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { deriveKeymat, deriveSkeyid } from '../../src/index.js';
import { hex, loadVectors } from './vectors.js';

// The library entry's key schedule: exactly `deriveSkeyid` and `deriveKeymat` with their shapes.

test('deriveSkeyid from the package entry: Buffers in, { skeyid, skeyidD, skeyidA, skeyidE } out', () => {
  interface Case {
    cky_i: string;
    cky_r: string;
    ni: string;
    nr: string;
    g_xy: string;
    pre_shared_key: string;
    skeyid: string;
    skeyid_e: string;
    hash: string;
  }
  const c = loadVectors<Case>('nist_cavp_ikev1_psk.json').cases.find((v) => v.hash === 'SHA-256');
  assert.ok(c);
  const out = deriveSkeyid({
    prf: 'sha256',
    auth: 'psk',
    nonceI: hex(c.ni),
    nonceR: hex(c.nr),
    gxy: hex(c.g_xy),
    cookieI: hex(c.cky_i),
    cookieR: hex(c.cky_r),
    psk: hex(c.pre_shared_key),
  });
  assert.deepEqual(Object.keys(out).sort(), ['skeyid', 'skeyidA', 'skeyidD', 'skeyidE']);
  assert.ok(Buffer.isBuffer(out.skeyid));
  assert.equal(out.skeyid.toString('hex'), c.skeyid);
  assert.equal(out.skeyidE.toString('hex'), c.skeyid_e);
});

test('deriveSkeyid, public key encryption: SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)', () => {
  const nonceI = Buffer.alloc(16, 1);
  const nonceR = Buffer.alloc(16, 2);
  const cookieI = Buffer.alloc(8, 3);
  const cookieR = Buffer.alloc(8, 4);
  const gxy = Buffer.alloc(128, 5);
  const out = deriveSkeyid({ prf: 'sha1', auth: 'pke', nonceI, nonceR, gxy, cookieI, cookieR });
  const key = createHash('sha1').update(nonceI).update(nonceR).digest();
  const skeyid = createHmac('sha1', key).update(cookieI).update(cookieR).digest();
  assert.ok(out.skeyid.equals(skeyid));
  const d = createHmac('sha1', skeyid)
    .update(Buffer.concat([gxy, cookieI, cookieR, Buffer.from([0])]))
    .digest();
  assert.ok(out.skeyidD.equals(d));
  assert.throws(() => deriveSkeyid({ prf: 'sha1', auth: 'psk', nonceI, nonceR, gxy, cookieI, cookieR }));
});

test('deriveKeymat from the package entry: `length` bytes, PFS changes the output', () => {
  const base = {
    prf: 'sha1' as const,
    skeyidD: Buffer.alloc(20, 9),
    protocol: 3,
    spi: Buffer.from('12345678', 'hex'),
    nonceI: Buffer.alloc(16, 1),
    nonceR: Buffer.alloc(16, 2),
  };
  for (const length of [0, 1, 20, 21, 36, 52, 104])
    assert.equal(deriveKeymat({ ...base, length }).length, length);
  const k = deriveKeymat({ ...base, length: 52 });
  assert.ok(deriveKeymat({ ...base, length: 20 }).equals(k.subarray(0, 20)));
  assert.ok(!deriveKeymat({ ...base, gxy: Buffer.alloc(256, 7), length: 52 }).equals(k));
});
