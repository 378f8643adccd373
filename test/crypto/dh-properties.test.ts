import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DH_GROUPS } from '../../src/crypto/dh/index.js';
import { InvalidPublicValueError } from '../../src/crypto/errors.js';
import type { RandomSource } from '../../src/crypto/random.js';

// Deterministic random source fed by fast-check, so failures shrink and replay.
function seeded(bytes: Uint8Array): RandomSource {
  let offset = 0;
  return {
    bytes(length: number): Buffer {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i++) out[i] = bytes[(offset + i) % bytes.length] ?? 0;
      offset += length;
      return out;
    },
  };
}

// Bigger groups are slower per operation (modp8192: ~7 ms a key): fewer runs keep the suite fast.
const runsFor = (publicLength: number): number => (publicLength >= 768 ? 3 : publicLength >= 384 ? 6 : 15);

for (const group of DH_GROUPS) {
  test(`DH group ${group.id} (${group.name}): both sides agree`, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 80 }).filter((b) => b.some((x) => x > 1)),
        fc.uint8Array({ minLength: 16, maxLength: 80 }).filter((b) => b.some((x) => x > 1)),
        (a, b) => {
          const i = group.generate(seeded(a));
          const r = group.generate(seeded(b));
          assert.equal(i.publicValue.length, group.publicLength);
          const s1 = i.computeSecret(r.publicValue);
          const s2 = r.computeSecret(i.publicValue);
          assert.equal(s1.length, group.secretLength);
          assert.ok(s1.equals(s2));
        },
      ),
      { numRuns: runsFor(group.publicLength) },
    );
  });

  test(`DH group ${group.id} (${group.name}): bad peer public values are rejected`, () => {
    const me = group.generate();
    const n = group.publicLength;
    const bad: Buffer[] = [Buffer.alloc(n), Buffer.alloc(n - 1), Buffer.alloc(n + 1), Buffer.alloc(0)];
    const good = group.generate().publicValue;
    bad.push(Buffer.concat([Buffer.from([0]), good]), good.subarray(1));
    if (group.kind === 'modp') {
      const p = (group as unknown as { prime: Buffer }).prime;
      const one = Buffer.alloc(n);
      one[n - 1] = 1;
      const pMinus1 = Buffer.from(p);
      pMinus1[n - 1] = (pMinus1[n - 1] ?? 0) - 1;
      bad.push(one, pMinus1, Buffer.from(p), Buffer.alloc(n, 0xff));
    } else if (group.kind === 'ecp') {
      // Off-curve: a valid x with y + 1; and coordinates >= p (all ones).
      const offCurve = Buffer.from(good);
      offCurve[n - 1] = (offCurve[n - 1] ?? 0) ^ 1;
      bad.push(offCurve, Buffer.alloc(n, 0xff));
    } else if (group.id === 31) {
      // Low-order points of Curve25519 (RFC 7748 section 7 / libsodium blacklist): 0, 1, and the
      // order-8 points; X25519 with them gives the all-zero secret.
      for (const h of [
        '0000000000000000000000000000000000000000000000000000000000000000',
        '0100000000000000000000000000000000000000000000000000000000000000',
        'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
        '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
        'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      ]) {
        bad.push(Buffer.from(h, 'hex'));
      }
    } else {
      bad.push(Buffer.concat([Buffer.from([1]), Buffer.alloc(n - 1)]));
    }
    for (const value of bad) {
      assert.throws(
        () => me.computeSecret(value),
        (err: unknown) =>
          err instanceof InvalidPublicValueError && err.code === 'ERR_IKE_DH_INVALID_PUBLIC_VALUE',
        `group ${group.id} accepted ${value.toString('hex').slice(0, 40)}... (${value.length} bytes)`,
      );
    }
  });
}

test('a private value is not visible when a key pair is printed or serialised', () => {
  const secretish = Buffer.alloc(32, 0x5a);
  const pair = DH_GROUPS[0]?.fromPrivate(secretish);
  assert.ok(pair);
  const shown = `${JSON.stringify(pair)} ${Object.keys(pair).join(',')}`;
  assert.ok(!shown.includes('5a5a5a5a'));
});
