// Whatever the bytes, the reader returns a result or throws a CaptureError - never anything else.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CaptureError, LinkType, messagesFromInput, readCapture } from '../../src/capture/index.js';
import {
  ETH_IPV6,
  ethernet,
  fragmentExtension,
  genericExtension,
  ipv6,
  isakmpMessage,
  PcapngWriter,
  pcapFile,
  udp,
} from './builders.js';

const DIR = new URL('../../../test/fixtures/captures/', import.meta.url);
const REAL = [
  'ikev1-main-psk',
  'ikev1-aggressive-psk',
  'ikev1-main-rsa',
  'nat-ikev1-main-psk',
  'ikev2-psk',
].map((n) => readFileSync(new URL(`${n}.pcapng`, DIR)));
const w = new PcapngWriter(false);
const SMALL = [
  pcapFile(
    LinkType.ETHERNET,
    [
      {
        seconds: 1,
        fraction: 2,
        data: ethernet(
          ETH_IPV6,
          ipv6('fd31::1', 'fd31::2', 17, udp(500, 500, isakmpMessage()), [genericExtension(0)]),
        ),
      },
    ],
    { littleEndian: true },
  ),
  Buffer.concat([
    w.shb(),
    w.idb(LinkType.RAW),
    w.epb(
      0,
      1n,
      ipv6('fd31::1', 'fd31::2', 17, udp(4500, 4500, Buffer.alloc(40)), [fragmentExtension(0, true, 5)]),
    ),
    w.spb(Buffer.alloc(30, 0x45)),
  ]),
];

function neverThrowsOtherThanCaptureError(bytes: Uint8Array, strict: boolean): void {
  try {
    const r = readCapture(bytes, { strict, includeOther: true });
    assert.ok(r.frameCount >= 0);
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    assert.ok(e.offset >= 0 && e.offset <= bytes.length, `offset ${e.offset} within input`);
  }
  try {
    messagesFromInput(bytes);
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
  }
}

/** Mutations of a valid capture: byte flips, overwrites, truncation, insertion. */
function mutated(bases: readonly Buffer[]) {
  return fc
    .record({
      base: fc.constantFrom(...bases),
      edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      insertAt: fc.option(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }), {
        nil: undefined,
      }),
    })
    .map(({ base, edits, cut, insertAt }) => {
      let b = Buffer.from(base);
      for (const e of edits) b[e.at % b.length] = e.value;
      if (insertAt) {
        const at = insertAt.at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, at), insertAt.bytes, b.subarray(at)]);
      }
      if (cut !== undefined) b = b.subarray(0, cut % (b.length + 1));
      return b;
    });
}

describe('capture reader robustness (fast-check)', () => {
  it('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, strict) => {
        neverThrowsOtherThanCaptureError(bytes, strict);
      }),
      { numRuns: 2000 },
    );
  });
  it('arbitrary bytes behind a valid magic number', () => {
    const magics = [
      Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]),
      Buffer.from([0xa1, 0xb2, 0x3c, 0x4d]),
      Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...magics),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (magic, rest, strict) => {
          neverThrowsOtherThanCaptureError(Buffer.concat([magic, rest]), strict);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('mutated real and hand-built captures', () => {
    fc.assert(
      fc.property(mutated([...REAL, ...SMALL]), fc.boolean(), (bytes, strict) => {
        neverThrowsOtherThanCaptureError(bytes, strict);
      }),
      { numRuns: 1500 },
    );
  });
  it('every prefix of a real capture', () => {
    const base = REAL[3];
    assert.ok(base);
    for (let n = 0; n <= base.length; n++) neverThrowsOtherThanCaptureError(base.subarray(0, n), false);
  });
});
