/**
 * Hostile input to the engine: every datagram of a real exchange, mutated (bit flips, truncation,
 * extension, header changes), fed to endpoints in every state. The engine must never throw, and an
 * established SA must not change: same SAs, same keys, no events but log lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { IncomingDatagram } from '../../src/sa/types.js';
import { makePair } from './peers.js';

/** Runs a full exchange and records every datagram each side received. */
function recordedExchange(options: Parameters<typeof makePair>[0] = {}) {
  const pair = makePair(options);
  const seen: { to: 'a' | 'b'; datagram: IncomingDatagram }[] = [];
  for (const name of ['a', 'b'] as const) {
    const ep = pair[name];
    const original = ep.handleDatagram.bind(ep);
    ep.handleDatagram = (now, datagram) => {
      seen.push({ to: name, datagram: { ...datagram, data: Buffer.from(datagram.data) } });
      return original(now, datagram);
    };
  }
  pair.a.initiate(0, 'gw', 'net');
  pair.net.run(10_000);
  return { ...pair, seen };
}

/** The established SAs and their keys (a mutated first message may open a new half-open SA: that is allowed). */
function snapshot(ep: EndpointCore): string {
  const ike = ep.ikeSaList().filter((s) => s.state === 'established');
  return JSON.stringify({
    ike: ike.map((s) => [s.id, s.keys, s.remote]),
    child: ep.childSaList().map((c) => [c.id, c.keys]),
  });
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('header' as const),
    at: fc.integer({ min: 0, max: 27 }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(data: Uint8Array, m: Mutation): Buffer {
  const b = Buffer.from(data);
  if (b.length === 0) return b;
  switch (m.kind) {
    case 'flip':
      b[m.at % b.length] = (b[m.at % b.length] as number) ^ (1 << m.bit);
      return b;
    case 'truncate':
      return b.subarray(0, m.at % b.length);
    case 'extend':
      return Buffer.concat([b, m.bytes]);
    case 'header': {
      // After the 4-byte non-ESP marker when there is one.
      const offset = b.length > 4 && b.readUInt32BE(0) === 0 ? 4 : 0;
      if (offset + m.at < b.length) b[offset + m.at] = m.value;
      return b;
    }
  }
}

describe('IKEv1 engine under hostile input', () => {
  for (const [name, options] of [
    ['Main Mode with NAT-T', { encap: true }],
    ['Aggressive Mode', { aggressive: true }],
  ] as const) {
    it(`${name}: mutated datagrams never throw and never change an established SA`, () => {
      const { a, b, seen, net } = recordedExchange(options);
      assert.ok(seen.length >= 6);
      const before = { a: snapshot(a), b: snapshot(b) };
      while (a.pollEvent() !== undefined || b.pollEvent() !== undefined);
      fc.assert(
        fc.property(fc.nat({ max: seen.length - 1 }), mutation, (index, m) => {
          const { to, datagram } = seen[index]!;
          const target = to === 'a' ? a : b;
          const data = mutate(datagram.data, m);
          if (Buffer.from(data).equals(Buffer.from(datagram.data))) return;
          target.handleDatagram(net.now, { ...datagram, data });
          target.handleTimeout(net.now);
          for (let e = target.pollEvent(); e !== undefined; e = target.pollEvent()) {
            assert.equal(e.type, 'log', `a mutated datagram caused ${e.type}`);
          }
          while (target.pollTransmit() !== undefined);
          assert.equal(snapshot(target), before[to]);
        }),
        { numRuns: 1500, seed: 4242 },
      );
    });
  }

  it('random datagrams to a fresh responder never throw', () => {
    const { b } = makePair();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.boolean(), (bytes, marker) => {
        const data = marker ? Buffer.concat([Buffer.alloc(4), bytes]) : Buffer.from(bytes);
        b.handleDatagram(0, {
          local: { address: '192.0.2.2', port: marker ? 4500 : 500 },
          remote: { address: '192.0.2.1', port: 500 },
          data,
        });
        while (b.pollTransmit() !== undefined);
        while (b.pollEvent() !== undefined);
      }),
      { numRuns: 2000, seed: 7 },
    );
    assert.equal(b.ikeSaList().length, 0);
  });
});
