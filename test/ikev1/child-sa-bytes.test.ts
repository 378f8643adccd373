/**
 * A CHILD SA's SPIs and keys kept as one latin1 string (child-sa-bytes.ts, issue 12): every byte
 * value survives, the hex read back is the hex of the keys, and JSON (list-sas --json) is what the
 * plain object of hex strings gave.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChildSaBytes } from '../../src/ikev1/sa/child-sa-bytes.js';
import { keptBytes, keptView } from '../../src/ikev1/sa/own-bytes.js';

const bytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map(Buffer.from);

describe('ChildSaBytes', () => {
  it('property: gives back both SPIs and the four keys in hex, and the JSON of the plain object', () => {
    fc.assert(
      fc.property(
        bytes(4, 4),
        bytes(4, 4),
        fc.integer({ min: 0, max: 36 }),
        fc.integer({ min: 0, max: 64 }),
        (spiIn, spiOut, encryption, integrity) => {
          const key = (n: number) => randomBytes(n);
          const inbound = { encryption: key(encryption), integrity: key(integrity) };
          const outbound = { encryption: key(encryption), integrity: key(integrity) };
          const kept = new ChildSaBytes(spiIn, spiOut, inbound, outbound);
          assert.deepEqual(kept.spiIn, spiIn);
          assert.deepEqual(kept.spiOut, spiOut);
          const plain = {
            encryptionIn: inbound.encryption.toString('hex'),
            integrityIn: inbound.integrity.toString('hex'),
            encryptionOut: outbound.encryption.toString('hex'),
            integrityOut: outbound.integrity.toString('hex'),
          };
          assert.equal(kept.encryptionIn, plain.encryptionIn);
          assert.equal(kept.integrityIn, plain.integrityIn);
          assert.equal(kept.encryptionOut, plain.encryptionOut);
          assert.equal(kept.integrityOut, plain.integrityOut);
          assert.equal(JSON.stringify({ keys: kept }), JSON.stringify({ keys: plain }));
        },
      ),
    );
  });

  it('refuses keys of different lengths in the two directions', () => {
    const four = Buffer.alloc(4);
    assert.throws(
      () =>
        new ChildSaBytes(
          four,
          four,
          { encryption: Buffer.alloc(16), integrity: Buffer.alloc(32) },
          { encryption: Buffer.alloc(16), integrity: Buffer.alloc(20) },
        ),
      RangeError,
    );
  });

  it('keptBytes and keptView round-trip every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.deepEqual(keptView(keptBytes(all)), all);
    assert.deepEqual(keptView(keptBytes(all.subarray(250, 256))), all.subarray(250, 256));
  });
});
