/**
 * The SPI of a phase 1 proposal (RFC 2408 section 3.5): 0 to 16 bytes, content ignored; a longer
 * one is refused with an unprotected N(INVALID-SPI) (section 5.5), no SA is created, and the answer
 * is never larger than the request (an accepted 255-byte SPI used to be echoed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeMessage,
  ExchangeType,
  encodeMessage,
  type Message,
  NotifyType,
} from '../../src/codec/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { Transmit } from '../../src/sa/types.js';
import { makePair } from './peers.js';

/** The initiator's first message with the SPI of its proposal replaced. */
function firstMessageWithSpi(spiLength: number, aggressive: boolean): Uint8Array {
  const { a } = makePair({ aggressive });
  a.initiate(0, 'gw', 'net');
  const first = a.pollTransmit();
  assert.ok(first);
  const message = decodeMessage(first.data);
  assert.ok(!message.body.encrypted);
  const payloads = message.body.payloads.map((p) =>
    p.type === 'sa'
      ? { ...p, proposals: p.proposals.map((x) => ({ ...x, spi: new Uint8Array(spiLength).fill(0xab) })) }
      : p,
  );
  const changed: Message = { header: message.header, body: { encrypted: false, payloads } };
  return encodeMessage(changed);
}

function answer(b: EndpointCore, data: Uint8Array): Transmit[] {
  b.handleDatagram(0, {
    local: { address: '192.0.2.2', port: 500 },
    remote: { address: '192.0.2.1', port: 500 },
    data,
  });
  const out: Transmit[] = [];
  for (let t = b.pollTransmit(); t !== undefined; t = b.pollTransmit()) out.push(t);
  return out;
}

describe('IKEv1 engine: the SPI of a phase 1 proposal', () => {
  for (const aggressive of [false, true]) {
    const mode = aggressive ? 'Aggressive' : 'Main';
    it(`${mode} Mode: a 255-byte SPI is refused with N(INVALID-SPI), no SA, a smaller answer`, () => {
      const { b } = makePair({ aggressive });
      const request = firstMessageWithSpi(255, aggressive);
      const sent = answer(b, request);
      assert.equal(sent.length, 1);
      const reply = decodeMessage(sent[0]!.data);
      assert.equal(reply.header.exchangeType, ExchangeType.INFORMATIONAL);
      assert.deepEqual(
        reply.body.encrypted ? [] : reply.body.payloads.map((p) => p.type === 'notification' && p.notifyType),
        [NotifyType.INVALID_SPI],
      );
      assert.ok(sent[0]!.data.length < request.length);
      assert.equal(b.ikeSaList().length, 0);
      assert.equal(b.mainModeOffers.size, 0);
    });

    for (const size of [0, 16]) {
      it(`${mode} Mode: a ${size}-byte SPI is accepted (its content ignored)`, () => {
        const { b } = makePair({ aggressive });
        const sent = answer(b, firstMessageWithSpi(size, aggressive));
        assert.equal(sent.length, 1);
        const reply = decodeMessage(sent[0]!.data);
        assert.equal(
          reply.header.exchangeType,
          aggressive ? ExchangeType.AGGRESSIVE : ExchangeType.IDENTITY_PROTECTION,
        );
        // Main Mode answers without an SA, leaving a record for message 3 (main-mode-offers.ts).
        assert.equal(b.ikeSaList().length, aggressive ? 1 : 0);
        assert.equal(b.mainModeOffers.size, aggressive ? 0 : 1);
      });
    }
  }
});
