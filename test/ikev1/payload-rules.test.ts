/**
 * The payload rules (src/ikev1/payload-rules.ts, issue 10 item 11): in every exchange type, a message
 * with a payload repeated that may appear once, or a payload it does not carry, is refused before a
 * handler takes the first of a kind. The real message is changed as its sender could have changed it
 * (decrypted, changed, re-HASHed and re-encrypted with the real keys: test/fuzz/sealing.ts), and
 * handed over just before (phase 1) or instead of (Quick Mode) the real one.
 * - Phase 1 messages cannot be authenticated as a whole: nothing changes, nothing is sent, and the
 *   real message completes the exchange; a responder's first message is refused with the rule's
 *   notify, unprotected.
 * - Quick Mode and Informational messages whose HASH verifies are refused with the rule's notify
 *   under the keys, and nothing of them is acted on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeMessage,
  ExchangeType,
  type Message,
  NotifyType,
  type Payload,
  ProtocolId,
} from '../../src/codec/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import { checkPayloads, rulesOf } from '../../src/ikev1/payload-rules.js';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import type { EndpointEvent, IncomingDatagram } from '../../src/sa/types.js';
import { seal } from '../fuzz/sealing.js';
import { decodeDatagram, header, saState } from './forge.js';
import { assertCrosswise, makePair, type PeerOptions } from './peers.js';

const MM = ExchangeType.IDENTITY_PROTECTION;
const AM = ExchangeType.AGGRESSIVE;
const QM = ExchangeType.QUICK_MODE;

type Expect = 'nothing' | 'refused-first' | 'refused';

interface Case {
  readonly name: string;
  readonly options: PeerOptions;
  readonly to: 'a' | 'b';
  /** Whether this received message (on the receiver's SA, if it has one yet) is the one to change. */
  readonly when: (m: Message, sa: IkeSa | undefined) => boolean;
  readonly change: (payloads: Payload[]) => Payload[];
  readonly expect: Expect;
  readonly code: string;
  readonly notify: 'PAYLOAD_MALFORMED' | 'INVALID_PAYLOAD_TYPE';
}

const twice = (type: Payload['type']) => (ps: Payload[]) => {
  const at = ps.findIndex((p) => p.type === type);
  return [...ps.slice(0, at + 1), ps[at]!, ...ps.slice(at + 1)];
};
const plus = (p: Payload) => (ps: Payload[]) => [...ps, p];
const without = (type: Payload['type']) => (ps: Payload[]) => ps.filter((p) => p.type !== type);
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
const A_HASH: Payload = { type: 'hash', data: bytes(32, 0x11) };
const A_DELETE: Payload = {
  type: 'delete',
  doi: 1,
  protocolId: ProtocolId.PROTO_IPSEC_ESP,
  spiSize: 4,
  spis: [bytes(4, 7)],
};
const A_KE: Payload = { type: 'key_exchange', data: bytes(32, 0x22) };
/** An SA payload of the kind each message already carries (its own first one). */
const anotherSa = (ps: Payload[]) => [...ps, ...ps.filter((p) => p.type === 'sa')];
const qmStep = (sa: IkeSa | undefined, m: Message) => sa?.quickModes.get(m.header.messageId)?.state;
const hasKe = (m: Message) => !m.body.encrypted && m.body.payloads.some((p) => p.type === 'key_exchange');

