/**
 * tshark (Wireshark's dissector) reads the messages ikets builds from typed values without a
 * malformed-packet or expert warning, and sees the same fields. Skipped where tshark is not installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../src/capture/pcap-writer.js';
import {
  CertificateEncoding,
  ConfigAttributeType,
  ConfigMessageType,
  DhGroup,
  Doi,
  EncapsulationMode,
  EspTransformId,
  ExchangeType,
  encodeMessage,
  IkeAttributeClass,
  IkeAuthMethod,
  IkeEncryptionAlgorithm,
  IkeHashAlgorithm,
  IkeLifeType,
  IpsecAttributeClass,
  IpsecAuthAlgorithm,
  IpsecSituation,
  IsakmpTransformId,
  integerAttribute,
  type Message,
  NotifyType,
  type Payload,
  ProtocolId,
  tvAttribute,
  vendorIdBytes,
} from '../../src/codec/index.js';
import { after, it, suite } from '../support/suite.js';

function tsharkPresent(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CERTIFICATE = readFileSync(new URL('../../../test/fixtures/certs/a.ikets.test.der', import.meta.url));
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const header = (exchangeType: number, messageId = 0) => ({
  initiatorCookie: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
  responderCookie:
    exchangeType === ExchangeType.IDENTITY_PROTECTION && messageId === 0 ? bytes(8, 0) : bytes(8, 9),
  majorVersion: 1,
  minorVersion: 0,
  exchangeType,
  commit: false,
  authenticationOnly: false,
  messageId,
});
const message = (exchangeType: number, payloads: Payload[], messageId = 0): Message => ({
  header: header(exchangeType, messageId),
  body: { encrypted: false, payloads },
});
const vendor = (name: string): Payload => ({ type: 'vendor_id', data: vendorIdBytes(name)! });

const phase1Sa: Payload = {
  type: 'sa',
  doi: Doi.IPSEC,
  situation: IpsecSituation.SIT_IDENTITY_ONLY,
  proposals: [
    {
      number: 1,
      protocolId: ProtocolId.PROTO_ISAKMP,
      spi: new Uint8Array(0),
      transforms: [
        {
          number: 1,
          transformId: IsakmpTransformId.KEY_IKE,
          attributes: [
            tvAttribute(IkeAttributeClass.ENCRYPTION_ALGORITHM, IkeEncryptionAlgorithm.AES_CBC),
            tvAttribute(IkeAttributeClass.KEY_LENGTH, 256),
            tvAttribute(IkeAttributeClass.HASH_ALGORITHM, IkeHashAlgorithm.SHA2_256),
            tvAttribute(IkeAttributeClass.GROUP_DESCRIPTION, DhGroup.MODP_2048),
            tvAttribute(IkeAttributeClass.AUTHENTICATION_METHOD, IkeAuthMethod.PRE_SHARED_KEY),
            tvAttribute(IkeAttributeClass.LIFE_TYPE, IkeLifeType.SECONDS),
            // 100000 s does not fit the 16-bit TV form: a TLV with a 4-byte value.
            integerAttribute(IkeAttributeClass.LIFE_DURATION, 100000),
          ],
        },
        {
          number: 2,
          transformId: IsakmpTransformId.KEY_IKE,
          attributes: [
            tvAttribute(IkeAttributeClass.ENCRYPTION_ALGORITHM, IkeEncryptionAlgorithm.TRIPLE_DES_CBC),
            tvAttribute(IkeAttributeClass.HASH_ALGORITHM, IkeHashAlgorithm.SHA),
            tvAttribute(IkeAttributeClass.GROUP_DESCRIPTION, DhGroup.ECP_256),
            tvAttribute(IkeAttributeClass.AUTHENTICATION_METHOD, IkeAuthMethod.RSA_SIGNATURES),
          ],
        },
      ],
    },
  ],
};

const quickModeSa: Payload = {
  type: 'sa',
  doi: Doi.IPSEC,
  situation: IpsecSituation.SIT_IDENTITY_ONLY,
  proposals: [
    {
      number: 1,
      protocolId: ProtocolId.PROTO_IPSEC_ESP,
      spi: Uint8Array.from([0xc1, 0x00, 0x00, 0x01]),
      transforms: [
        {
          number: 1,
          transformId: EspTransformId.ESP_AES,
          attributes: [
            tvAttribute(IpsecAttributeClass.SA_LIFE_TYPE, 1),
            integerAttribute(IpsecAttributeClass.SA_LIFE_DURATION, 3600),
            tvAttribute(IpsecAttributeClass.ENCAPSULATION_MODE, EncapsulationMode.UDP_ENCAPSULATED_TUNNEL),
            tvAttribute(IpsecAttributeClass.AUTHENTICATION_ALGORITHM, IpsecAuthAlgorithm.HMAC_SHA2_256),
            tvAttribute(IpsecAttributeClass.KEY_LENGTH, 128),
            tvAttribute(IpsecAttributeClass.GROUP_DESCRIPTION, DhGroup.MODP_2048),
          ],
        },
      ],
    },
  ],
};

/** Messages of every exchange type, together holding every payload type the codec knows. */
const MESSAGES: readonly Message[] = [
  message(ExchangeType.IDENTITY_PROTECTION, [
    phase1Sa,
    vendor('NAT_T_RFC3947'),
    vendor('DPD'),
    vendor('XAUTH'),
  ]),
  message(ExchangeType.IDENTITY_PROTECTION, [
    { type: 'key_exchange', data: bytes(256, 0x55) },
    { type: 'nonce', data: bytes(32, 0x66) },
    {
      type: 'certificate_request',
      encoding: CertificateEncoding.X509_SIGNATURE,
      authority: new Uint8Array(0),
    },
    { type: 'nat_d', draft: false, hash: bytes(32, 0x77) },
    { type: 'nat_d', draft: false, hash: bytes(32, 0x78) },
  ]),
  message(ExchangeType.IDENTITY_PROTECTION, [
    { type: 'identification', protocolId: 17, port: 500, id: { kind: 'ID_FQDN', name: 'a.ikets.test' } },
    { type: 'certificate', encoding: CertificateEncoding.X509_SIGNATURE, data: CERTIFICATE },
    { type: 'signature', data: bytes(256, 0x11) },
    {
      type: 'notification',
      doi: Doi.IPSEC,
      protocolId: ProtocolId.PROTO_ISAKMP,
      spi: bytes(16, 9),
      notifyType: NotifyType.INITIAL_CONTACT,
      data: new Uint8Array(0),
    },
  ]),
  message(ExchangeType.AGGRESSIVE, [
    phase1Sa,
    { type: 'key_exchange', data: bytes(128, 0x44) },
    { type: 'nonce', data: bytes(16, 0x45) },
    { type: 'identification', protocolId: 0, port: 0, id: { kind: 'ID_USER_FQDN', name: 'user@ikets.test' } },
    { type: 'hash', data: bytes(32, 0x46) },
  ]),
  message(
    ExchangeType.QUICK_MODE,
    [
      { type: 'hash', data: bytes(32, 0x21) },
      quickModeSa,
      { type: 'nonce', data: bytes(32, 0x22) },
      { type: 'key_exchange', data: bytes(256, 0x23) },
      {
        type: 'identification',
        protocolId: 0,
        port: 0,
        id: { kind: 'ID_IPV4_ADDR_SUBNET', address: '10.1.0.0', mask: '255.255.0.0' },
      },
      {
        type: 'identification',
        protocolId: 6,
        port: 443,
        id: { kind: 'ID_IPV4_ADDR_RANGE', start: '10.2.0.1', end: '10.2.0.9' },
      },
      { type: 'nat_oa', draft: false, address: '192.0.2.10' },
    ],
    0x11223344,
  ),
  message(
    ExchangeType.INFORMATIONAL,
    [
      { type: 'hash', data: bytes(32, 0x31) },
      {
        type: 'notification',
        doi: Doi.IPSEC,
        protocolId: ProtocolId.PROTO_ISAKMP,
        spi: bytes(16, 1),
        notifyType: NotifyType.R_U_THERE,
        data: Uint8Array.from([0, 0, 0, 7]),
      },
    ],
    0x55667788,
  ),
  message(
    ExchangeType.INFORMATIONAL,
    [
      { type: 'hash', data: bytes(32, 0x32) },
      {
        type: 'delete',
        doi: Doi.IPSEC,
        protocolId: ProtocolId.PROTO_IPSEC_ESP,
        spiSize: 4,
        spis: [Uint8Array.from([0xc1, 0, 0, 1]), Uint8Array.from([0xc1, 0, 0, 2])],
      },
    ],
    0x01020304,
  ),
  message(
    ExchangeType.TRANSACTION,
    [
      { type: 'hash', data: bytes(32, 0x41) },
      {
        type: 'attributes',
        cfgType: ConfigMessageType.ISAKMP_CFG_REPLY,
        identifier: 7,
        attributes: [
          {
            form: 'tlv',
            type: ConfigAttributeType.INTERNAL_IP4_ADDRESS,
            value: Uint8Array.from([10, 8, 0, 2]),
          },
          { form: 'tlv', type: ConfigAttributeType.INTERNAL_IP4_DNS, value: Uint8Array.from([10, 8, 0, 1]) },
        ],
      },
    ],
    0x0a0b0c0d,
  ),
  message(ExchangeType.IDENTITY_PROTECTION, [
    { type: 'identification', protocolId: 0, port: 0, id: { kind: 'ID_IPV6_ADDR', address: 'fd31::1' } },
    { type: 'hash', data: bytes(20, 0x51) },
  ]),
];

