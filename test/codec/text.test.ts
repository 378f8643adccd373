/** The text form names every field. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageFromJson } from '../../src/codec/json.js';
import { formatMessage } from '../../src/codec/text.js';

describe('text form', () => {
  it('shows header fields, payloads and attributes by name', () => {
    const text = formatMessage(
      messageFromJson({
        initiatorCookie: '0102030405060708',
        exchangeType: 'QUICK_MODE',
        messageId: 0xabcdef01,
        commit: true,
        payloads: [
          { type: 'hash', data: 'ff'.repeat(40) },
          {
            type: 'sa',
            situation: 1,
            proposals: [
              {
                number: 1,
                protocol: 'PROTO_IPSEC_ESP',
                spi: 'c0ffee00',
                transforms: [
                  {
                    number: 1,
                    id: 'ESP_AES',
                    attributes: [
                      { type: 'ENCAPSULATION_MODE', value: 'UDP_ENCAPSULATED_TUNNEL' },
                      { type: 'SA_LIFE_DURATION', value: 3600, length: 4 },
                    ],
                  },
                ],
              },
            ],
          },
          { type: 'identification', idType: 'ID_IPV4_ADDR_SUBNET', address: '10.0.0.0', prefix: 8 },
          { type: 'vendor_id', name: 'STRONGSWAN' },
          { type: 'notification', doi: 1, protocol: 3, spi: 'c0ffee00', notifyType: 'RESPONDER_LIFETIME' },
        ],
      }),
    );
    for (const line of [
      'ISAKMP message: QUICK_MODE (32)',
      'Flags: 0x02 (Encryption=0 Commit=1 Authentication-only=0)',
      'Message ID: 0xabcdef01',
      'Payload: HASH (8)',
      `Data: ${'ff'.repeat(32)}... (40 bytes)`,
      'Proposal #1: PROTO_IPSEC_ESP (3), SPI c0ffee00 (4 bytes), 1 transform(s)',
      'Transform #1: ESP_AES (12)',
      'ENCAPSULATION_MODE (4): UDP_ENCAPSULATED_TUNNEL (3)',
      'SA_LIFE_DURATION (2): 3600 [TLV, 4 bytes]',
      'Subnet: 10.0.0.0/8',
      '= STRONGSWAN',
      'Notify message type: RESPONDER_LIFETIME (24576)',
      'Length: ',
    ]) {
      assert.ok(text.includes(line), `missing ${JSON.stringify(line)} in\n${text}`);
    }
  });
});