const CASES: readonly Case[] = [
  // Main Mode
  {
    name: 'Main Mode message 1 with two SA payloads',
    options: {},
    to: 'b',
    when: (m, sa) => m.header.exchangeType === MM && sa === undefined && !hasKe(m),
    change: twice('sa'),
    expect: 'refused-first',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Main Mode message 2 with two SA payloads',
    options: {},
    to: 'a',
    when: (m, sa) => m.header.exchangeType === MM && sa?.state === 'mm-wait-2',
    change: anotherSa,
    expect: 'nothing',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Main Mode message 3 with a HASH payload',
    options: {},
    to: 'b',
    when: (m, sa) => m.header.exchangeType === MM && sa === undefined && hasKe(m),
    change: plus(A_HASH),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_UNEXPECTED',
    notify: 'INVALID_PAYLOAD_TYPE',
  },
  {
    name: 'Main Mode message 4 with two Nonce payloads',
    options: {},
    to: 'a',
    when: (m, sa) => m.header.exchangeType === MM && sa?.state === 'mm-wait-4',
    change: twice('nonce'),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Main Mode message 5 with two ID payloads (HASH_I over the first)',
    options: {},
    to: 'b',
    when: (m, sa) => m.header.exchangeType === MM && sa?.state === 'mm-wait-5',
    change: twice('identification'),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Main Mode message 6 with a Key Exchange payload',
    options: {},
    to: 'a',
    when: (m, sa) => m.header.exchangeType === MM && sa?.state === 'mm-wait-6',
    change: plus(A_KE),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_UNEXPECTED',
    notify: 'INVALID_PAYLOAD_TYPE',
  },
  // Aggressive Mode
  {
    name: 'Aggressive Mode message 1 with a HASH payload',
    options: { aggressive: true },
    to: 'b',
    when: (m, sa) => m.header.exchangeType === AM && sa === undefined,
    change: plus(A_HASH),
    expect: 'refused-first',
    code: 'ERR_PAYLOAD_UNEXPECTED',
    notify: 'INVALID_PAYLOAD_TYPE',
  },
  {
    name: 'Aggressive Mode message 2 with two KE payloads',
    options: { aggressive: true },
    to: 'a',
    when: (m, sa) => m.header.exchangeType === AM && sa?.state === 'am-wait-2',
    change: twice('key_exchange'),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Aggressive Mode message 2 without its ID payload',
    options: { aggressive: true },
    to: 'a',
    when: (m, sa) => m.header.exchangeType === AM && sa?.state === 'am-wait-2',
    change: without('identification'),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_MISSING',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Aggressive Mode message 3 with a Delete payload',
    options: { aggressive: true },
    to: 'b',
    when: (m, sa) => m.header.exchangeType === AM && sa?.state === 'am-wait-3',
    change: plus(A_DELETE),
    expect: 'nothing',
    code: 'ERR_PAYLOAD_UNEXPECTED',
    notify: 'INVALID_PAYLOAD_TYPE',
  },
  // Quick Mode
  {
    name: 'Quick Mode message 1 with two SA payloads',
    options: {},
    to: 'b',
    when: (m, sa) => m.header.exchangeType === QM && qmStep(sa, m) === undefined,
    change: anotherSa,
    expect: 'refused',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Quick Mode message 1 with a Delete payload',
    options: {},
    to: 'b',
    when: (m, sa) => m.header.exchangeType === QM && qmStep(sa, m) === undefined,
    change: plus(A_DELETE),
    expect: 'refused',
    code: 'ERR_PAYLOAD_UNEXPECTED',
    notify: 'INVALID_PAYLOAD_TYPE',
  },
  {
    name: 'Quick Mode message 2 with two Nonce payloads',
    options: {},
    to: 'a',
    when: (m, sa) => m.header.exchangeType === QM && qmStep(sa, m) === 'qm-i-wait-2',
    change: twice('nonce'),
    expect: 'refused',
    code: 'ERR_PAYLOAD_REPEATED',
    notify: 'PAYLOAD_MALFORMED',
  },
  {
    name: 'Quick Mode message 3 with a Nonce payload',
    options: {},
    to: 'b',
    when: (m, sa) => m.header.exchangeType === QM && qmStep(sa, m) === 'qm-r-wait-3',
    change: (ps) => [...ps, { type: 'nonce', data: bytes(16, 3) }],
    expect: 'refused',
    code: 'ERR_PAYLOAD_UNEXPECTED',
    notify: 'INVALID_PAYLOAD_TYPE',
  },
];

const logs = (events: readonly EndpointEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [e.message] : []));

function endpointState(ep: EndpointCore): string {
  const sas = ep.ikeSas.all().map((sa) => saState(ep, sa));
  return JSON.stringify([sas, ep.mainModeOffers.size, ep.mainModeOffers.bytes, ep.childSaList().length]);
}

/** The real message `dg` as its sender could have changed it, sealed for the receiver. */
function changed(receiver: EndpointCore, sender: EndpointCore, dg: IncomingDatagram, c: Case): Uint8Array {
  const { marker, message } = decodeDatagram(dg.data);
  const cookie = Buffer.from(message.header.initiatorCookie);
  const rsa = receiver.ikeSas.all().find((s) => s.initiatorCookie.equals(cookie));
  const ssa = sender.ikeSas.all().find((s) => s.initiatorCookie.equals(cookie));
  let payloads: readonly Payload[];
  if (message.body.encrypted) {
    const decrypted = rsa?.decrypt(message);
    if (decrypted === undefined || !('payloads' in decrypted))
      throw new Error('cannot decrypt the real message');
    payloads = decrypted.payloads;
  } else payloads = message.body.payloads;
  return seal(rsa, ssa, {
    header: message.header,
    payloads: c.change([...payloads]),
    encrypt: message.body.encrypted,
    marker,
    rehash: true,
  });
}

