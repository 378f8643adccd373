/**
 * The fuzzer's seed corpus: hand-built messages of every exchange and payload type (in JSON form, easy to
 * extend), plus every `*.bin` file under test/fixtures/, plus the ISAKMP messages of the `*.pcapng` captures
 * there when the capture reader (src/capture, another layer's work) can read them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { messageFromJson } from '../../src/codec/json.js';
import { encodeMessage } from '../../src/codec/message.js';

const C = '0102030405060708';
const R = '1112131415161718';
const ikeSa = {
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
            { type: 'HASH_ALGORITHM', value: 'SHA2_256' },
            { type: 'AUTHENTICATION_METHOD', value: 'XAUTH_INIT_PRE_SHARED' },
            { type: 'GROUP_DESCRIPTION', value: 'MODP_2048' },
            { type: 'LIFE_TYPE', value: 'SECONDS' },
            { type: 'LIFE_DURATION', value: 28800, length: 4 },
          ],
        },
        { number: 2, id: 'KEY_IKE', attributes: [{ type: 'ENCRYPTION_ALGORITHM', value: 'TRIPLE_DES_CBC' }] },
      ],
    },
  ],
};
const espSa = {
  type: 'sa',
  situation: 1,
  proposals: [
    {
      number: 1,
      protocol: 'PROTO_IPSEC_ESP',
      spi: 'c0ffee01',
      transforms: [
        {
          number: 1,
          id: 'ESP_AES_GCM_16',
          attributes: [
            { type: 'ENCAPSULATION_MODE', value: 'UDP_ENCAPSULATED_TUNNEL' },
            { type: 'KEY_LENGTH', value: 128 },
            { type: 'SA_LIFE_TYPE', value: 'KILOBYTES' },
            { type: 'SA_LIFE_DURATION', value: '4294967296', length: 8 },
            { type: 'EXTENDED_SEQUENCE_NUMBER', value: 1 },
          ],
        },
      ],
    },
    { number: 1, protocol: 'PROTO_IPCOMP', spi: '1234', transforms: [{ number: 1, id: 'IPCOMP_DEFLATE' }] },
  ],
};
const labelled = {
  type: 'sa',
  situation: 7,
  labeledDomain: {
    identifier: 9,
    secrecy: { level: 'aabbcc', categoryBits: 12, categories: 'f0f0' },
    integrity: { level: '01', categoryBits: 0, categories: '' },
  },
  proposals: [
    {
      number: 1,
      protocol: 'PROTO_IPSEC_AH',
      spi: '01020304',
      transforms: [{ number: 1, id: 'AH_SHA2_256' }],
    },
  ],
};
const ids = [
  { idType: 'ID_IPV4_ADDR', address: '192.0.2.1', protocol: 17, port: 500 },
  { idType: 'ID_FQDN', name: 'vpn.example.org' },
  { idType: 'ID_USER_FQDN', name: 'alice@example.org' },
  { idType: 'ID_IPV4_ADDR_SUBNET', address: '10.0.0.0', prefix: 8 },
  { idType: 'ID_IPV6_ADDR', address: '2001:db8::1' },
  { idType: 'ID_IPV6_ADDR_SUBNET', address: '2001:db8::', prefix: 32 },
  { idType: 'ID_IPV4_ADDR_RANGE', start: '10.0.0.1', end: '10.0.0.9' },
  { idType: 'ID_IPV6_ADDR_RANGE', start: '::1', end: '::9' },
  { idType: 'ID_DER_ASN1_DN', data: '3011310f300d06035504030c06736572766572' },
  { idType: 'ID_DER_ASN1_GN', data: '820161' },
  { idType: 'ID_KEY_ID', data: '6b65792d6964' },
  { idType: 200, data: 'ff' },
].map((id) => ({ type: 'identification', ...id }));

const hdr = (exchangeType: string, messageId = 0) => ({
  initiatorCookie: C,
  responderCookie: R,
  exchangeType,
  messageId,
});

export const SEED_JSON: readonly object[] = [
  {
    ...hdr('IDENTITY_PROTECTION'),
    responderCookie: '0000000000000000',
    payloads: [
      ikeSa,
      ...['DPD', 'NAT_T_RFC3947', 'XAUTH', 'FRAGMENTATION', 'STRONGSWAN'].map((name) => ({
        type: 'vendor_id',
        name,
      })),
    ],
  },
  {
    ...hdr('IDENTITY_PROTECTION'),
    payloads: [
      { type: 'key_exchange', data: 'ab'.repeat(64) },
      { type: 'nonce', data: 'cd'.repeat(32) },
      { type: 'nat_d', hash: '11'.repeat(20) },
      { type: 'nat_d', draft: true, hash: '22'.repeat(20) },
    ],
  },
  {
    ...hdr('AGGRESSIVE'),
    payloads: [
      ikeSa,
      { type: 'key_exchange', data: '01'.repeat(32) },
      { type: 'nonce', data: '02'.repeat(16) },
      ...ids,
      { type: 'certificate', encoding: 'X509_SIGNATURE', data: '3082000a' },
      { type: 'certificate_request', encoding: 'X509_SIGNATURE', authority: '' },
      { type: 'signature', data: '99'.repeat(32) },
      { type: 'hash', data: '88'.repeat(20) },
    ],
  },
  {
    ...hdr('QUICK_MODE', 0x11223344),
    payloads: [
      { type: 'hash', data: '77'.repeat(32) },
      espSa,
      labelled,
      { type: 'nonce', data: '03'.repeat(24) },
      { type: 'nat_oa', address: '192.168.1.2' },
      { type: 'nat_oa', draft: true, address: 'fe80::1' },
    ],
  },
  {
    ...hdr('INFORMATIONAL', 0x55667788),
    payloads: [
      { type: 'hash', data: '66'.repeat(20) },
      {
        type: 'notification',
        doi: 'IPSEC',
        protocol: 'PROTO_ISAKMP',
        spi: C + R,
        notifyType: 'R_U_THERE',
        data: '00000001',
      },
      { type: 'delete', doi: 'IPSEC', protocol: 'PROTO_IPSEC_ESP', spis: ['c0ffee01', 'c0ffee02'] },
      { type: 'unknown', payloadType: 200, data: 'beef' },
    ],
  },
  {
    ...hdr('TRANSACTION', 0x01),
    payloads: [
      { type: 'hash', data: '55'.repeat(20) },
      {
        type: 'attributes',
        cfgType: 'ISAKMP_CFG_REPLY',
        identifier: 7,
        attributes: [
          { type: 'INTERNAL_IP4_ADDRESS', address: '10.3.0.1' },
          { type: 'APPLICATION_VERSION', text: 'ikets' },
          { type: 'XAUTH_STATUS', value: 'OK' },
          { type: 'XAUTH_TYPE', value: 'GENERIC' },
        ],
      },
    ],
  },
  {
    ...hdr('IDENTITY_PROTECTION'),
    payloads: [{ type: 'fragment', fragmentId: 1, fragmentNumber: 1, flags: 1, data: '00'.repeat(40) }],
  },
  {
    ...hdr('IDENTITY_PROTECTION'),
    encrypted: { firstPayload: 'IDENTIFICATION', ciphertext: '00'.repeat(48) },
  },
];

/** The encoded seeds, then every `*.bin` under `fixturesDir` (recursively). */
export async function seedCorpus(fixturesDir: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out = SEED_JSON.map((j, i) => ({ name: `seed-${i}`, bytes: encodeMessage(messageFromJson(j)) }));
  const captures: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.bin')) out.push({ name: p, bytes: Uint8Array.from(readFileSync(p)) });
      else if (e.endsWith('.pcapng') || e.endsWith('.pcap')) captures.push(p);
    }
  };
  walk(fixturesDir);
  const reader = await captureReader();
  for (const p of captures) {
    try {
      reader?.(Uint8Array.from(readFileSync(p))).forEach((bytes, i) => {
        out.push({ name: `${p}#${i}`, bytes });
      });
    } catch {
      // An unreadable capture is not the codec's business.
    }
  }
  return out;
}

type MessagesOf = (input: Uint8Array) => Uint8Array[];

/**
 * `messagesFromInput` of src/capture, loaded by a specifier the compiler does not resolve, so that the fuzzer
 * neither depends on that layer's API at build time nor fails when it is absent.
 */
async function captureReader(): Promise<MessagesOf | undefined> {
  const specifier = ['..', '..', 'src', 'capture', 'index.js'].join('/');
  try {
    const mod: unknown = await import(specifier);
    const f = (mod as { messagesFromInput?: unknown }).messagesFromInput;
    if (typeof f !== 'function') return undefined;
    return (input) => {
      const r = f(input) as { messages?: { message?: unknown }[] };
      return (r.messages ?? []).flatMap((m) =>
        m.message instanceof Uint8Array ? [Uint8Array.from(m.message)] : [],
      );
    };
  } catch {
    return undefined;
  }
}
