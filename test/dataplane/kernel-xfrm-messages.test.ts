/**
 * The XFRM netlink messages of the kernel backend, byte for byte against what iproute2 sends for the
 * same SA or policy (test/fixtures/xfrm/iproute2-messages.json), and the readers of what the kernel
 * sends back (counters, ACQUIRE, EXPIRE, MAPPING). No kernel needed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { IpsecSaParams, SaLimits, Selector } from '../../src/dataplane/backend.js';
import { attribute, errorOf, message, parseMessages } from '../../src/dataplane/kernel/netlink.js';
import { kernelCipher, kernelIntegrity } from '../../src/dataplane/kernel/xfrm-algorithms.js';
import { SIZEOF, XfrmAttr, XfrmMsg } from '../../src/dataplane/kernel/xfrm-constants.js';
import {
  parseAcquire,
  parseExpire,
  parseMapping,
  parsePolicyUseTime,
  parseSaInfo,
} from '../../src/dataplane/kernel/xfrm-events.js';
import {
  deletePolicyMessage,
  deleteSaMessage,
  getPolicyMessage,
  getSaMessage,
  newPolicyMessage,
  newSaMessage,
  rangePrefix,
  selectorBytes,
  socketBypassPolicy,
} from '../../src/dataplane/kernel/xfrm-messages.js';

const FIXTURES = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/xfrm/iproute2-messages.json', import.meta.url), 'utf8'),
) as { messages: Record<string, { hex: string; command: string }> };

function fixture(name: string): { bytes: Buffer; seq: number } {
  const f = FIXTURES.messages[name];
  assert.ok(f, name);
  const bytes = Buffer.from(f.hex, 'hex');
  return { bytes, seq: bytes.readUInt32LE(8) };
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const NO_LIMITS: SaLimits = { softBytes: 0n, hardBytes: 0n, softPackets: 0n, hardPackets: 0n };
const ANY4: Selector = { family: 4, start: 0n, end: 0xffffffffn, protocol: 0, port: 0 };

function v4(address: string, prefix = 32, protocol = 0, port = 0): Selector {
  const n = address.split('.').reduce((x, o) => (x << 8n) | BigInt(Number(o)), 0n);
  return { family: 4, start: n, end: n + (1n << BigInt(32 - prefix)) - 1n, protocol, port };
}

function sa(fields: Partial<IpsecSaParams>): IpsecSaParams {
  return {
    reqid: 0,
    direction: 'out',
    protocol: 'esp',
    spi: 0,
    mode: 'tunnel',
    source: '192.168.99.1',
    destination: '192.168.99.2',
    encapsulation: undefined,
    encryption: undefined,
    integrity: undefined,
    replayWindow: 0,
    limits: NO_LIMITS,
    localTs: ANY4,
    remoteTs: ANY4,
    ...fields,
  };
}

/** Compares and, on a mismatch, names the first differing offset. */
function assertBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  assert.fail(`${what}: ${actual.length} vs ${expected.length} bytes, first difference at offset ${i}`);
}

