/** The JSON form: hand-written JSON gives the expected bytes; invalid JSON names its path. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { JsonError, messageFromJson, messageToJson } from '../../src/codec/json.js';
import { decodeMessage, encodeMessage } from '../../src/codec/message.js';
import { h, hex } from './helpers.js';

const crafted = {
  initiatorCookie: '0102030405060708',
  exchangeType: 'IDENTITY_PROTECTION',
  payloads: [
    {
      type: 'sa',
      situation: ['SIT_IDENTITY_ONLY'],
      proposals: [
        {
          number: 1,
          protocol: 'PROTO_ISAKMP',
          transforms: [
            {
              number: 1,
              id: 'KEY_IKE',
              attributes: [
                { type: 'ENCRYPTION_ALGORITHM', value: 'AES_CBC' },
                { type: 'KEY_LENGTH', value: 256 },
                { type: 'LIFE_DURATION', value: 28800, length: 4 },
              ],
            },
          ],
        },
      ],
    },
    { type: 'vendor_id', name: 'DPD' },
  ],
};

describe('JSON form', () => {
  it('a hand-written message gives the bytes of the RFC layouts (defaults filled in)', () => {
    const wire = encodeMessage(messageFromJson(crafted));
    assert.equal(
      hex(wire),
      [
        '0102030405060708 0000000000000000 01 10 02 00 00000000 0000005c',
        '0d 00 002c 00000001 00000001',
        '00 00 0020 01 01 00 01 00 00 0018 01 01 0000 8001 0007 800e 0100 000c 0004 00007080',
        '00 00 0014 afcad71368a1f1c96b8696fc77570100',
      ]
        .join('')
        .replace(/ /g, ''),
    );
  });

  it('round-trips a decoded message and keeps non-minimal TLV values', () => {
    const m = messageFromJson({
      ...crafted,
      payloads: [
        {
          type: 'sa',
          situation: 1,
          proposals: [
            {
              number: 1,
              protocol: 'PROTO_IPSEC_ESP',
              spi: 'aabbccdd',
              transforms: [
                {
                  number: 1,
                  id: 'ESP_AES_GCM_16',
                  attributes: [
                    { type: 'SA_LIFE_DURATION', form: 'tlv', value: '18446744073709551615', length: 9 },
                  ],
                },
              ],
            },
          ],
        },
        {
          type: 'identification',
          idType: 'ID_IPV6_ADDR_SUBNET',
          address: '2001:db8::',
          prefix: 48,
          protocol: 6,
          port: 0,
        },
        {
          type: 'notification',
          doi: 'IPSEC',
          protocol: 'PROTO_ISAKMP',
          notifyType: 'R_U_THERE',
          spi: '00'.repeat(16),
          data: '00000001',
        },
      ],
    });
    const wire = encodeMessage(m);
    const json = messageToJson(decodeMessage(wire));
    const payloads = json.payloads as { [k: string]: unknown }[];
    const sa = payloads[0] as { proposals: { transforms: { attributes: unknown[] }[] }[] };
    assert.deepEqual(sa.proposals[0]?.transforms[0]?.attributes[0], {
      type: 'SA_LIFE_DURATION',
      form: 'tlv',
      value: '18446744073709551615',
      length: 9,
    });
    assert.equal(payloads[1]?.prefix, 48);
    assert.equal(payloads[2]?.notifyType, 'R_U_THERE');
    assert.deepEqual(encodeMessage(messageFromJson(JSON.parse(JSON.stringify(json)))), wire);
  });

  it('an encrypted message keeps its ciphertext', () => {
    const wire = h('0102030405060708 1112131415161718 08 10 20 01 00000001 00000024 0011223344556677');
    const json = messageToJson(decodeMessage(wire));
    assert.deepEqual(json.encrypted, { firstPayload: 'HASH', ciphertext: '0011223344556677' });
    assert.deepEqual(encodeMessage(messageFromJson(json)), wire);
  });

  it('the example of docs/json-format.md is exactly what messageToJson gives for its bytes', () => {
    const doc = readFileSync(new URL('../../../docs/json-format.md', import.meta.url), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block);
    const json = JSON.parse(block);
    assert.deepEqual(messageToJson(decodeMessage(encodeMessage(messageFromJson(json)))), json);
  });

  const bad = (value: unknown, path: string) => {
    assert.throws(
      () => messageFromJson(value),
      (e: unknown) => e instanceof JsonError && e.path === path && e.code === 'ERR_ISAKMP_JSON',
    );
  };

  it('invalid input raises JsonError naming the JSON path', () => {
    bad(42, '$');
    bad({ ...crafted, initiatorCookie: '0102' }, '$.initiatorCookie');
    bad({ ...crafted, exchangeType: 'MAIN' }, '$.exchangeType');
    bad({ ...crafted, messageId: -1 }, '$.messageId');
    bad({ ...crafted, colour: 'red' }, '$.colour');
    bad({ initiatorCookie: '0102030405060708', exchangeType: 2 }, '$');
    bad({ ...crafted, payloads: [{ type: 'nonce', data: 'xyz' }] }, '$.payloads[0].data');
    bad({ ...crafted, payloads: [{ type: 'bogus' }] }, '$.payloads[0].type');
    bad(
      { ...crafted, payloads: [{ type: 'identification', idType: 'ID_IPV4_ADDR', address: '1.2.3' }] },
      '$.payloads[0].address',
    );
    const sa = crafted.payloads[0] as { proposals: { transforms: { attributes: unknown[] }[] }[] };
    const withAttr = (a: unknown) => ({
      ...crafted,
      payloads: [
        { ...sa, proposals: [{ ...sa.proposals[0], transforms: [{ number: 1, id: 1, attributes: [a] }] }] },
      ],
    });
    bad(
      withAttr({ type: 'ENCRYPTION_ALGORITHM', value: 'ROT13' }),
      '$.payloads[0].proposals[0].transforms[0].attributes[0].value',
    );
    bad(
      withAttr({ type: 'LIFE_DURATION', value: 70000, length: 2 }),
      '$.payloads[0].proposals[0].transforms[0].attributes[0].length',
    );
    bad(withAttr({ type: 40000, value: 1 }), '$.payloads[0].proposals[0].transforms[0].attributes[0].type');
    bad(
      { ...crafted, payloads: [{ type: 'delete', doi: 1, protocol: 3, spiSize: 4, spis: ['aa'] }] },
      '$.payloads[0].spis[0]',
    );
    bad(
      { ...crafted, payloads: [{ type: 'unknown', payloadType: 20, data: '' }] },
      '$.payloads[0].payloadType',
    );
  });
});
