/** Small helpers shared by the codec tests. */
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/codec/errors.js';
import { decodePayloadChain, encodePayloadChain } from '../../src/codec/message.js';
import type { Payload } from '../../src/codec/types.js';

/** Bytes from hex written with spaces / newlines for readability. */
export function h(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** A 28-byte ISAKMP header (RFC 2408 section 3.1) in front of `body`, its Length field worked out here. */
export function withHeader(
  body: string,
  opts: { next?: number; exchange?: number; flags?: number; mid?: string } = {},
) {
  const b = h(body);
  const len = (28 + b.length).toString(16).padStart(8, '0');
  const head = h(
    `0102030405060708 1112131415161718 ${(opts.next ?? 0).toString(16).padStart(2, '0')} 10 ${(
      opts.exchange ?? 2
    )
      .toString(16)
      .padStart(2, '0')} ${(opts.flags ?? 0).toString(16).padStart(2, '0')} ${opts.mid ?? '00000000'} ${len}`,
  );
  return Uint8Array.from([...head, ...b]);
}

/** Checks that `p` encodes (as the only payload of a chain) to exactly `expected`, and decodes back to `p`. */
export function assertPayloadBytes(p: Payload, type: number, expected: string): void {
  const enc = encodePayloadChain([p]);
  assert.equal(enc.firstPayload, type);
  assert.equal(hex(enc.bytes), expected.replace(/\s+/g, ''));
  const dec = decodePayloadChain(type, h(expected));
  assert.deepEqual(dec.payloads, [p]);
  assert.equal(dec.padding.length, 0);
}

/** Runs `f`, expecting a DecodeError with these fields. */
export function assertDecodeError(
  f: () => unknown,
  expected: { code: string; notifyType: number; offset?: number },
): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    assert.equal(e.code, expected.code, e.message);
    assert.equal(e.notifyType, expected.notifyType, e.message);
    if (expected.offset !== undefined) assert.equal(e.offset, expected.offset, e.message);
    return;
  }
  assert.fail('expected a DecodeError');
}