describe('XFRM messages are byte-identical to iproute2 6.1', () => {
  it('NEWSA: ESP cbc(aes) + hmac(sha256)/128, tunnel, ESP-in-UDP 4500, byte and packet limits', () => {
    const { bytes, seq } = fixture('sa-cbc');
    const msg = newSaMessage(
      sa({
        reqid: 7,
        spi: 0x1000,
        encapsulation: { sourcePort: 4500, destinationPort: 4500 },
        encryption: { name: 'aes128', key: hex('000102030405060708090a0b0c0d0e0f') },
        integrity: {
          name: 'sha256',
          key: hex('101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f'),
        },
        limits: { softBytes: 1_000_000n, hardBytes: 2_000_000n, softPackets: 100n, hardPackets: 200n },
      }),
      seq,
    );
    assertBytes(msg, bytes, 'sa-cbc');
  });

  it('NEWSA: inbound ESP rfc4106(gcm(aes)) ICV 128, replay window 32', () => {
    const { bytes, seq } = fixture('sa-gcm');
    const msg = newSaMessage(
      sa({
        reqid: 8,
        direction: 'in',
        spi: 0x2000,
        source: '192.168.99.2',
        destination: '192.168.99.1',
        encryption: { name: 'aes128gcm16', key: hex('000102030405060708090a0b0c0d0e0f10111213') },
        replayWindow: 32,
      }),
      seq,
    );
    assertBytes(msg, bytes, 'sa-gcm');
  });

  it('NEWSA: AH hmac(sha1)/96 in transport mode carries the selector', () => {
    const { bytes, seq } = fixture('sa-ah');
    const msg = newSaMessage(
      sa({
        reqid: 9,
        protocol: 'ah',
        spi: 0x3000,
        mode: 'transport',
        integrity: { name: 'sha1', key: hex('101112131415161718191a1b1c1d1e1f20212223') },
        localTs: v4('192.168.99.1'),
        remoteTs: v4('192.168.99.2'),
      }),
      seq,
    );
    assertBytes(msg, bytes, 'sa-ah');
  });

  it('NEWSA: IPv6 outer addresses, rfc7539esp(chacha20,poly1305)', () => {
    const { bytes, seq } = fixture('sa-v6');
    const msg = newSaMessage(
      sa({
        reqid: 10,
        spi: 0x4000,
        source: 'fd00:99::1',
        destination: 'fd00:99::2',
        encryption: {
          name: 'chacha20poly1305',
          key: hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223'),
        },
      }),
      seq,
    );
    assertBytes(msg, bytes, 'sa-v6');
  });

  it('NEWPOLICY: out, subnet to subnet, priority 1000, ESP tunnel template with reqid', () => {
    const { bytes, seq } = fixture('pol-out');
    const msg = newPolicyMessage(
      {
        direction: 'out',
        source: v4('10.1.0.0', 24),
        destination: v4('10.2.0.0', 24),
        action: 'protect',
        priority: 1000,
        template: {
          reqid: 7,
          protocol: 'esp',
          mode: 'tunnel',
          source: '192.168.99.1',
          destination: '192.168.99.2',
        },
      },
      seq,
    );
    assertBytes(msg, bytes, 'pol-out');
  });

  it('UPDPOLICY (update = true): the same body as NEWPOLICY, message type 0x19 (ip xfrm policy update)', () => {
    const { bytes, seq } = fixture('pol-out');
    const policy = {
      direction: 'out',
      source: v4('10.1.0.0', 24),
      destination: v4('10.2.0.0', 24),
      action: 'protect',
      priority: 1000,
      template: {
        reqid: 7,
        protocol: 'esp',
        mode: 'tunnel',
        source: '192.168.99.1',
        destination: '192.168.99.2',
      },
    } as const;
    const msg = newPolicyMessage(policy, seq, true);
    assert.equal(msg.readUInt16LE(4), 0x19);
    assert.deepEqual(
      Buffer.concat([msg.subarray(0, 4), msg.subarray(6)]),
      Buffer.concat([bytes.subarray(0, 4), bytes.subarray(6)]),
    );
  });

  it('NEWPOLICY: in, drop (block), TCP from port 80', () => {
    const { bytes, seq } = fixture('pol-drop');
    const msg = newPolicyMessage(
      {
        direction: 'in',
        source: v4('10.2.0.5', 32, 6, 80),
        destination: v4('10.1.0.0', 24, 6),
        action: 'drop',
        priority: 5,
        template: undefined,
      },
      seq,
    );
    assertBytes(msg, bytes, 'pol-drop');
  });

  it('NEWPOLICY: fwd, AH transport template (no template addresses)', () => {
    const { bytes, seq } = fixture('pol-transport');
    const msg = newPolicyMessage(
      {
        direction: 'fwd',
        source: v4('192.168.99.1'),
        destination: v4('192.168.99.2'),
        action: 'protect',
        priority: 2000,
        template: {
          reqid: 7,
          protocol: 'ah',
          mode: 'transport',
          source: '192.168.99.1',
          destination: '192.168.99.2',
        },
      },
      seq,
    );
    assertBytes(msg, bytes, 'pol-transport');
  });

  it('DELPOLICY by selector and direction', () => {
    const { bytes, seq } = fixture('pol-del');
    const msg = deletePolicyMessage(
      { direction: 'out', source: v4('10.1.0.0', 24), destination: v4('10.2.0.0', 24) },
      seq,
    );
    assertBytes(msg, bytes, 'pol-del');
  });

  it("GETPOLICY: the same policy id as iproute2's DELPOLICY, type 0x15, a request without ACK", () => {
    const { bytes, seq } = fixture('pol-del');
    const msg = getPolicyMessage(
      { direction: 'out', source: v4('10.1.0.0', 24), destination: v4('10.2.0.0', 24) },
      seq,
    );
    assert.equal(msg.readUInt16LE(4), XfrmMsg.GETPOLICY);
    assert.equal(msg.readUInt16LE(6), 0x1);
    assert.deepEqual(msg.subarray(8), bytes.subarray(8));
    assert.equal(msg.readUInt32LE(0), bytes.readUInt32LE(0));
  });
});

