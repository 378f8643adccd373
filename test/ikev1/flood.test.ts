/**
 * Floods of forged datagrams against an established SA, on the virtual clock: the state they can
 * cause stays bounded (timer queue entries, log lines), and the SA keeps working.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType, tryDecodeMessage } from '../../src/codec/index.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import { badHashDelete, fromAttacker, garbageEncrypted, plainDelete } from './forge.js';
import { assertCrosswise, makePair } from './peers.js';

const FLOOD = 100_000;
/** 20,000 datagrams per second of virtual time. */
const PER_MS = 20;

function established() {
  const pair = makePair({ connExtra: 'dpd_delay = 10s\n    dpd_timeout = 30s' });
  pair.a.initiate(0, 'gw', 'net');
  pair.net.run(10_000);
  const sa = pair.a.ikeSas.all()[0];
  assert.ok(sa !== undefined && sa.state === 'established');
  return { ...pair, sa };
}

describe('IKEv1 engine under a flood of forged datagrams', () => {
  it(`${FLOOD} datagrams to one SA leave one timer queue entry per SA`, () => {
    const { net, a, b, sa } = established();
    let largest = 0;
    const start = net.now;
    for (let i = 0; i < FLOOD; i++) {
      const now = start + Math.floor(i / PER_MS);
      const type = i % 2 === 0 ? ExchangeType.QUICK_MODE : ExchangeType.INFORMATIONAL;
      a.handleDatagram(now, fromAttacker(sa.local, garbageEncrypted(sa, type, 1 + (i % 5000), i)));
      if (i % PER_MS === 0) a.handleTimeout(now);
      largest = Math.max(largest, a.timers.size);
      while (a.pollEvent() !== undefined);
    }
    assert.equal(largest, 1, `the timer queue held ${largest} entries for 1 SA`);
    // The SA's timers still run: DPD keeps it up with the live peer, and a rekey still works.
    net.run(net.now + 120_000);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.equal(a.pollTimeout(), a.timers.deadlineOf(sa));
    const installed = net.eventsOf('a', 'child-sa-up').length;
    a.childLimitReached(net.now, a.childSaList()[0]?.id ?? -1, false);
    net.run(net.now + 10_000);
    assert.equal(net.eventsOf('a', 'child-sa-up').length, installed + 1);
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it(`${FLOOD} forged datagrams of six kinds write a bounded number of log lines, with the rest counted`, () => {
    const { net, a, sa } = established();
    const kinds = [
      (i: number) => garbageEncrypted(sa, ExchangeType.QUICK_MODE, 1 + i, i),
      (i: number) => garbageEncrypted(sa, ExchangeType.INFORMATIONAL, 1 + i, i),
      (i: number) => plainDelete(sa, 1 + i),
      (i: number) => badHashDelete(sa, 1 + i),
      // Malformed: a header claiming more bytes than there are.
      (i: number) => Buffer.concat([plainDelete(sa, 1 + i).subarray(0, 30), Buffer.from([i & 255])]),
      // A Main Mode message 1 no connection accepts (it offers no SA payload... from a stranger).
      (i: number) => {
        const m = plainDelete(sa, 0);
        m.writeUInt32BE(i + 1, 0);
        m.writeUInt32BE(0, 8);
        m.writeUInt32BE(0, 12);
        m[18] = ExchangeType.IDENTITY_PROTECTION;
        return m;
      },
    ];
    const lines: string[] = [];
    const start = net.now;
    for (let i = 0; i < FLOOD; i++) {
      const now = start + Math.floor(i / PER_MS);
      const kind = kinds[i % kinds.length]!;
      a.handleDatagram(now, fromAttacker(sa.local, kind(i)));
      if (i % PER_MS === 0) a.handleTimeout(now);
      for (let e = a.pollEvent(); e !== undefined; e = a.pollEvent())
        if (e.type === 'log') lines.push(`${e.level} ${e.message}`);
    }
    const earlier = net.logsOf('a').length;
    net.run(start + 60_000);
    lines.push(...net.logsOf('a').slice(earlier));
    // Six kinds, 5 s of flood and a minute after: about (10 + 5) lines and a summary or two per kind.
    assert.ok(lines.length <= 200, `${lines.length} log lines:\n${lines.slice(0, 50).join('\n')}`);
    const suppressed = lines.flatMap((l) => {
      const m = /^info (\d+) similar messages suppressed/.exec(l);
      return m ? [Number(m[1])] : [];
    });
    const counted = suppressed.reduce((x, y) => x + y, 0);
    assert.ok(counted > FLOOD / 2, `only ${counted} suppressed lines counted`);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
  });

  it('10,000 random datagrams with an IKEv1 version byte: the decoder’s many complaints share one log limit', () => {
    const { net, a, sa } = established();
    const random = seededRandom('malformed-flood');
    const lines: string[] = [];
    /** What the decoder says of each datagram, without the values: many different texts. */
    const texts = new Set<string>();
    const start = net.now;
    for (let i = 0; i < 10_000; i++) {
      const data = random.bytes(28 + (random.bytes(1)[0] ?? 0));
      data[17] = 0x10; // IKEv1: past the version check, into the decoder
      if (i % 2 === 0) data.writeUInt32BE(data.length, 24); // and past the length check, into the payloads
      if (i % 4 === 0) data[16] = [1, 2, 3, 4, 5, 8, 10, 11, 13][i % 9] ?? 1; // a known first payload
      const decoded = tryDecodeMessage(data);
      if (!decoded.ok) texts.add(decoded.error.message.replace(/\d+/g, '#'));
      a.handleDatagram(start, fromAttacker(sa.local, data));
      for (let e = a.pollEvent(); e !== undefined; e = a.pollEvent())
        if (e.type === 'log') lines.push(e.message);
    }
    const malformed = lines.filter((l) => l.startsWith('dropped a malformed message'));
    // Dozens of decoding error texts (`flags 0xab`, an exchange type, lengths), but one kind: the
    // burst of 10, not 10 per text (116 lines of them before).
    assert.ok(malformed.length <= 10, `${malformed.length} lines:\n${malformed.join('\n')}`);
    assert.ok(malformed.length >= 1 && lines.length <= 11, lines.join('\n'));
    assert.ok(texts.size >= 20, [...texts].join('\n'));
    assert.equal(a.ikeSaList()[0]?.state, 'established');
  });

  it('10,000 first messages from strangers in 0.5 s: at most 20 + 20/s unprotected refusals sent', () => {
    const { a, b } = makePair();
    a.initiate(0, 'gw', 'net');
    const first = a.pollTransmit();
    assert.ok(first !== undefined);
    let replies = 0;
    for (let i = 0; i < 10_000; i++) {
      const now = Math.floor(i / PER_MS);
      const stranger = { address: `10.9.${(i >> 8) & 255}.${i & 255}`, port: 500 };
      b.handleDatagram(now, { local: first.remote, remote: stranger, data: first.data });
      for (let t = b.pollTransmit(); t !== undefined; t = b.pollTransmit()) replies++;
      while (b.pollEvent() !== undefined);
    }
    assert.ok(replies >= 20, `${replies} refusals`);
    assert.ok(replies <= 20 + 20 * 0.5 + 1, `${replies} refusals`);
    assert.equal(b.ikeSaList().length, 0);
  });

  it('10,000 undecryptable Main Mode messages 5 in 0.5 s: at most 20 + 20/s PAYLOAD-MALFORMED sent', () => {
    const { net, a, b } = makePair();
    a.initiate(0, 'gw', 'net');
    // 5 ms a hop: message 3 reaches b at 15 ms; b then waits for message 5.
    net.run(17);
    const sa = b.ikeSas.all()[0];
    assert.equal(sa?.state, 'mm-wait-5');
    net.detach('a');
    let replies = 0;
    for (let i = 0; i < 10_000; i++) {
      const now = 17 + Math.floor(i / PER_MS);
      const data = garbageEncrypted(sa, ExchangeType.IDENTITY_PROTECTION, 0, i);
      b.handleDatagram(now, fromAttacker(sa.local, data));
      for (let t = b.pollTransmit(); t !== undefined; t = b.pollTransmit()) replies++;
      while (b.pollEvent() !== undefined);
    }
    assert.ok(replies >= 20, `${replies} notifies`);
    assert.ok(replies <= 20 + 20 * 0.5 + 1, `${replies} notifies`);
    assert.equal(sa.state, 'mm-wait-5');
    void a;
  });

  it('1,000 spoofed Main Mode messages 1: answered without SA, timer or log line', () => {
    const config = (local: string, remote: string) =>
      parseSwanctlConfig(`connections { gw { version = 1
        local_addrs = ${local}
        remote_addrs = ${remote}
        proposals = aes128-sha256-x25519
        local { auth = psk }
        remote { auth = psk }
        children { net { esp_proposals = aes128-sha256 } } } }
      secrets { ike { secret = flood-secret-0123456789 } }`);
    const responder = new EndpointCore({ config: config('10.0.0.1', '%any'), random: seededRandom('r') }, 0);
    const initiator = new EndpointCore(
      { config: config('10.1.0.1', '10.0.0.1'), random: seededRandom('i') },
      0,
    );
    initiator.initiate(0, 'gw', 'net');
    const first = initiator.pollTransmit();
    assert.ok(first !== undefined);
    const lines: string[] = [];
    let answers = 0;
    const collect = () => {
      for (let e = responder.pollEvent(); e !== undefined; e = responder.pollEvent())
        if (e.type === 'log') lines.push(`${e.level} ${e.message}`);
      while (responder.pollTransmit() !== undefined) answers++;
    };
    for (let i = 0; i < 1000; i++) {
      const spoofed = { address: `10.9.${i >> 8}.${i & 255}`, port: 500 };
      responder.handleDatagram(Math.floor(i / PER_MS), {
        local: first.remote,
        remote: spoofed,
        data: first.data,
      });
      collect();
    }
    assert.equal(answers, 1000, 'each message 1 is answered (message 2)');
    assert.equal(responder.ikeSaList().length, 0);
    assert.equal(responder.timers.size, 0);
    assert.equal(responder.pollTimeout(), undefined);
    assert.equal(responder.mainModeOffers.size, 1000);
    assert.equal(lines.length, 0, lines.join('\n'));
    // The records go after the half-open timeout, found stale by the next message 1.
    responder.handleDatagram(30_100, { local: first.remote, remote: first.local, data: first.data });
    collect();
    assert.equal(responder.mainModeOffers.size, 1);
  });

  it('1,000 spoofed Aggressive Mode messages 1 and their half-open timeouts: a bounded number of log lines', () => {
    const config = (local: string, remote: string) =>
      parseSwanctlConfig(`connections { gw { version = 1
        aggressive = yes
        local_addrs = ${local}
        remote_addrs = ${remote}
        proposals = aes128-sha256-x25519
        local { auth = psk
          id = ${local} }
        remote { auth = psk }
        children { net { esp_proposals = aes128-sha256 } } } }
      secrets { ike { secret = flood-secret-0123456789 } }`);
    // The responder opted in to answering Aggressive Mode with PSK (ikets start --aggressive-psk).
    const responder = new EndpointCore(
      {
        config: config('10.0.0.1', '%any'),
        random: seededRandom('r'),
        settings: { aggressivePskResponder: true },
      },
      0,
    );
    const initiator = new EndpointCore(
      { config: config('10.1.0.1', '10.0.0.1'), random: seededRandom('i') },
      0,
    );
    initiator.initiate(0, 'gw', 'net');
    const first = initiator.pollTransmit();
    assert.ok(first !== undefined);
    const lines: string[] = [];
    const collect = () => {
      for (let e = responder.pollEvent(); e !== undefined; e = responder.pollEvent())
        if (e.type === 'log') lines.push(`${e.level} ${e.message}`);
      while (responder.pollTransmit() !== undefined);
    };
    for (let i = 0; i < 1000; i++) {
      const spoofed = { address: `10.9.${i >> 8}.${i & 255}`, port: 500 };
      responder.handleDatagram(Math.floor(i / PER_MS), {
        local: first.remote,
        remote: spoofed,
        data: first.data,
      });
      collect();
    }
    assert.equal(responder.ikeSaList().length, 1000);
    const started = lines.filter((l) => / is initiating Aggressive Mode/.test(l)).length;
    assert.ok(started <= 11, `${started} lines 'is initiating'`);
    // 30 s later every half-open SA times out (at almost the same time).
    for (let t = 30_000; t <= 32_000; t += 100) {
      responder.handleTimeout(t);
      collect();
    }
    assert.equal(responder.ikeSaList().length, 0);
    const timeouts = lines.filter((l) => /giving up/.test(l)).length;
    assert.ok(timeouts <= 12, `${timeouts} half-open timeout lines`);
    assert.match(lines.join('\n'), /\d+ similar messages suppressed \(half-open timeout\)/);
  });
});