describe('payload rules: each exchange refuses a repeated or unexpected payload', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.expect === 'nothing' ? 'changes nothing' : `refused with ${c.notify}`} (${c.code})`, () => {
      const { net, a, b } = makePair(c.options);
      const [receiver, sender] = c.to === 'a' ? [a, b] : [b, a];
      const seen: EndpointEvent[] = [];
      let done = false;
      const original = receiver.handleDatagram.bind(receiver);
      receiver.handleDatagram = (now: number, dg: IncomingDatagram) => {
        const { message } = decodeDatagram(dg.data);
        const sa = receiver.ikeSas
          .all()
          .find((s) => s.initiatorCookie.equals(Buffer.from(message.header.initiatorCookie)));
        if (done || !c.when(message, sa)) return original(now, dg);
        done = true;
        const data = changed(receiver, sender, dg, c);
        const before = endpointState(receiver);
        const result = original(now, { ...dg, data });
        assert.equal(result.kind, 'dropped');
        assert.match(result.reason ?? '', new RegExp(`^${c.code}: `));
        if (c.expect === 'refused') return result; // the real message is not delivered: refused in its place
        for (let e = receiver.pollEvent(); e !== undefined; e = receiver.pollEvent()) seen.push(e);
        assert.deepEqual(
          seen.filter((e) => e.type !== 'log'),
          [],
          'only log lines',
        );
        assert.equal(endpointState(receiver), before, 'the message changed the endpoint');
        const sent = receiver.pollTransmit();
        if (c.expect === 'nothing') assert.equal(sent, undefined, 'the message was answered');
        else {
          assert.ok(sent !== undefined, 'a first message is refused with a notify');
          const refusal = decodeMessage(sent.data);
          assert.equal(refusal.header.exchangeType, ExchangeType.INFORMATIONAL);
          assert.ok(!refusal.body.encrypted);
          assert.deepEqual(
            refusal.body.payloads.map((p) => (p.type === 'notification' ? p.notifyType : p.type)),
            [NotifyType[c.notify]],
          );
          assert.equal(receiver.pollTransmit(), undefined);
        }
        return original(now, dg);
      };
      a.initiate(0, 'gw', 'net');
      net.run(c.expect === 'refused' ? 10_000 : 60_000);
      const all = `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
      assert.ok(done, `the message was never seen\n${all}`);
      if (c.expect !== 'refused') {
        assert.ok(
          logs([...seen, ...(net.events.get(c.to) ?? [])]).some((l) => l.includes(c.code)),
          `no log line names ${c.code}\n${all}`,
        );
        // The real message completes the exchange.
        assert.equal(a.ikeSaList()[0]?.state, 'established', all);
        assert.equal(b.ikeSaList()[0]?.state, 'established', all);
        assertCrosswise(a.childSaList(), b.childSaList());
        return;
      }
      assert.ok(
        net.logsOf(c.to).some((l) => l.includes(c.code) && l.includes(c.notify)),
        all,
      );
      // The peer decrypted the notify (it was sent under the keys, with a verified HASH).
      assert.ok(
        net.logsOf(c.to === 'a' ? 'b' : 'a').some((l) => l.endsWith(`peer notifies ${c.notify}`)),
        all,
      );
      assert.equal(receiver.childSaList().length, 0, 'nothing installed');
      assert.equal(receiver.ikeSas.all()[0]?.quickModes.size, 0, 'the Quick Mode ended');
      if (c.to === 'a') assert.equal(net.eventsOf('a', 'child-sa-failed').length, 1);
    });
  }
});