describe('XFRM messages, field by field', () => {
  it('DELSA and GETSA name the SA by destination, SPI (network order), family and protocol', () => {
    const id = { spi: 0xc0ffee01, protocol: 'ah' as const, destination: '10.0.0.2' };
    const del = deleteSaMessage(id, 5);
    assert.equal(
      del.toString('hex'),
      `28000000${'1100'}0500${'05000000'}00000000${'0a000002'.padEnd(32, '0')}c0ffee01020033${'00'}`,
    );
    const get = getSaMessage(id, 6);
    assert.equal(get.readUInt16LE(4), XfrmMsg.GETSA);
    assert.equal(get.readUInt16LE(6), 1, 'GETSA is a plain request (the answer is the SA)');
    assert.deepEqual(get.subarray(16), del.subarray(16));
  });

  it('the per-socket bypass policy: family, direction, ALLOW, nothing else', () => {
    const out = socketBypassPolicy(4, 'out');
    assert.equal(out.length, SIZEOF.userpolicyInfo);
    const expected = Buffer.alloc(168);
    expected.writeUInt16LE(2, 40);
    expected.writeUInt8(1, 160);
    assert.deepEqual(out, expected);
    const in6 = socketBypassPolicy(6, 'in');
    assert.equal(in6.readUInt16LE(40), 10);
    assert.equal(in6.readUInt8(160), 0);
    assert.equal(in6.readUInt8(161), 0);
  });

  it('a replay window above 32 uses XFRMA_REPLAY_ESN_VAL (ESP) and leaves the legacy field 0', () => {
    const msg = newSaMessage(
      sa({
        direction: 'in',
        spi: 1,
        replayWindow: 128,
        encryption: { name: 'aes256gcm16', key: Buffer.alloc(36) },
      }),
      1,
    );
    const [parsed] = parseMessages(msg);
    assert.ok(parsed);
    assert.equal(parsed.payload.readUInt8(215), 0);
    const attrs = [...iterateAttributes(parsed.payload.subarray(SIZEOF.usersaInfo))];
    const esn = attrs.find((a) => a.type === XfrmAttr.REPLAY_ESN_VAL);
    assert.ok(esn);
    assert.equal(esn.data.readUInt32LE(0), 4, 'bmp_len in 32-bit words');
    assert.equal(esn.data.readUInt32LE(20), 128, 'replay_window');
    assert.equal(esn.data.length, 24 + 16);
    const aead = attrs.find((a) => a.type === XfrmAttr.ALG_AEAD);
    assert.ok(aead);
    assert.equal(aead.data.subarray(0, 17).toString('latin1'), 'rfc4106(gcm(aes))');
    assert.equal(aead.data.readUInt32LE(64), 288, 'key bits with the salt');
    assert.equal(aead.data.readUInt32LE(68), 128, 'ICV bits');
  });

  it('an outbound SA has no replay window', () => {
    const msg = newSaMessage(
      sa({ spi: 1, replayWindow: 64, encryption: { name: 'null', key: Buffer.alloc(0) } }),
      1,
    );
    assert.equal(msg.readUInt8(16 + 215), 0);
  });

  it('ranges are covered by their smallest prefix (XFRM matches prefixes)', () => {
    assert.deepEqual(rangePrefix(v4('10.1.2.0', 24)), {
      bytes: hex(`0a010200${'0'.repeat(24)}`),
      prefixLength: 24,
    });
    const range: Selector = {
      family: 4,
      start: v4('10.0.0.5').start,
      end: v4('10.0.0.9').start,
      protocol: 0,
      port: 0,
    };
    assert.deepEqual(rangePrefix(range), { bytes: hex(`0a000000${'0'.repeat(24)}`), prefixLength: 28 });
    assert.equal(rangePrefix(ANY4).prefixLength, 0);
    const v6: Selector = {
      family: 6,
      start: 0xfd00n << 112n,
      end: (0xfd00n << 112n) | ((1n << 64n) - 1n),
      protocol: 0,
      port: 0,
    };
    assert.deepEqual(rangePrefix(v6), { bytes: hex(`fd00${'0'.repeat(28)}`), prefixLength: 64 });
    const sel = selectorBytes(v4('10.1.0.0', 24, 17, 500), v4('10.2.0.0', 16, 17, 4500));
    assert.equal(sel.readUInt16BE(32), 4500);
    assert.equal(sel.readUInt16BE(34), 0xffff);
    assert.equal(sel.readUInt16BE(36), 500);
    assert.equal(sel.readUInt8(42), 16);
    assert.equal(sel.readUInt8(43), 24);
    assert.equal(sel.readUInt8(44), 17);
  });
});

