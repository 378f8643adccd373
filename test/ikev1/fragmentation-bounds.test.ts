/**
 * IKEv1 fragments from senders nobody authenticated: a message in fragments changes nothing before
 * it is whole (and then goes through the usual checks), and floods of fragments, spoofed first
 * messages or fragments for unknown cookies, hold no more than the bounds and no SA, timer or
 * answer, while a real exchange in fragments completes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, ExchangeType, encodeMessage } from '../../src/codec/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { IncomingDatagram, Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { SMALL, watch } from './fragment-watch.js';
import { makePair } from './peers.js';

/** A fragment datagram as anyone can make one. */
function fragment(
  initiatorCookie: Uint8Array,
  responderCookie: Uint8Array,
  number: number,
  last: boolean,
  data: Uint8Array,
): Uint8Array {
  return encodeMessage({
    header: {
      initiatorCookie,
      responderCookie,
      majorVersion: 1,
      minorVersion: 0,
      exchangeType: ExchangeType.IDENTITY_PROTECTION,
      commit: false,
      authenticationOnly: false,
      messageId: 0,
    },
    body: {
      encrypted: false,
      payloads: [{ type: 'fragment', fragmentId: 1, fragmentNumber: number, flags: last ? 1 : 0, data }],
    },
  });
}

/** Delivers what `from` wants to send to `to`, except what `hold` keeps back; returns those. */
function deliver(
  from: EndpointCore,
  to: EndpointCore,
  now: number,
  hold?: (t: Transmit) => boolean,
): Transmit[] {
  const held: Transmit[] = [];
  for (let t = from.pollTransmit(); t !== undefined; t = from.pollTransmit()) {
    if (hold?.(t)) held.push(t);
    else to.handleDatagram(now, { local: t.remote, remote: t.local, data: t.data });
  }
  return held;
}

const drain = (ep: EndpointCore) => {
  const events = [];
  for (let e = ep.pollEvent(); e !== undefined; e = ep.pollEvent()) events.push(e);
  return events;
};

