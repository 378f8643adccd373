/**
 * Forged messages in every state of the exchanges (RFC 2409 sections 5, 5.5, RFC 2408 section 4.8):
 * each is handed to the endpoint just before the real message it imitates, from another address.
 * A message that fails to authenticate must change nothing (docs/ikev1-engine.md): the SAs, their
 * addresses, cookies, keys, IVs, timers and children stay as they were, nothing is sent, and the real
 * exchange completes afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ExchangeType,
  IkeAttributeClass,
  type Message,
  type Payload,
  tvAttribute,
} from '../../src/codec/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import type { IncomingDatagram } from '../../src/sa/types.js';
import {
  ATTACKER,
  badHash,
  badHashDelete,
  decodeDatagram,
  fromAttacker,
  plainDelete,
  plainDpdAck,
  reencode,
  saState,
  withKeys,
} from './forge.js';
import { assertCrosswise, makePair, type PeerOptions } from './peers.js';

const MM = ExchangeType.IDENTITY_PROTECTION;
const AM = ExchangeType.AGGRESSIVE;
const QM = ExchangeType.QUICK_MODE;

interface Case {
  readonly name: string;
  readonly options: PeerOptions;
  readonly to: 'a' | 'b';
  /** Whether this received message is the one to imitate. */
  readonly when: (sa: IkeSa, message: Message) => boolean;
  /** The forgeries, made from the real message. */
  readonly forge: (sa: IkeSa, message: Message, marker: boolean) => Uint8Array[];
}

const zeros = (n: number) => new Uint8Array(n);

/** The message with its payloads changed by `f` (the plain ones; encrypted: see `rehashed`). */
function plainWith(
  message: Message,
  marker: boolean,
  f: (p: Payload) => Payload,
  responderCookie?: Uint8Array,
) {
  if (message.body.encrypted) throw new Error('plain message expected');
  return reencode(marker, {
    header: { ...message.header, ...(responderCookie === undefined ? {} : { responderCookie }) },
    body: { encrypted: false, payloads: message.body.payloads.map(f) },
  });
}

/** The encrypted message decrypted with the SA's keys, its HASH replaced, encrypted again. */
function rehashed(sa: IkeSa, message: Message, marker: boolean): Uint8Array {
  const decrypted = sa.decrypt(message);
  if (!('payloads' in decrypted)) throw new Error(decrypted.failure);
  const payloads = decrypted.payloads.map((p) => (p.type === 'hash' ? badHash(p.data.length) : p));
  const bytes = withKeys(sa, message.header, payloads);
  return marker ? Buffer.concat([zeros(4), bytes]) : bytes;
}

const unacceptableProposal = (p: Payload): Payload =>
  p.type !== 'sa'
    ? p
    : {
        ...p,
        proposals: p.proposals.map((proposal) => ({
          ...proposal,
          transforms: proposal.transforms.map((t) => ({
            ...t,
            // 3DES: not among the proposals the initiator offered.
            attributes: t.attributes.map((a) =>
              a.type === IkeAttributeClass.ENCRYPTION_ALGORITHM
                ? tvAttribute(IkeAttributeClass.ENCRYPTION_ALGORITHM, 5)
                : a,
            ),
          })),
        })),
      };

const zeroKe = (p: Payload): Payload =>
  p.type === 'key_exchange' ? { ...p, data: zeros(p.data.length) } : p;
const wrongHash = (p: Payload): Payload => (p.type === 'hash' ? badHash(p.data.length) : p);

const isStep = (step: IkeSa['state'], type: number) => (sa: IkeSa, m: Message) =>
  sa.state === step && m.header.exchangeType === type;