function* iterateAttributes(data: Buffer): Generator<{ type: number; data: Buffer }> {
  let offset = 0;
  while (offset + 4 <= data.length) {
    const length = data.readUInt16LE(offset);
    yield { type: data.readUInt16LE(offset + 2), data: data.subarray(offset + 4, offset + length) };
    offset += (length + 3) & ~3;
  }
}

describe('kernel algorithm names and sizes', () => {
  const cases: [string, string, number, number | undefined][] = [
    ['aes128', 'cbc(aes)', 16, undefined],
    ['aes192', 'cbc(aes)', 24, undefined],
    ['aes256', 'cbc(aes)', 32, undefined],
    ['3des', 'cbc(des3_ede)', 24, undefined],
    ['null', 'ecb(cipher_null)', 0, undefined],
    ['aes128ctr', 'rfc3686(ctr(aes))', 20, undefined],
    ['aes256ctr', 'rfc3686(ctr(aes))', 36, undefined],
    ['aes128gcm8', 'rfc4106(gcm(aes))', 20, 64],
    ['aes192gcm12', 'rfc4106(gcm(aes))', 28, 96],
    ['aes256gcm16', 'rfc4106(gcm(aes))', 36, 128],
    ['aes256gcm128', 'rfc4106(gcm(aes))', 36, 128],
    ['aes128gcm', 'rfc4106(gcm(aes))', 20, 128],
    ['chacha20poly1305', 'rfc7539esp(chacha20,poly1305)', 36, 128],
  ];
  for (const [keyword, name, keyBytes, icvBits] of cases) {
    it(`${keyword} -> ${name}`, () => {
      const c = kernelCipher(keyword, Buffer.alloc(keyBytes));
      assert.equal(c.name, name);
      assert.equal(c.keyBytes, keyBytes);
      assert.equal(c.kind === 'aead' ? c.icvBits : undefined, icvBits);
    });
  }
  const macs: [string, string, number, number][] = [
    ['md5', 'hmac(md5)', 16, 96],
    ['sha1', 'hmac(sha1)', 20, 96],
    ['sha256', 'hmac(sha256)', 32, 128],
    ['sha384', 'hmac(sha384)', 48, 192],
    ['sha512', 'hmac(sha512)', 64, 256],
    ['aesxcbc', 'xcbc(aes)', 16, 96],
  ];
  for (const [keyword, name, keyBytes, trunc] of macs) {
    it(`${keyword} -> ${name}/${trunc}`, () => {
      assert.deepEqual(kernelIntegrity(keyword, Buffer.alloc(keyBytes)), {
        name,
        keyBytes,
        truncBits: trunc,
      });
    });
  }
  it('unknown names and wrong key lengths are ERR_DATAPLANE_ALGORITHM', () => {
    assert.throws(() => kernelCipher('blowfish', Buffer.alloc(16)), { code: 'ERR_DATAPLANE_ALGORITHM' });
    assert.throws(() => kernelCipher('aes128', Buffer.alloc(15)), { code: 'ERR_DATAPLANE_ALGORITHM' });
    assert.throws(() => kernelIntegrity('sha256', Buffer.alloc(20)), { code: 'ERR_DATAPLANE_ALGORITHM' });
    assert.throws(() => newSaMessage(sa({ protocol: 'ah' }), 1), { code: 'ERR_DATAPLANE_ALGORITHM' });
  });
});

