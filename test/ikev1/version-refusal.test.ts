/**
 * An IKEv2 message to ikets (RFC 2408 section 5.2, step 3): answered with an unprotected
 * N(INVALID-MAJOR-VERSION) naming version 1.0, never larger than the request, at most once a second
 * per source and ten a second in all, and logged at info once per answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, ExchangeType, NotifyType } from '../../src/codec/index.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { GLOBAL_PER_SECOND } from '../../src/ikev1/version-refusal.js';
import type { Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { peerConfig } from './peers.js';

const LOCAL = { address: '192.0.2.2', port: 500 };

/** An IKEv2 IKE_SA_INIT request's header (RFC 7296 section 3.1) and `bodyLength` bytes after it. */
function ikev2Request(spi: number, bodyLength = 200, messageId = 0): Buffer {
  const b = Buffer.alloc(28 + bodyLength);
  b.writeUInt32BE(0x1ce2f00d, 0); // (four zero bytes first would read as a non-ESP marker)
  b.writeUInt32BE(spi, 4);
  b[16] = 33; // SA
  b[17] = 0x20; // version 2.0
  b[18] = 34; // IKE_SA_INIT
  b[19] = 0x08; // Initiator
  b.writeUInt32BE(messageId, 20);
  b.writeUInt32BE(b.length, 24);
  return b;
}

function responder(): EndpointCore {
  return new EndpointCore({ config: parseSwanctlConfig(peerConfig('b', {})), random: seededRandom('v') }, 0);
}

function drain(ep: EndpointCore): { sent: Transmit[]; logs: string[] } {
  const sent: Transmit[] = [];
  const logs: string[] = [];
  for (let t = ep.pollTransmit(); t !== undefined; t = ep.pollTransmit()) sent.push(t);
  for (let e = ep.pollEvent(); e !== undefined; e = ep.pollEvent())
    if (e.type === 'log') logs.push(`${e.level} ${e.message}`);
  return { sent, logs };
}

describe('IKEv1 engine: messages of a later major version (IKEv2)', () => {
  it('are answered with an unprotected N(INVALID-MAJOR-VERSION), cookies and message ID copied', () => {
    const ep = responder();
    const request = ikev2Request(0x01020304, 200, 0);
    ep.handleDatagram(0, { local: LOCAL, remote: { address: '192.0.2.9', port: 500 }, data: request });
    const { sent, logs } = drain(ep);
    assert.equal(sent.length, 1);
    const [answer] = sent;
    assert.ok(answer);
    assert.deepEqual([answer.local, answer.remote], [LOCAL, { address: '192.0.2.9', port: 500 }]);
    assert.ok(answer.data.length <= request.length);
    const message = decodeMessage(answer.data);
    assert.equal(message.header.exchangeType, ExchangeType.INFORMATIONAL);
    assert.deepEqual(Buffer.from(message.header.initiatorCookie), request.subarray(0, 8));
    assert.deepEqual(Buffer.from(message.header.responderCookie), Buffer.alloc(8));
    assert.equal(message.header.messageId, 0);
    assert.ok(!message.body.encrypted);
    assert.deepEqual(
      message.body.encrypted
        ? []
        : message.body.payloads.map((p) => p.type === 'notification' && p.notifyType),
      [NotifyType.INVALID_MAJOR_VERSION],
    );
    assert.deepEqual(logs, [
      'info a version 2.0 message from 192.0.2.9:500: answered INVALID-MAJOR-VERSION (ikets speaks IKEv1 only)',
    ]);
    assert.equal(ep.ikeSaList().length, 0, 'no state');
  });

  it('on the NAT-T port the answer carries the non-ESP marker, and is still no larger than the request', () => {
    const ep = responder();
    const request = Buffer.concat([Buffer.alloc(4), ikev2Request(7, 12)]);
    ep.handleDatagram(0, {
      local: { address: '192.0.2.2', port: 4500 },
      remote: { address: '192.0.2.9', port: 4500 },
      data: request,
    });
    const [answer] = drain(ep).sent;
    assert.ok(answer);
    assert.equal(answer.data.length, 44);
    assert.ok(answer.data.length <= request.length);
    assert.equal(Buffer.from(answer.data).readUInt32BE(0), 0);
    assert.equal(decodeMessage(answer.data.subarray(4)).header.exchangeType, ExchangeType.INFORMATIONAL);
  });

  it('a request smaller than the answer is not answered (no amplification)', () => {
    const ep = responder();
    ep.handleDatagram(0, {
      local: LOCAL,
      remote: { address: '192.0.2.9', port: 500 },
      data: ikev2Request(1, 8),
    });
    assert.deepEqual(drain(ep).sent, []);
  });

  it('rate-limited per source and in all, with the unanswered messages counted in the next log line', () => {
    const ep = responder();
    const from = (i: number) => ({ address: `10.0.${i >> 8}.${i & 0xff}`, port: 500 });
    // One source retransmitting: one answer a second.
    for (let t = 0; t < 3000; t += 100)
      ep.handleDatagram(t, { local: LOCAL, remote: from(1), data: ikev2Request(1) });
    const one = drain(ep);
    assert.equal(one.sent.length, 3);
    assert.equal(one.logs.length, 3);
    assert.match(
      one.logs[1] ?? '',
      /; 9 such messages left unanswered since the last answer \(rate limit\)$/,
    );
    // A spoofed flood from 5,000 addresses within one second: ten answers.
    for (let i = 0; i < 5000; i++)
      ep.handleDatagram(10_000 + i / 10, { local: LOCAL, remote: from(i), data: ikev2Request(i) });
    const flood = drain(ep);
    assert.equal(flood.sent.length, GLOBAL_PER_SECOND);
    assert.equal(flood.logs.length, GLOBAL_PER_SECOND);
    assert.equal(ep.ikeSaList().length, 0);
  });
});
