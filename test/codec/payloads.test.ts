/**
 * Byte-exact payloads, each worked out by hand from its layout: generic header (RFC 2408 section 3.2:
 * Next Payload, RESERVED, Payload Length) followed by the body of RFC 2408 sections 3.4-3.16, RFC 2407
 * section 4.6, RFC 3947 sections 3.2 and 5.2, draft-dukes-ike-mode-cfg-02 section 3.2 and Cisco's fragment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePayloadChain } from '../../src/codec/message.js';
import { PayloadType } from '../../src/codec/numbers.js';
import { assertPayloadBytes, h } from './helpers.js';

describe('payload bodies', () => {
  it('Key Exchange, Hash, Signature, Nonce, Vendor ID (RFC 2408 3.7, 3.11-3.13, 3.16)', () => {
    assertPayloadBytes(
      { type: 'key_exchange', data: h('aabbcc') },
      PayloadType.KEY_EXCHANGE,
      '00 00 0007 aabbcc',
    );
    assertPayloadBytes({ type: 'hash', data: h('0102') }, PayloadType.HASH, '00 00 0006 0102');
    assertPayloadBytes({ type: 'signature', data: h('') }, PayloadType.SIGNATURE, '00 00 0004');
    assertPayloadBytes({ type: 'nonce', data: h('11223344') }, PayloadType.NONCE, '00 00 0008 11223344');
    assertPayloadBytes(
      { type: 'vendor_id', data: h('afcad71368a1f1c96b8696fc77570100') },
      PayloadType.VENDOR_ID,
      '00 00 0014 afcad71368a1f1c96b8696fc77570100',
    );
  });

  it('Certificate and Certificate Request (RFC 2408 3.9, 3.10)', () => {
    assertPayloadBytes(
      { type: 'certificate', encoding: 4, data: h('3082') },
      PayloadType.CERTIFICATE,
      '00 00 0007 04 3082',
    );
    assertPayloadBytes(
      { type: 'certificate_request', encoding: 4, authority: h('') },
      PayloadType.CERTIFICATE_REQUEST,
      '00 00 0005 04',
    );
  });

  it('Notification: INITIAL-CONTACT with the cookie pair as SPI, R-U-THERE with a sequence number', () => {
    const cookies = '0102030405060708 1112131415161718';
    assertPayloadBytes(
      { type: 'notification', doi: 1, protocolId: 1, spi: h(cookies), notifyType: 24578, data: h('') },
      PayloadType.NOTIFICATION,
      `00 00 001c 00000001 01 10 6002 ${cookies}`,
    );
    assertPayloadBytes(
      {
        type: 'notification',
        doi: 1,
        protocolId: 1,
        spi: h(cookies),
        notifyType: 36136,
        data: h('00000001'),
      },
      PayloadType.NOTIFICATION,
      `00 00 0020 00000001 01 10 8d28 ${cookies} 00000001`,
    );
  });

  it('Delete: two ESP SPIs (RFC 2408 3.15)', () => {
    assertPayloadBytes(
      { type: 'delete', doi: 1, protocolId: 3, spiSize: 4, spis: [h('11223344'), h('55667788')] },
      PayloadType.DELETE,
      '00 00 0014 00000001 03 04 0002 11223344 55667788',
    );
  });

  it('Attributes (Mode-Config REPLY): a TLV address and a TV XAUTH-STATUS', () => {
    assertPayloadBytes(
      {
        type: 'attributes',
        cfgType: 2,
        identifier: 0x1234,
        attributes: [
          { form: 'tlv', type: 1, value: h('0a000001') },
          { form: 'tv', type: 16527, value: 1 },
        ],
      },
      PayloadType.ATTRIBUTES,
      '00 00 0014 02 00 1234 0001 0004 0a000001 c08f 0001',
    );
  });

  it('NAT-D and NAT-OA with RFC 3947 and draft payload numbers', () => {
    const hash = '000102030405060708090a0b0c0d0e0f10111213';
    assertPayloadBytes(
      { type: 'nat_d', draft: false, hash: h(hash) },
      PayloadType.NAT_D,
      `00 00 0018 ${hash}`,
    );
    assertPayloadBytes(
      { type: 'nat_d', draft: true, hash: h(hash) },
      PayloadType.NAT_D_DRAFT,
      `00 00 0018 ${hash}`,
    );
    assertPayloadBytes(
      { type: 'nat_oa', draft: false, address: '192.168.0.1' },
      PayloadType.NAT_OA,
      '00 00 000c 01 000000 c0a80001',
    );
    assertPayloadBytes(
      { type: 'nat_oa', draft: true, address: '2001:db8::1' },
      PayloadType.NAT_OA_DRAFT,
      '00 00 0018 05 000000 20010db8000000000000000000000001',
    );
  });

  it('Cisco IKE fragment (payload 132): id, number, flags, data', () => {
    assertPayloadBytes(
      { type: 'fragment', fragmentId: 1, fragmentNumber: 2, flags: 1, data: h('abcdef') },
      PayloadType.FRAGMENT,
      '00 00 000b 0001 02 01 abcdef',
    );
  });

  it('a private-use payload number is kept raw', () => {
    assertPayloadBytes({ type: 'unknown', payloadType: 200, data: h('beef') }, 200, '00 00 0006 beef');
  });

  it('chains payloads through their Next Payload fields', () => {
    // KE (next = NONCE 10) then NONCE (next = 0).
    const p = [
      { type: 'key_exchange' as const, data: h('01') },
      { type: 'nonce' as const, data: h('02') },
    ];
    const enc = encodePayloadChain(p);
    assert.equal(enc.firstPayload, PayloadType.KEY_EXCHANGE);
    assert.equal(Buffer.from(enc.bytes).toString('hex'), '0a00000501' + '0000000502');
  });
});

describe('Identification payload, every IPsec DOI ID type (RFC 2407 4.6.2)', () => {
  const id = (
    idType: string,
    body: string,
    value: import('../../src/codec/types.js').IdentificationData,
    protocolId = 0,
    port = 0,
  ) => {
    const len = (8 + h(body).length).toString(16).padStart(4, '0');
    const p = protocolId.toString(16).padStart(2, '0');
    const o = port.toString(16).padStart(4, '0');
    assertPayloadBytes(
      { type: 'identification', protocolId, port, id: value },
      5,
      `00 00 ${len} ${idType} ${p} ${o} ${body}`,
    );
  };
  it('ID_IPV4_ADDR with protocol UDP and port 500', () =>
    id('01', 'c0000201', { kind: 'ID_IPV4_ADDR', address: '192.0.2.1' }, 17, 500));
  it('ID_FQDN', () =>
    id('02', Buffer.from('vpn.example').toString('hex'), { kind: 'ID_FQDN', name: 'vpn.example' }));
  it('ID_USER_FQDN', () => id('03', '6140622e63', { kind: 'ID_USER_FQDN', name: 'a@b.c' }));
  it('ID_IPV4_ADDR_SUBNET', () =>
    id('04', '0a010000 ffff0000', { kind: 'ID_IPV4_ADDR_SUBNET', address: '10.1.0.0', mask: '255.255.0.0' }));
  it('ID_IPV6_ADDR', () =>
    id('05', '20010db8000000000000000000000001', { kind: 'ID_IPV6_ADDR', address: '2001:db8::1' }));
  it('ID_IPV6_ADDR_SUBNET', () =>
    id('06', `20010db8${'00'.repeat(12)} ffffffff${'00'.repeat(12)}`, {
      kind: 'ID_IPV6_ADDR_SUBNET',
      address: '2001:db8::',
      mask: 'ffff:ffff::',
    }));
  it('ID_IPV4_ADDR_RANGE', () =>
    id('07', '0a000001 0a000009', { kind: 'ID_IPV4_ADDR_RANGE', start: '10.0.0.1', end: '10.0.0.9' }));
  it('ID_IPV6_ADDR_RANGE', () =>
    id('08', `${'00'.repeat(15)}01 ${'00'.repeat(15)}02`, {
      kind: 'ID_IPV6_ADDR_RANGE',
      start: '::1',
      end: '::2',
    }));
  it('ID_DER_ASN1_DN', () => id('09', '3000', { kind: 'ID_DER_ASN1_DN', data: h('3000') }));
  it('ID_DER_ASN1_GN', () => id('0a', '820161', { kind: 'ID_DER_ASN1_GN', data: h('820161') }));
  it('ID_KEY_ID', () => id('0b', '6b6579', { kind: 'ID_KEY_ID', data: h('6b6579') }));
  it('an unknown ID type as raw bytes', () =>
    id('c8', 'ff', { kind: 'unknown', idType: 200, data: h('ff') }));
});