const CASES: Case[] = [
  {
    name: 'Main Mode message 2 with an unacceptable proposal and another responder cookie',
    options: {},
    to: 'a',
    when: isStep('mm-wait-2', MM),
    forge: (_sa, m, marker) => [plainWith(m, marker, unacceptableProposal, Buffer.alloc(8, 0x77))],
  },
  {
    name: 'Main Mode message 2 without an SA payload',
    options: {},
    to: 'a',
    when: isStep('mm-wait-2', MM),
    forge: (_sa, m, marker) => [
      reencode(marker, {
        header: m.header,
        body: {
          encrypted: false,
          payloads: m.body.encrypted ? [] : m.body.payloads.filter((p) => p.type !== 'sa'),
        },
      }),
    ],
  },
  {
    name: 'Main Mode message 4 with an invalid Diffie-Hellman value',
    options: {},
    to: 'a',
    when: isStep('mm-wait-4', MM),
    forge: (_sa, m, marker) => [plainWith(m, marker, zeroKe)],
  },
  {
    name: 'Main Mode message 5 with a wrong HASH_I, from another address (NAT-T)',
    options: { encap: true },
    to: 'b',
    when: isStep('mm-wait-5', MM),
    forge: (sa, m, marker) => [rehashed(sa, m, marker)],
  },
  {
    name: 'Main Mode message 6 with a wrong HASH_R, from another address',
    options: {},
    to: 'a',
    when: isStep('mm-wait-6', MM),
    forge: (sa, m, marker) => [rehashed(sa, m, marker)],
  },
  {
    name: 'Aggressive Mode message 2 with a wrong HASH_R',
    options: { aggressive: true },
    to: 'a',
    when: isStep('am-wait-2', AM),
    forge: (_sa, m, marker) => [plainWith(m, marker, wrongHash)],
  },
  {
    name: 'Aggressive Mode message 2 with an unacceptable proposal',
    options: { aggressive: true },
    to: 'a',
    when: isStep('am-wait-2', AM),
    forge: (_sa, m, marker) => [plainWith(m, marker, unacceptableProposal)],
  },
  {
    name: 'Aggressive Mode message 3 with a wrong HASH_I',
    options: { aggressive: true },
    to: 'b',
    when: isStep('am-wait-3', AM),
    forge: (sa, m, marker) => [rehashed(sa, m, marker)],
  },
  {
    name: 'Quick Mode message 1 with a wrong HASH(1)',
    options: {},
    to: 'b',
    when: (sa, m) =>
      sa.state === 'established' && m.header.exchangeType === QM && !sa.quickModes.has(m.header.messageId),
    forge: (sa, m, marker) => [rehashed(sa, m, marker)],
  },
  {
    name: 'Quick Mode message 2 with a wrong HASH(2)',
    options: {},
    to: 'a',
    when: (sa, m) =>
      m.header.exchangeType === QM && sa.quickModes.get(m.header.messageId)?.state === 'qm-i-wait-2',
    forge: (sa, m, marker) => [rehashed(sa, m, marker)],
  },
  {
    name: 'Quick Mode message 3 with a wrong HASH(3)',
    options: {},
    to: 'b',
    when: (sa, m) =>
      m.header.exchangeType === QM && sa.quickModes.get(m.header.messageId)?.state === 'qm-r-wait-3',
    forge: (sa, m, marker) => [rehashed(sa, m, marker)],
  },
];

function endpointState(ep: EndpointCore): string {
  return ep.ikeSas
    .all()
    .map((sa) => saState(ep, sa))
    .join('\n');
}

/**
 * Hands `forge`'s datagrams to the endpoint, from the attacker, just before the first real message
 * that `when` picks; checks that they changed nothing. Returns how many forgeries were handed over.
 */
function intercept(ep: EndpointCore, c: Case): { count: number } {
  const done = { count: 0 };
  const original = ep.handleDatagram.bind(ep);
  ep.handleDatagram = (now: number, dg: IncomingDatagram) => {
    if (done.count === 0) {
      const { marker, message } = decodeDatagram(dg.data);
      const cookie = Buffer.from(message.header.initiatorCookie);
      const sa = ep.ikeSas.all().find((s) => s.initiatorCookie.equals(cookie));
      if (sa !== undefined && c.when(sa, message)) {
        for (const data of c.forge(sa, message, marker)) {
          const before = endpointState(ep);
          original(now, fromAttacker(dg.local, data, { address: ATTACKER.address, port: dg.remote.port }));
          ep.handleTimeout(now);
          assert.equal(endpointState(ep), before, `${c.name}: the forged message changed the endpoint`);
          assert.equal(ep.pollTransmit(), undefined, `${c.name}: the forged message was answered`);
          for (let e = ep.pollEvent(); e !== undefined; e = ep.pollEvent())
            assert.equal(e.type, 'log', `${c.name}: the forged message caused ${e.type}`);
          done.count++;
        }
      }
    }
    return original(now, dg);
  };
  return done;
}

