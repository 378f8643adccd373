import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integrityAlgorithm } from '../../src/crypto/integrity.js';
import { type HashName, prf } from '../../src/crypto/prf.js';
import { aesXcbcMac, aesXcbcMac96, aesXcbcPrf128 } from '../../src/crypto/xcbc.js';
import { hex, loadVectors } from './vectors.js';

interface HmacCase {
  source: string;
  alg: string;
  key: string;
  data: string;
  mac: string;
  truncated_to_bytes?: number;
}

const HASH: Readonly<Record<string, HashName>> = {
  'HMAC-MD5': 'md5',
  'HMAC-SHA-1': 'sha1',
  'HMAC-SHA-256': 'sha256',
  'HMAC-SHA-384': 'sha384',
  'HMAC-SHA-512': 'sha512',
};

// Integrity transforms by (hash, truncation): RFC 2403/2404 (96 bits), RFC 4868 (half the output).
const INTEGRITY: Readonly<Record<string, string>> = {
  'md5/12': 'md5',
  'sha1/12': 'sha1',
  'sha256/16': 'sha256',
  'sha384/24': 'sha384',
  'sha512/32': 'sha512',
};

test('HMAC PRFs and truncated integrity ICVs (RFC 2202, 4231, 4868)', () => {
  const file = loadVectors<HmacCase>('prf_hmac.json');
  let checked = 0;
  let icvs = 0;
  for (const c of file.cases) {
    const hash = HASH[c.alg];
    if (hash === undefined) {
      // HMAC-SHA-224 is no IKE/IPsec transform.
      assert.equal(c.alg, 'HMAC-SHA-224');
      continue;
    }
    const full = prf(hash, hex(c.key), hex(c.data));
    const expected = c.truncated_to_bytes === undefined ? full : full.subarray(0, c.truncated_to_bytes);
    assert.equal(expected.toString('hex'), c.mac, c.source);
    const integ = INTEGRITY[`${hash}/${c.truncated_to_bytes}`];
    const alg = integ === undefined ? undefined : integrityAlgorithm(integ);
    if (alg !== undefined && hex(c.key).length === alg.keyLength) {
      assert.equal(alg.compute(hex(c.key), hex(c.data)).toString('hex'), c.mac, `ICV ${c.source}`);
      assert.ok(alg.verify(hex(c.key), hex(c.data), hex(c.mac)));
      icvs++;
    }
    checked++;
  }
  assert.equal(checked, 79);
  assert.ok(icvs >= 12, `only ${icvs} ICV cases had the transform's key length`);
});

interface XcbcCase {
  source: string;
  alg: string;
  key: string;
  data: string;
  mac: string;
  mac96?: string;
}

test('AES-XCBC-MAC-96 (RFC 3566) and AES-XCBC-PRF-128 (RFC 4434)', () => {
  const file = loadVectors<XcbcCase>('prf_aes_xcbc.json');
  assert.equal(file.cases.length, 10);
  const xcbc = integrityAlgorithm('aesxcbc');
  assert.ok(xcbc);
  for (const c of file.cases) {
    if (c.alg === 'AES-XCBC-MAC') {
      assert.equal(aesXcbcMac(hex(c.key), hex(c.data)).toString('hex'), c.mac, c.source);
      assert.equal(aesXcbcMac96(hex(c.key), hex(c.data)).toString('hex'), c.mac96, c.source);
      assert.ok(xcbc.verify(hex(c.key), hex(c.data), hex(c.mac96 ?? '')));
    } else {
      assert.equal(aesXcbcPrf128(hex(c.key), hex(c.data)).toString('hex'), c.mac, c.source);
    }
  }
});

test('integrity verification rejects a flipped bit and a short ICV', () => {
  for (const name of ['md5', 'sha1', 'sha256', 'sha384', 'sha512', 'aesxcbc']) {
    const alg = integrityAlgorithm(name);
    assert.ok(alg);
    const key = Buffer.alloc(alg.keyLength, 7);
    const data = Buffer.from('an ESP packet');
    const icv = alg.compute(key, data);
    assert.equal(icv.length, alg.icvLength);
    const bad = Buffer.from(icv);
    bad[0] = (bad[0] ?? 0) ^ 1;
    assert.equal(alg.verify(key, data, bad), false);
    assert.equal(alg.verify(key, data, icv.subarray(1)), false);
  }
});