suite('tshark dissects messages built from typed values', {
  skip: tsharkPresent() ? false : 'tshark is not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ikets-tshark-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'built.pcap');
  writeFileSync(
    file,
    writePcap(
      MESSAGES.map((m, i) => ({
        src: { address: '192.0.2.1', port: 500 },
        dst: { address: '192.0.2.2', port: 500 },
        payload: encodeMessage(m),
        timestampNs: BigInt(i) * 1_000_000n,
      })),
    ),
  );
  const tshark = (...args: string[]) =>
    execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

  it('with no malformed packet and no expert warning', () => {
    const verbose = tshark('-V');
    assert.doesNotMatch(verbose, /Malformed Packet|Expert Info/);
    const frames = verbose.match(/^Frame \d+:/gm) ?? [];
    assert.equal(frames.length, MESSAGES.length);
    const warnings = tshark('-q', '-z', 'expert');
    assert.doesNotMatch(warnings, /Warning|Error/);
  });

  it('seeing the same exchange types, payloads and attributes', () => {
    const fields = tshark('-T', 'fields', '-e', 'isakmp.exchangetype', '-e', 'isakmp.length')
      .trim()
      .split('\n');
    assert.deepEqual(
      fields.map((line) => Number(line.split('\t')[0])),
      MESSAGES.map((m) => m.header.exchangeType),
    );
    assert.deepEqual(
      fields.map((line) => Number(line.split('\t')[1])),
      MESSAGES.map((m) => encodeMessage(m).length),
    );
    const verbose = tshark('-V');
    for (const expected of [
      /IKE Attribute \(t=1,l=2\): Encryption-Algorithm: AES-CBC/,
      /IKE Attribute \(t=12,l=4\): Life-Duration: 100000/,
      /IKE Attribute \(t=4,l=2\): Group-Description: 256-bit random ECP group/,
      /IPsec Attribute \(t=4,l=2\): Encapsulation-Mode: UDP-Encapsulated-Tunnel/,
      /Notify Message Type: R-U-THERE \(36136\)/,
      /Notify Message Type: INITIAL-CONTACT \(24578\)/,
      /Identification Data:a\.ikets\.test/,
      /Identification Data:user@ikets\.test/,
      /Identification Data:10\.1\.0\.0\/255\.255\.0\.0/,
      /ID_IPV4_RANGE \(End\): 10\.2\.0\.9/,
      /ID_IPV6_ADDR: fd31::1/,
      /Vendor ID: RFC 3947 Negotiation of NAT-Traversal in the IKE/,
      /Vendor ID: RFC 3706 DPD \(Dead Peer Detection\)/,
      /Vendor ID: XAUTH/,
      /Payload: NAT-D \(RFC 3947\) \(20\)/,
      /Payload: NAT-OA \(RFC 3947\) \(21\)/,
      /INTERNAL_IP4_ADDRESS/,
      /Delete SPI: c1000002/,
    ]) {
      assert.match(verbose, expected);
    }
  });
});
