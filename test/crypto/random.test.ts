/** The default randomness source: small requests from a block of CSPRNG output (src/crypto/random.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoRandom } from '../../src/crypto/random.js';

test('cryptoRandom: every answer fresh, of the length asked, in an ArrayBuffer of its own, across blocks', () => {
  const seen = new Set<string>();
  let ones = 0;
  let bits = 0;
  // 3,000 x (4 + 8 + 32) bytes: more than 32 blocks of 4 kB, so refills happen mid-stream.
  for (let i = 0; i < 3_000; i++) {
    for (const length of [4, 8, 32]) {
      const b = cryptoRandom.bytes(length);
      assert.equal(b.length, length);
      assert.equal(b.buffer.byteLength, length, 'no shared pool slab behind it');
      if (length >= 8) {
        const hex = b.toString('hex');
        assert.ok(!seen.has(hex), 'no repeat');
        seen.add(hex);
      }
      for (const byte of b) for (let k = 0; k < 8; k++) ones += (byte >> k) & 1;
      bits += 8 * length;
    }
  }
  // A fair bit source: 1,056,000 bits, ones within a few standard deviations (sigma ~ 514) of half.
  assert.ok(Math.abs(ones - bits / 2) < 5_000, `${ones} ones in ${bits} bits`);
  // Large requests go to randomBytes directly.
  assert.equal(cryptoRandom.bytes(256).length, 256);
});
