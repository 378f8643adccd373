/**
 * Byte-exact SA payloads (RFC 2408 sections 3.4-3.6, RFC 2407 section 4.6.1) and data attributes in both
 * forms (RFC 2408 section 3.3), worked out by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attributeInteger,
  attributeNumber,
  integerAttribute,
  tlvIntegerAttribute,
} from '../../src/codec/attributes.js';
import { decodeMessage, encodeMessage } from '../../src/codec/message.js';
import {
  DhGroup,
  EncapsulationMode,
  EspTransformId,
  IkeAttributeClass,
  IkeAuthMethod,
  IkeEncryptionAlgorithm,
  IkeHashAlgorithm,
  IpsecAttributeClass,
  IpsecAuthAlgorithm,
  PayloadType,
  ProtocolId,
} from '../../src/codec/numbers.js';
import type { SaPayload } from '../../src/codec/types.js';
import { assertPayloadBytes, h, hex, withHeader } from './helpers.js';

const mainModeSa: SaPayload = {
  type: 'sa',
  doi: 1,
  situation: 1,
  proposals: [
    {
      number: 1,
      protocolId: ProtocolId.PROTO_ISAKMP,
      spi: h(''),
      transforms: [
        {
          number: 1,
          transformId: 1,
          attributes: [
            {
              form: 'tv',
              type: IkeAttributeClass.ENCRYPTION_ALGORITHM,
              value: IkeEncryptionAlgorithm.AES_CBC,
            },
            { form: 'tv', type: IkeAttributeClass.KEY_LENGTH, value: 256 },
            { form: 'tv', type: IkeAttributeClass.HASH_ALGORITHM, value: IkeHashAlgorithm.SHA },
            {
              form: 'tv',
              type: IkeAttributeClass.AUTHENTICATION_METHOD,
              value: IkeAuthMethod.PRE_SHARED_KEY,
            },
            { form: 'tv', type: IkeAttributeClass.GROUP_DESCRIPTION, value: DhGroup.MODP_2048 },
            { form: 'tv', type: IkeAttributeClass.LIFE_TYPE, value: 1 },
            { form: 'tlv', type: IkeAttributeClass.LIFE_DURATION, value: h('00007080') },
          ],
        },
      ],
    },
  ],
};
const mainModeSaBytes = `
  00 00 003c 00000001 00000001
    00 00 0030 01 01 00 01
      00 00 0028 01 01 0000
        8001 0007  800e 0100  8002 0002  8003 0001  8004 000e  800b 0001  000c 0004 00007080`;

describe('SA payload', () => {
  it('a Main Mode proposal: TV attributes and a 4-byte TLV life duration', () => {
    assertPayloadBytes(mainModeSa, PayloadType.SA, mainModeSaBytes);
  });

  it('a Quick Mode ESP proposal: SPI, two transforms, an 8-byte life duration, the draft UDP tunnel mode', () => {
    const sa: SaPayload = {
      type: 'sa',
      doi: 1,
      situation: 1,
      proposals: [
        {
          number: 1,
          protocolId: ProtocolId.PROTO_IPSEC_ESP,
          spi: h('aabbccdd'),
          transforms: [
            {
              number: 1,
              transformId: EspTransformId.ESP_AES,
              attributes: [
                { form: 'tv', type: IpsecAttributeClass.ENCAPSULATION_MODE, value: EncapsulationMode.TUNNEL },
                {
                  form: 'tv',
                  type: IpsecAttributeClass.AUTHENTICATION_ALGORITHM,
                  value: IpsecAuthAlgorithm.HMAC_SHA2_256,
                },
                { form: 'tv', type: IpsecAttributeClass.KEY_LENGTH, value: 256 },
                { form: 'tv', type: IpsecAttributeClass.SA_LIFE_TYPE, value: 1 },
                { form: 'tlv', type: IpsecAttributeClass.SA_LIFE_DURATION, value: h('0000000000000e10') },
              ],
            },
            {
              number: 2,
              transformId: EspTransformId.ESP_3DES,
              attributes: [
                {
                  form: 'tv',
                  type: IpsecAttributeClass.ENCAPSULATION_MODE,
                  value: EncapsulationMode.UDP_ENCAPSULATED_TUNNEL_DRAFT,
                },
                {
                  form: 'tv',
                  type: IpsecAttributeClass.AUTHENTICATION_ALGORITHM,
                  value: IpsecAuthAlgorithm.HMAC_SHA,
                },
              ],
            },
          ],
        },
      ],
    };
    assertPayloadBytes(
      sa,
      PayloadType.SA,
      `00 00 004c 00000001 00000001
         00 00 0040 01 03 04 02 aabbccdd
           03 00 0024 01 0c 0000  8004 0001  8005 0005  8006 0100  8001 0001  0002 0008 0000000000000e10
           00 00 0010 02 03 0000  8004 f003  8005 0002`,
    );
  });

  it('a labelled-domain situation (SIT_SECRECY): identifier, padded level and category bitmap', () => {
    const sa: SaPayload = {
      type: 'sa',
      doi: 1,
      situation: 3,
      labeledDomain: {
        identifier: 5,
        secrecy: { level: h('aabbcc'), categoryBits: 12, categories: h('f0f0') },
      },
      proposals: [
        { number: 1, protocolId: 1, spi: h(''), transforms: [{ number: 1, transformId: 1, attributes: [] }] },
      ],
    };
    assertPayloadBytes(
      sa,
      PayloadType.SA,
      `00 00 0030 00000001 00000003 00000005
         0003 0000 aabbcc00  000c 0000 f0f00000
         00 00 0010 01 01 00 01  00 00 0008 01 01 0000`,
    );
  });

  it('a whole Main Mode message 1 decodes to its typed form', () => {
    const wire = withHeader(`${mainModeSaBytes.replace('00 00 003c', '0d 00 003c')} 00 00 0008 882fe56d`, {
      next: 1,
    });
    // The VID is only 4 bytes on purpose: it is opaque data here.
    const m = decodeMessage(wire);
    assert.equal(m.body.encrypted, false);
    if (m.body.encrypted) return;
    assert.deepEqual(m.body.payloads, [mainModeSa, { type: 'vendor_id', data: h('882fe56d') }]);
    assert.equal(hex(encodeMessage(m)), hex(wire));
  });
});

describe('data attributes (RFC 2408 section 3.3)', () => {
  it('lifetimes of any length, as bigint or safe number', () => {
    assert.equal(attributeInteger({ form: 'tlv', type: 2, value: h('0000000000000e10') }), 3600n);
    assert.equal(attributeNumber({ form: 'tlv', type: 2, value: h('0100000000000000000000') }), undefined);
    assert.equal(attributeInteger({ form: 'tlv', type: 2, value: h('0100000000000000000000') }), 1n << 80n);
    assert.equal(attributeNumber({ form: 'tv', type: 2, value: 28800 }), 28800);
  });

  it('builders pick TV when the value fits 16 bits, else a 4-byte (or longer) TLV', () => {
    assert.deepEqual(integerAttribute(12, 3600), { form: 'tv', type: 12, value: 3600 });
    assert.deepEqual(integerAttribute(12, 86400), { form: 'tlv', type: 12, value: h('00015180') });
    assert.deepEqual(tlvIntegerAttribute(12, 1n << 40n), { form: 'tlv', type: 12, value: h('010000000000') });
    assert.deepEqual(tlvIntegerAttribute(12, 1, 8), { form: 'tlv', type: 12, value: h('0000000000000001') });
  });
});