describe('payload rules: Informational', () => {
  for (const [name, extra, code, notify] of [
    ['a second HASH payload', A_HASH, 'ERR_PAYLOAD_REPEATED', 'PAYLOAD_MALFORMED'],
    ['a Key Exchange payload', A_KE, 'ERR_PAYLOAD_UNEXPECTED', 'INVALID_PAYLOAD_TYPE'],
  ] as const) {
    it(`a protected Delete of the ISAKMP SA with ${name} deletes nothing: refused with ${notify} (${code})`, () => {
      const { net, a, b } = makePair();
      a.initiate(0, 'gw', 'net');
      net.run(10_000);
      const [sa, peer] = [b.ikeSas.all()[0]!, a.ikeSas.all()[0]!];
      const del: Payload = {
        type: 'delete',
        doi: 1,
        protocolId: ProtocolId.PROTO_ISAKMP,
        spiSize: 16,
        spis: [Buffer.concat([sa.initiatorCookie, sa.responderCookie])],
      };
      const data = seal(sa, peer, {
        header: header(sa, ExchangeType.INFORMATIONAL, 0x5eed),
        payloads: [A_HASH, del, extra],
        encrypt: true,
        marker: false,
        rehash: true,
      });
      const result = b.handleDatagram(net.now, { local: sa.local, remote: sa.remote, data });
      assert.match(result.reason ?? '', new RegExp(`^${code}: `));
      net.run(net.now + 1000);
      assert.equal(b.ikeSaList()[0]?.state, 'established', net.logsOf('b').join('\n'));
      assert.equal(b.childSaList().length, 1);
      assert.ok(net.logsOf('b').some((l) => l.includes(code) && l.includes(notify)));
      assert.ok(
        net.logsOf('a').some((l) => l.endsWith(`peer notifies ${notify}`)),
        net.logsOf('a').join('\n'),
      );
      // The same without the extra payload is a Delete the peer honours.
      const real = seal(sa, peer, {
        header: header(sa, ExchangeType.INFORMATIONAL, 0x5eee),
        payloads: [A_HASH, del],
        encrypt: true,
        marker: false,
        rehash: true,
      });
      b.handleDatagram(net.now, { local: sa.local, remote: sa.remote, data: real });
      assert.equal(b.ikeSaList().length, 0);
    });
  }
});

describe('payload rules: the table', () => {
  const sa: Payload = { type: 'sa', doi: 1, situation: 1, proposals: [] } as unknown as Payload;
  const vid: Payload = { type: 'vendor_id', data: bytes(16, 1) };
  const notify: Payload = {
    type: 'notification',
    doi: 1,
    protocolId: 1,
    spi: new Uint8Array(0),
    notifyType: 24578,
    data: new Uint8Array(0),
  };
  const natd: Payload = { type: 'nat_d', draft: false, hash: bytes(32, 9) };
  const priv: Payload = { type: 'unknown', payloadType: 200, data: bytes(4, 0) };

  it('Vendor IDs, notifies, NAT-D and private-use payloads may repeat', () => {
    assert.equal(checkPayloads('mm-1', [sa, vid, vid, vid, notify, notify, priv, priv]), undefined);
    assert.equal(
      checkPayloads('mm-4', [A_KE, { type: 'nonce', data: bytes(16, 1) }, natd, natd, natd]),
      undefined,
    );
  });

  it('names the code, the notify and the payload of the first violation', () => {
    assert.deepEqual(checkPayloads('mm-1', [vid]), {
      code: 'ERR_PAYLOAD_MISSING',
      notify: 'PAYLOAD_MALFORMED',
      message: 'mm-1',
      payload: 'sa',
      reason: 'ERR_PAYLOAD_MISSING: Main Mode message 1 lacks its sa payload',
    });
    assert.equal(checkPayloads('qm-3', [vid, A_HASH])?.code, 'ERR_PAYLOAD_HASH_NOT_FIRST');
    assert.equal(checkPayloads('informational', [A_HASH, A_HASH])?.code, 'ERR_PAYLOAD_REPEATED');
    assert.equal(checkPayloads('mm-2', [sa, A_KE])?.notify, 'INVALID_PAYLOAD_TYPE');
  });

  it('pre-shared keys add HASH_I/HASH_R to Main Mode 5 and 6 and Aggressive Mode 2 and 3', () => {
    for (const m of ['mm-5', 'mm-6', 'am-2', 'am-3'] as const)
      assert.deepEqual(rulesOf(m, 'psk').hash, { min: 1, max: 1 });
    for (const m of ['mm-1', 'mm-3', 'am-1'] as const) assert.equal(rulesOf(m, 'psk').hash, undefined);
  });
});
