/**
 * Byte-exact ISAKMP headers, worked out from the layout of RFC 2408 section 3.1:
 * cookies (8+8), Next Payload (1), MjVer|MnVer (1), Exchange Type (1), Flags (1), Message ID (4), Length (4).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageFromJson, messageToJson } from '../../src/codec/json.js';
import {
  decodeMessage,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
} from '../../src/codec/message.js';
import { ExchangeType, PayloadType } from '../../src/codec/numbers.js';
import type { Header, Message } from '../../src/codec/types.js';
import { h, hex, withHeader } from './helpers.js';

const header: Header = {
  initiatorCookie: h('0102030405060708'),
  responderCookie: h('1112131415161718'),
  majorVersion: 1,
  minorVersion: 0,
  exchangeType: ExchangeType.IDENTITY_PROTECTION,
  commit: false,
  authenticationOnly: false,
  messageId: 0,
};

describe('ISAKMP header (RFC 2408 section 3.1)', () => {
  it('encodes a header-only message', () => {
    const m: Message = { header, body: { encrypted: false, payloads: [] } };
    const expected = '0102030405060708 1112131415161718 00 10 02 00 00000000 0000001c';
    assert.equal(hex(encodeMessage(m)), expected.replace(/ /g, ''));
    assert.deepEqual(decodeMessage(h(expected)), m);
  });

  it('encodes the C and A flags, a Quick Mode exchange and a message ID', () => {
    const m: Message = {
      header: {
        ...header,
        exchangeType: ExchangeType.QUICK_MODE,
        commit: true,
        authenticationOnly: true,
        messageId: 0xdeadbeef,
      },
      body: { encrypted: false, payloads: [] },
    };
    const expected = '0102030405060708 1112131415161718 00 10 20 06 deadbeef 0000001c';
    assert.equal(hex(encodeMessage(m)), expected.replace(/ /g, ''));
    assert.deepEqual(decodeMessage(h(expected)), m);
  });

  it('names every exchange type of the brief', () => {
    assert.deepEqual(
      [
        ExchangeType.BASE,
        ExchangeType.IDENTITY_PROTECTION,
        ExchangeType.AUTHENTICATION_ONLY,
        ExchangeType.AGGRESSIVE,
        ExchangeType.INFORMATIONAL,
        ExchangeType.TRANSACTION,
        ExchangeType.QUICK_MODE,
        ExchangeType.NEW_GROUP_MODE,
      ],
      [1, 2, 3, 4, 5, 6, 32, 33],
    );
    for (const x of [1, 2, 3, 4, 5, 6, 32, 33]) {
      const bytes = h(
        `0102030405060708 0000000000000000 00 10 ${x.toString(16).padStart(2, '0')} 00 00000000 0000001c`,
      );
      assert.equal(decodeMessage(bytes).header.exchangeType, x);
    }
  });

  it('keeps the ciphertext of an E-flagged message as is', () => {
    const wire = h(
      '0102030405060708 1112131415161718 08 10 05 01 01020304 0000002c 00112233445566778899aabbccddeeff',
    );
    const m = decodeMessage(wire);
    assert.deepEqual(m.body, {
      encrypted: true,
      firstPayload: PayloadType.HASH,
      ciphertext: h('00112233445566778899aabbccddeeff'),
    });
    assert.equal(m.header.messageId, 0x01020304);
    assert.equal(hex(encodeMessage(m)), hex(wire));
  });

  it('keeps up to 15 zero bytes after the last payload of a plain message, and re-encodes them', () => {
    // A HASH payload of 5 bytes, padded to a multiple of 4 as some implementations do (a leniency).
    for (const padding of ['000000', '00'.repeat(15)]) {
      const wire = withHeader(`00 00 0005 aa ${padding}`, { next: PayloadType.HASH });
      const m = decodeMessage(wire);
      assert.ok(!m.body.encrypted);
      assert.deepEqual(m.body.payloads, [{ type: 'hash', data: h('aa') }]);
      assert.equal(hex(m.body.padding ?? h('')), padding);
      assert.equal(hex(encodeMessage(m)), hex(wire));
      const json = messageToJson(m);
      assert.equal(json.padding, padding);
      assert.equal(hex(encodeMessage(messageFromJson(json))), hex(wire));
    }
    // Without padding the body has none, so every message encodes as before.
    const plain = decodeMessage(withHeader('00 00 0005 aa', { next: PayloadType.HASH }));
    assert.equal(plain.body.encrypted || plain.body.padding, undefined);
    assert.throws(
      () =>
        encodeMessage({
          header,
          body: { encrypted: false, payloads: [{ type: 'hash', data: h('aa') }], padding: h('01') },
        }),
      /body\.padding: at most 15 zero bytes/,
    );
  });

  it('parses a decrypted body, keeping the padding after the last payload', () => {
    // HASH payload (4-byte header + 4 bytes), then NOTIFICATION payload of 12 bytes, then 4 bytes of padding.
    const plain = h('0b000008 aabbccdd 0000000c 00000001 01 00 6002 00000003');
    const chain = decodePayloadChain(PayloadType.HASH, plain);
    assert.equal(chain.payloads.length, 2);
    assert.deepEqual(chain.payloads[0], { type: 'hash', data: h('aabbccdd') });
    assert.deepEqual(chain.payloads[1], {
      type: 'notification',
      doi: 1,
      protocolId: 1,
      spi: h(''),
      notifyType: 24578,
      data: h(''),
    });
    assert.equal(hex(chain.padding), '00000003');
    const again = encodePayloadChain(chain.payloads, chain.padding);
    assert.equal(again.firstPayload, PayloadType.HASH);
    assert.equal(hex(again.bytes), hex(plain));
  });
});
