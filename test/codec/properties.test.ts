/**
 * Property-based tests (fast-check): decode never throws anything but DecodeError; typed messages survive
 * encode -> decode -> encode; mutated messages decode to a DecodeError or to a message that re-encodes to
 * the same bytes; the JSON form round-trips byte-exact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError, EncodeError } from '../../src/codec/errors.js';
import { JsonError, messageFromJson, messageToJson } from '../../src/codec/json.js';
import {
  decodeMessage,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
  prependPayload,
} from '../../src/codec/message.js';
import { formatMessage } from '../../src/codec/text.js';
import { message, PAYLOAD_KINDS, payload } from './arbitraries.js';

const RUNS = 400;

/** Decodes; returns the message, or undefined on DecodeError; rethrows anything else. */
function decodeOrUndefined(b: Uint8Array) {
  try {
    return decodeMessage(b);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/** A header with a correct Length in front of `body`, so random bodies reach the payload decoders. */
function framed(first: number, exchange: number, flags: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(28 + body.length);
  out.set([1, 2, 3, 4, 5, 6, 7, 8], 0);
  out[16] = first;
  out[17] = 0x10;
  out[18] = exchange;
  out[19] = flags;
  new DataView(out.buffer).setUint32(24, out.length);
  out.set(body, 28);
  return out;
}

/** Objects, arrays, strings and byte arrays in a decoded value: the decoder's allocation, roughly. */
function nodeCount(v: unknown): number {
  if (v instanceof Uint8Array || typeof v === 'string') return 1;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + nodeCount(x), 1);
  if (typeof v === 'object' && v !== null)
    return Object.values(v).reduce((n: number, x) => n + nodeCount(x), 1);
  return 0;
}

/** Replaces the value at a random place of a JSON tree (index `at` in depth-first order) with `by`. */
function replaceAt(v: unknown, at: { n: number }, by: unknown): unknown {
  if (at.n-- === 0) return by;
  if (Array.isArray(v)) return v.map((x) => replaceAt(x, at, by));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceAt(x, at, by)]));
  }
  return v;
}

const mutation = (len: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(len - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(len) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(len),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant('set16' as const),
      at: fc.nat(Math.max(0, len - 2)),
      value: fc.integer({ min: 0, max: 0xffff }),
    }),
  );

function mutate(b: Uint8Array, m: MutationValue): Uint8Array {
  const out = Uint8Array.from(b);
  switch (m.kind) {
    case 'flip':
      out[m.at] = (out[m.at] ?? 0) ^ (1 << m.bit);
      return out;
    case 'truncate':
      return out.subarray(0, m.at);
    case 'insert':
      return Uint8Array.from([...out.subarray(0, m.at), ...m.bytes, ...out.subarray(m.at)]);
    case 'set16':
      out[m.at] = m.value >> 8;
      out[m.at + 1] = m.value & 0xff;
      return out;
  }
}

type MutationValue =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'set16'; at: number; value: number };

describe('codec properties', () => {
  it('(1) arbitrary bytes: decode returns a message or throws DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        decodeOrUndefined(b);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(1, 2, 4, 5, 6, 32),
        fc.constantFrom(0, 1),
        fc.uint8Array({ maxLength: 200 }),
        (first, x, flags, body) => {
          const m = decodeOrUndefined(framed(first, x, flags, body));
          if (m) {
            assert.deepEqual(encodeMessage(m), framed(first, x, flags, body));
            assert.ok(nodeCount(m) <= body.length + 64, 'at most one object per input byte');
          }
        },
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (first, body) => {
        try {
          decodePayloadChain(first, body);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(2) typed messages: encode -> decode gives the same value, and encodes to the same bytes', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(message, (m) => {
        const wire = encodeMessage(m);
        const back = decodeMessage(wire);
        assert.deepEqual(back, m);
        assert.deepEqual(encodeMessage(back), wire);
        if (!m.body.encrypted) for (const p of m.body.payloads) seen.add(p.type);
        formatMessage(back);
      }),
      { numRuns: RUNS },
    );
    assert.deepEqual([...seen].sort(), [...PAYLOAD_KINDS].sort(), 'every payload type was generated');
  });

  it('(2b) payload chains with padding round-trip', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 4 }), fc.uint8Array({ maxLength: 16 }), (ps, pad) => {
        const enc = encodePayloadChain(ps, pad);
        const dec = decodePayloadChain(enc.firstPayload, enc.bytes);
        assert.deepEqual(dec.payloads, ps);
        assert.deepEqual(dec.padding, pad);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('(2c) a payload put before a chain already encoded: the bytes of encoding the whole chain', () => {
    fc.assert(
      fc.property(payload, fc.array(payload, { maxLength: 4 }), (first, rest) => {
        const whole = encodePayloadChain([first, ...rest]);
        const joined = prependPayload(first, encodePayloadChain(rest));
        assert.equal(joined.firstPayload, whole.firstPayload);
        assert.deepEqual(Buffer.from(joined.bytes), Buffer.from(whole.bytes));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('(3) mutated messages: DecodeError, or a message that re-encodes to the mutated bytes', () => {
    fc.assert(
      fc.property(
        message.chain((m) => {
          const wire = encodeMessage(m);
          return fc.tuple(fc.constant(wire), fc.array(mutation(wire.length), { minLength: 1, maxLength: 3 }));
        }),
        ([wire, ms]) => {
          let b = wire;
          for (const m of ms) if (b.length > 0) b = mutate(b, m as MutationValue);
          const d = decodeOrUndefined(b);
          if (d) assert.deepEqual(encodeMessage(d), Uint8Array.from(b));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(4) JSON: encode(fromJson(parse(stringify(toJson(decode(x)))))) === x', () => {
    fc.assert(
      fc.property(message, (m) => {
        const wire = encodeMessage(m);
        const json = JSON.parse(JSON.stringify(messageToJson(decodeMessage(wire))));
        assert.deepEqual(encodeMessage(messageFromJson(json)), wire);
      }),
      { numRuns: RUNS },
    );
  });

  it('(4b) JSON with any value put anywhere: a message or a JsonError, never another exception', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.jsonValue({ maxDepth: 2 }), (m, where, junk) => {
        const json = replaceAt(messageToJson(m), { n: where % 60 }, junk);
        let parsed: ReturnType<typeof messageFromJson>;
        try {
          parsed = messageFromJson(json);
        } catch (e) {
          if (e instanceof JsonError) return;
          throw e;
        }
        try {
          encodeMessage(parsed);
        } catch (e) {
          // Only sizes beyond the wire's 16-bit fields may still fail here.
          if (!(e instanceof EncodeError)) throw e;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