describe('IKEv1 fragments from unauthenticated senders', () => {
  it('Main Mode message 5 in fragments changes nothing on the responder until its last fragment', () => {
    const { a, b } = makePair({ settings: SMALL });
    a.initiate(0, 'gw', 'net');
    // Messages 1 to 4.
    for (let i = 0; i < 2; i++) {
      deliver(a, b, 10 * i);
      deliver(b, a, 10 * i + 5);
    }
    // Message 5 in fragments: all but the last.
    const fragments: Transmit[] = [];
    for (let t = a.pollTransmit(); t !== undefined; t = a.pollTransmit()) fragments.push(t);
    assert.ok(fragments.length >= 2, `${fragments.length} fragments`);
    const sa = b.ikeSas.all()[0];
    assert.ok(sa);
    drain(b);
    const before = {
      state: sa.state,
      lastActivity: sa.lastActivity,
      timeout: b.pollTimeout(),
      remote: sa.remote,
      failure: sa.failure,
      keys: sa.keys,
    };
    const toB = (t: Transmit, now: number) =>
      b.handleDatagram(now, { local: t.remote, remote: t.local, data: t.data });
    for (const t of fragments.slice(0, -1)) toB(t, 1000);
    assert.deepEqual(
      {
        state: sa.state,
        lastActivity: sa.lastActivity,
        timeout: b.pollTimeout(),
        remote: sa.remote,
        failure: sa.failure,
        keys: sa.keys,
      },
      before,
    );
    assert.equal(b.pollTransmit(), undefined, 'no answer');
    assert.equal(drain(b).filter((e) => e.type !== 'log').length, 0);
    assert.equal(b.fragments.size, 1);
    const last = fragments.at(-1);
    assert.ok(last);
    toB(last, 1001);
    assert.equal(b.fragments.size, 0);
    assert.equal(sa.state, 'established');
    assert.ok(b.pollTransmit(), 'message 6 goes out');
  });

  it('fragments as libreswan sends them (the original exchange type and message ID kept) are reassembled too', () => {
    const { a, b } = makePair({ settings: SMALL });
    a.initiate(0, 'gw', 'net');
    let qm = 0;
    // libreswan copies the original message's header into each fragment (E flag cleared).
    const libreswanStyle = (t: Transmit): Transmit => {
      const m = decodeMessage(t.data);
      const first = m.body.encrypted ? undefined : m.body.payloads[0];
      if (first?.type !== 'fragment') return t;
      if (first.fragmentNumber === 1) {
        const inner = first.data;
        if (inner[18] !== ExchangeType.QUICK_MODE) return t;
        qm = Buffer.from(inner).readUInt32BE(20);
      }
      if (qm === 0) return t;
      const header = { ...m.header, exchangeType: ExchangeType.QUICK_MODE, messageId: qm };
      return { ...t, data: encodeMessage({ header, body: m.body }) };
    };
    for (let round = 0; round < 6; round++) {
      for (let t = a.pollTransmit(); t !== undefined; t = a.pollTransmit()) {
        const sent = libreswanStyle(t);
        b.handleDatagram(10 * round, { local: sent.remote, remote: sent.local, data: sent.data });
      }
      deliver(b, a, 10 * round + 5);
    }
    assert.notEqual(qm, 0, 'Quick Mode 1 went in fragments with its own header');
    assert.equal(a.childSaList().length, 1);
    assert.equal(b.childSaList().length, 1, b.pollEvent() ? JSON.stringify(drain(b)) : '');
  });

  it('a flood of spoofed fragments of first messages and of unknown cookies: bounded, no SA, no answer', () => {
    for (const policy of ['yes', 'force'] as const) {
      const pair = makePair(
        { settings: SMALL, connExtra: `fragmentation = ${policy}` },
        undefined,
        `flood-${policy}`,
      );
      const { net, a, b } = pair;
      const seen = watch(net);
      const random = seededRandom(`fragment-flood-${policy}`);
      const int = (n: number) => Math.floor(random.float() * n);
      let maxFirst = 0;
      let maxBytes = 0;
      let spoofed = 0;
      const answersBefore = () => net.sent.get('b') ?? 0;
      for (let ms = 0; ms < 6000; ms++) {
        for (let i = 0; i < 2; i++) {
          const first = i === 0;
          const dg: IncomingDatagram = {
            local: { address: '192.0.2.2', port: 500 },
            remote: { address: `198.18.${int(256)}.${int(256)}`, port: 500 + int(60000) },
            data: fragment(
              random.bytes(8),
              first ? new Uint8Array(8) : random.bytes(8),
              1 + int(32),
              int(4) === 0,
              random.bytes(int(1000)),
            ),
          };
          b.handleDatagram(net.now, dg);
          spoofed++;
        }
        maxFirst = Math.max(maxFirst, b.fragments.firstMessages);
        maxBytes = Math.max(maxBytes, b.fragments.bytes);
        if (ms === 3000) a.initiate(net.now, 'gw', 'net');
        net.run(ms + 1);
      }
      net.run(net.now + 60_000);
      const context = `${policy}\n${net.logsOf('b').slice(0, 40).join('\n')}`;
      assert.equal(spoofed, 12_000);
      assert.ok(maxFirst <= 64 && maxFirst > 32, `${maxFirst} first messages in reassembly at most`);
      assert.ok(maxBytes <= 64 * 10_000, `${maxBytes} bytes held at most`);
      assert.equal(a.ikeSaList()[0]?.state, 'established', context);
      assert.equal(b.ikeSaList().length, 1, 'only the real peer');
      assert.equal(b.childSaList().length, 1, context);
      assert.ok(
        seen.fragmented.filter((f) => f.from === 'a').length >= 3,
        'the real exchange went in fragments',
      );
      if (policy === 'force')
        assert.equal(
          seen.fragmented[0]?.exchangeType,
          ExchangeType.IDENTITY_PROTECTION,
          'message 1 in fragments',
        );
      // No answer to anything spoofed: b sent only the real exchange's datagrams.
      assert.ok(answersBefore() < 100, `${answersBefore()} datagrams sent by b`);
      // Log lines stay few (rate-limited per kind of drop).
      assert.ok(net.logsOf('b').length < 200, `${net.logsOf('b').length} log lines`);
    }
  });
});
