import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDrop } from '../../src/dataplane/esp/drop.js';
import { espProtect, espUnprotect } from '../../src/dataplane/esp/esp.js';
import { writeIpv4Header } from '../../src/dataplane/esp/ip.js';
import { IpsecSa } from '../../src/dataplane/esp/sa.js';

// draft-mcgrew-gcm-test-01 (March 2009), section 4: complete AES-GCM ESP packets (RFC 4106), the
// plaintext including the ESP trailer (every one with next header 1). Each is rebuilt byte-exact by
// the engine in transport mode (an IPv4 packet of protocol 1 whose payload is the vector's payload,
// with the vector's IV injected) and decrypted back. The vectors whose 64-bit sequence numbers
// exceed 2^53 are left out: the engine's counters are JS numbers (docs/dataplane.md).
// Source: draft-mcgrew-gcm-test-01.txt, as kept in github.com/ysoftwareab/know-your-ietf-well.

interface GcmVector {
  readonly key: string;
  readonly spi: string;
  readonly seq: string;
  readonly nonce: string;
  readonly plaintext: string;
  readonly packet: string;
}

const VECTORS: readonly GcmVector[] = [
  {
    key: 'feffe9928665731c6d6a8f9467308308',
    spi: '0000a5f8',
    seq: '0000000a',
    nonce: 'cafebabefacedbaddecaf888',
    plaintext:
      '4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d0010000010000000000000373697009637962' +
      '65726369747902646b00000100010001',
    packet:
      '0000a5f80000000afacedbaddecaf888deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c' +
      '3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd183b70d3aa8bc6ee4c309e9d85a41ad4a',
  },
  {
    key: 'abbccddef00112233445566778899aababbccddef00112233445566778899aab',
    spi: '4a2cbfe3',
    seq: '00000002',
    nonce: '112233440102030405060708',
    plaintext:
      '4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf0000020405b401010402' +
      '01020201',
    packet:
      '4a2cbfe3000000020102030405060708ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763' +
      '748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c4915956c96',
  },
  {
    key: '00000000000000000000000000000000',
    spi: '00000000',
    seq: '00000001',
    nonce: '000000000000000000000000',
    plaintext:
      '4500003c99c500008001cb7a40679318010101010800075c020044006162636465666768696a6b6c6d6e6f7071727374' +
      '75767761626364656667686901020201',
    packet:
      '000000000000000100000000000000004688daf2f973a392732909c331d56d60f694abaa414b5e7ff5fdcdfff5e9a284' +
      '456476492719ffb64de7d9dca1e1d894bc3bd57873ed4d181d19d4d5c8c18af3f821d496eeb096e98ad2b69e4799c71d',
  },
  {
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c',
    spi: '0000a5f8',
    seq: '0000000a',
    nonce: 'cafebabefacedbaddecaf888',
    plaintext: '45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e501016d075680001',
    packet:
      '0000a5f80000000afacedbaddecaf888a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0' +
      '315b27452144cc7795457b9652037f5318027b5b4cd7a636',
  },
  {
    key: 'abbccddef00112233445566778899aab',
    spi: '00000100',
    seq: '0000000000000001',
    nonce: 'decaf888cafedebaceface74',
    plaintext:
      '4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d500004e20001e8c18d75b81dc91baa047' +
      '6b91b924b280389d92c963bac046ec959b6266c04722b14923010101',
    packet:
      '0000010000000001cafedebaceface7418a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f' +
      '9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c226f2127b27db35724e7845d68651f57e6' +
      '5f354f75ff17015769623436',
  },
  {
    key: '7d773d00c144c525ac619d18c84a3f47',
    spi: '335467ae',
    seq: 'ffffffff',
    nonce: 'd966426743457e9182443bc6',
    plaintext: '01020201',
    packet: '335467aeffffffff43457e9182443bc6437f866bcb3f699fe9b0822bac961c4504bef270',
  },
  {
    key: 'abbccddef00112233445566778899aab',
    spi: '00000100',
    seq: '0000000000000001',
    nonce: 'decaf888cafedebaceface74',
    plaintext: '746f016265016f72016e6f7401746f0162650001',
    packet:
      '0000010000000001cafedebaceface7429c9fc69a197d038ccdd14e2ddfcaa0543332164412503524303ed3c6c5f2838' +
      '43af8c3e',
  },
];

for (const v of VECTORS) {
  test(`draft-mcgrew-gcm-test-01: AES-${v.key.length * 4}-GCM, SPI ${v.spi}, sequence ${v.seq}`, () => {
    const key = Buffer.from(v.key, 'hex');
    const nonce = Buffer.from(v.nonce, 'hex');
    const plaintext = Buffer.from(v.plaintext, 'hex');
    const padLength = plaintext[plaintext.length - 2] ?? 0;
    assert.equal(plaintext[plaintext.length - 1], 1, 'every vector carries next header 1');
    const payload = plaintext.subarray(0, plaintext.length - 2 - padLength);
    const sequence = Number.parseInt(v.seq, 16);
    const spec = {
      protocol: 'esp' as const,
      mode: 'transport' as const,
      spi: Number.parseInt(v.spi, 16),
      source: '192.0.2.1',
      destination: '192.0.2.2',
      esn: v.seq.length === 16,
      encryption: { name: `aes${v.key.length * 4}gcm16`, key: Buffer.concat([key, nonce.subarray(0, 4)]) },
      integrity: undefined,
    };
    const out = new IpsecSa({ ...spec, direction: 'out' });
    out.sequence = sequence - 1;
    const packet = Buffer.alloc(20 + payload.length);
    writeIpv4Header(packet, 0, packet.length, {
      tos: 0,
      id: 0,
      ttl: 64,
      protocol: 1,
      source: out.sourceBytes,
      destination: out.destinationBytes,
    });
    payload.copy(packet, 20);
    const esp = espProtect(out, packet, 0, () => assert.fail('no random IV for GCM'), nonce.subarray(4));
    assert.ok(!isDrop(esp));
    assert.equal(esp.toString('hex'), v.packet);

    const inbound = new IpsecSa({ ...spec, direction: 'in' });
    const back = espUnprotect(inbound, Buffer.from(v.packet, 'hex'), 0);
    assert.ok(!isDrop(back), String(back));
    assert.equal(back[9], 1);
    assert.equal(back.subarray(20).toString('hex'), payload.toString('hex'));
  });
}