describe('reading what the kernel sends', () => {
  it('NLMSG_ERROR: 0 is an ACK, a negative number the errno', () => {
    const ack = message(2, 0, 9, [Buffer.alloc(20)]);
    const nack = Buffer.from(ack);
    nack.writeInt32LE(-17, 16);
    const [a, n] = parseMessages(Buffer.concat([ack, nack]));
    assert.ok(a && n);
    assert.equal(errorOf(a), 0);
    assert.equal(errorOf(n), 17);
    assert.equal(a.seq, 9);
  });

  it('the SA counters of a GETSA answer (curlft, stats)', () => {
    const payload = newSaMessage(
      sa({ spi: 0x1234, reqid: 3, encryption: { name: 'null', key: Buffer.alloc(0) } }),
      1,
    ).subarray(16);
    payload.writeBigUInt64LE(123456n, 160);
    payload.writeBigUInt64LE(99n, 168);
    payload.writeBigUInt64LE(1_700_000_000n, 184);
    payload.writeUInt32LE(2, 196);
    payload.writeUInt32LE(3, 200);
    assert.deepEqual(parseSaInfo(payload), {
      id: { spi: 0x1234, protocol: 'esp', destination: '192.168.99.2' },
      reqid: 3,
      bytes: 123456n,
      packets: 99n,
      useTime: 1_700_000_000n,
      lastUsed: undefined,
      dropped: 5n,
    });
  });

  it('XFRMA_LASTUSED of a GETSA answer (Linux 6.2+), behind the algorithms and an XFRMA_PAD or not', () => {
    const msg = newSaMessage(
      sa({ spi: 0x1234, reqid: 3, encryption: { name: 'aes128gcm16', key: Buffer.alloc(20) } }),
      1,
    );
    const lastUsed = Buffer.alloc(8);
    lastUsed.writeBigUInt64LE(1_700_000_123n, 0);
    // nla_put_u64_64bit() puts an empty XFRMA_PAD (27) first where the u64 would be misaligned.
    for (const pad of [Buffer.alloc(0), attribute(27, Buffer.alloc(0))]) {
      const payload = Buffer.concat([msg.subarray(16), pad, attribute(XfrmAttr.LASTUSED, lastUsed)]);
      assert.equal(parseSaInfo(payload)?.lastUsed, 1_700_000_123n);
    }
  });

  it("a policy's use_time from the NEWPOLICY answer (curlft after the selector and lft)", () => {
    const payload = newPolicyMessage(
      {
        direction: 'in',
        source: v4('10.2.0.0', 24),
        destination: v4('10.1.0.0', 24),
        action: 'drop',
        priority: 5,
        template: undefined,
      },
      1,
    ).subarray(16);
    payload.writeBigUInt64LE(1_700_000_000n, 56 + 64 + 16); // add_time
    payload.writeBigUInt64LE(1_700_000_042n, 56 + 64 + 24); // use_time
    assert.equal(parsePolicyUseTime(payload), 1_700_000_042n);
    assert.equal(parsePolicyUseTime(payload.subarray(0, 100)), undefined);
  });

  it('EXPIRE: the SA and soft/hard', () => {
    const state = newSaMessage(
      sa({ spi: 0x77, reqid: 4, encryption: { name: 'null', key: Buffer.alloc(0) } }),
      1,
    ).subarray(16, 16 + SIZEOF.usersaInfo);
    const hard = Buffer.concat([state, Buffer.from([1]), Buffer.alloc(7)]);
    assert.deepEqual(parseExpire(hard), {
      spi: 0x77,
      protocol: 'esp',
      destination: '192.168.99.2',
      reqid: 4,
      hard: true,
    });
    hard.writeUInt8(0, SIZEOF.usersaInfo);
    assert.equal(parseExpire(hard)?.hard, false);
  });

  it('ACQUIRE: reqid from the template, addresses from the flow', () => {
    const acquire = Buffer.alloc(SIZEOF.userAcquire);
    selectorBytes(v4('10.1.0.1'), v4('10.2.0.1')).copy(acquire, 40);
    const tmpl = newPolicyMessage(
      {
        direction: 'out',
        source: ANY4,
        destination: ANY4,
        action: 'trap',
        priority: 0,
        template: {
          reqid: 42,
          protocol: 'esp',
          mode: 'tunnel',
          source: '192.0.2.1',
          destination: '192.0.2.2',
        },
      },
      1,
    ).subarray(16 + SIZEOF.userpolicyInfo);
    assert.equal(tmpl.readUInt16LE(2), XfrmAttr.TMPL);
    assert.deepEqual(parseAcquire(Buffer.concat([acquire, tmpl])), {
      reqid: 42,
      source: '10.1.0.1',
      destination: '10.2.0.1',
    });
    assert.equal(parseAcquire(acquire), undefined, 'no template, no reqid');
  });

  it('MAPPING: the SA and its new address and port', () => {
    const m = Buffer.alloc(SIZEOF.userMapping);
    hex('c0000202').copy(m, 0);
    m.writeUInt32BE(0xabcdef01, 16);
    m.writeUInt16LE(2, 20);
    m.writeUInt8(50, 22);
    hex('cb007107').copy(m, 44);
    m.writeUInt16BE(31000, 62);
    assert.deepEqual(parseMapping(m), {
      spi: 0xabcdef01,
      protocol: 'esp',
      destination: '192.0.2.2',
      address: '203.0.113.7',
      port: 31000,
    });
  });

  it('attributes are padded to 4 bytes', () => {
    assert.equal(attribute(1, Buffer.from([1, 2, 3])).toString('hex'), '0700010001020300');
  });
});