describe('IKEv1 engine: forged messages change nothing', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { net, a, b } = makePair(c.options);
      const forged = intercept(c.to === 'a' ? a : b, c);
      a.initiate(0, 'gw', 'net');
      net.run(60_000);
      const logs = `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
      assert.equal(forged.count, 1, `no forgery was made\n${logs}`);
      assert.equal(a.ikeSaList().length, 1, logs);
      assert.equal(b.ikeSaList().length, 1, logs);
      assert.equal(a.ikeSaList()[0]?.state, 'established', logs);
      assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
      assert.equal(a.childSaList().length, 1, logs);
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.equal(net.eventsOf('a', 'ike-sa-down').length + net.eventsOf('b', 'ike-sa-down').length, 0);
    });
  }

  it('Informational exchanges: unprotected or with a wrong HASH(1), a Delete and a DPD ACK do nothing', () => {
    const { net, a, b } = makePair({ connExtra: 'dpd_delay = 10s' });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const sa = a.ikeSas.all()[0]!;
    const before = endpointState(a);
    for (const data of [plainDelete(sa, 0x1234), badHashDelete(sa, 0x1235), plainDpdAck(sa, 0x1236)]) {
      a.handleDatagram(net.now, fromAttacker(sa.local, data));
      a.handleTimeout(net.now);
      assert.equal(endpointState(a), before);
      assert.equal(a.pollTransmit(), undefined);
    }
    net.run(net.now + 60_000);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    // A real exchange afterwards: a new Quick Mode (a rekeying: the child is up), then a real
    // Delete of the ISAKMP SA.
    a.childLimitReached(net.now, a.childSaList()[0]?.id ?? -1, false);
    net.run(net.now + 10_000);
    assert.equal(net.eventsOf('a', 'child-sa-up').length, 2);
    assertCrosswise(a.childSaList(), b.childSaList());
    a.terminate(net.now, 'gw');
    net.run(net.now + 10_000);
    assert.equal(b.ikeSaList().length, 0, net.logsOf('b').join('\n'));
  });
});

describe('IKEv1 engine: Main Mode message 3 to an offer answered without state', () => {
  it("an invalid Diffie-Hellman value, from the attacker and from the peer's own address, changes nothing", () => {
    const { net, a, b } = makePair();
    let forged = 0;
    const original = b.handleDatagram.bind(b);
    b.handleDatagram = (now: number, dg: IncomingDatagram) => {
      const { marker, message } = decodeDatagram(dg.data);
      const isMessage3 =
        message.header.exchangeType === MM &&
        !message.body.encrypted &&
        message.body.payloads.some((p) => p.type === 'key_exchange');
      if (forged === 0 && isMessage3 && b.ikeSaList().length === 0) {
        // On the path, an attacker saw message 2 and knows our cookie; it may spoof the peer's address.
        const data = plainWith(message, marker, zeroKe);
        for (const remote of [{ address: ATTACKER.address, port: dg.remote.port }, dg.remote]) {
          const offers = [b.mainModeOffers.size, b.mainModeOffers.bytes];
          original(now, { local: dg.local, remote, data });
          b.handleTimeout(now);
          assert.equal(b.ikeSaList().length, 0, 'the forged message 3 left an SA');
          assert.deepEqual([b.mainModeOffers.size, b.mainModeOffers.bytes], offers);
          assert.equal(b.timers.size, 0);
          assert.equal(b.pollTransmit(), undefined, 'the forged message 3 was answered');
          for (let e = b.pollEvent(); e !== undefined; e = b.pollEvent()) assert.equal(e.type, 'log');
          forged++;
        }
      }
      return original(now, dg);
    };
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    assert.equal(forged, 2);
    assert.equal(b.ikeSaList()[0]?.state, 'established', net.logsOf('b').join('\n'));
    assert.equal(b.mainModeOffers.size, 0, 'the offer went with its message 3');
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});

describe('IKEv1 engine: a first message that fails leaves nothing behind', () => {
  for (const aggressive of [false, true]) {
    it(`${aggressive ? 'Aggressive' : 'Main'} Mode message 1 that fails in its handler: no SA, no event; the real one completes`, () => {
      const { net, a, b } = makePair({ aggressive });
      a.initiate(0, 'gw', 'net');
      const first = a.pollTransmit();
      assert.ok(first !== undefined);
      const { marker, message } = decodeDatagram(first.data);
      // Main Mode: no SA payload; Aggressive Mode: a KE that does not fit the group. (An identity the
      // responder does not accept gets a decoy answer instead: aggressive-psk-responder.test.ts.)
      const forged = aggressive
        ? plainWith(message, marker, (p) =>
            p.type === 'key_exchange' ? { ...p, data: p.data.subarray(0, 16) } : p,
          )
        : reencode(marker, {
            header: message.header,
            body: {
              encrypted: false,
              payloads: message.body.encrypted ? [] : message.body.payloads.filter((p) => p.type !== 'sa'),
            },
          });
      b.handleDatagram(0, { local: first.remote, remote: first.local, data: forged });
      assert.equal(b.ikeSaList().length, 0);
      for (let e = b.pollEvent(); e !== undefined; e = b.pollEvent()) assert.equal(e.type, 'log');
      while (b.pollTransmit() !== undefined);
      b.handleDatagram(0, { local: first.remote, remote: first.local, data: first.data });
      net.run(10_000);
      assert.equal(b.ikeSaList()[0]?.state, 'established', net.logsOf('b').join('\n'));
      assertCrosswise(a.childSaList(), b.childSaList());
    });
  }
});

describe('IKEv1 engine: only authenticated messages prove the peer alive', () => {
  it('forged Informationals every 5 s do not keep a dead peer SA alive: DPD still declares it dead', () => {
    const { net, a } = makePair({ connExtra: 'dpd_delay = 10s\n    dpd_timeout = 30s' });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const sa = a.ikeSas.all()[0]!;
    net.detach('b');
    const start = net.now;
    for (let i = 0; net.now < start + 120_000 && a.ikeSaList().length > 0; i++) {
      const forged = [
        plainDelete(sa, 0x100 + i),
        badHashDelete(sa, 0x10000 + i),
        plainDpdAck(sa, 0x20000 + i),
      ];
      a.handleDatagram(net.now, fromAttacker(sa.local, forged[i % 3]!));
      net.run(net.now + 5_000);
    }
    assert.equal(a.ikeSaList().length, 0, net.logsOf('a').join('\n'));
    assert.match(net.logsOf('a').join('\n'), /the peer is dead/);
  });
});
