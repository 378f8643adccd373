import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { test } from 'node:test';
import { espProtect, espUnprotect } from '../../src/dataplane/esp/esp.js';
import {
  ipsecSaParamsFromChild,
  parseSelector,
  saSpecsFromChild,
} from '../../src/dataplane/esp/from-child.js';
import { classifyNattPayload } from '../../src/dataplane/esp/natt.js';
import { IpsecSa } from '../../src/dataplane/esp/sa.js';
import { childPair } from '../support/child-pair.js';
import { udpPacket } from '../support/ip-packets.js';

const random = (out: Buffer): void => {
  randomFillSync(out);
};

test('SAs from ChildSaInfo: KEYMAT of one side out = the other side in; traffic passes both ways', () => {
  const { a, b } = childPair({ encryption: 'aes256', integrity: 'sha256' });
  const sa = saSpecsFromChild(a);
  const sb = saSpecsFromChild(b);
  assert.equal(sa.outbound.spi, sb.inbound.spi);
  assert.equal(sa.outbound.spi, 0x0badf00d);
  assert.deepEqual(sa.outbound.encryption?.key, sb.inbound.encryption?.key);
  assert.equal(sa.outbound.source, '10.231.0.1');
  assert.equal(sb.inbound.source, '10.231.0.1');
  const aOut = new IpsecSa(sa.outbound);
  const bIn = new IpsecSa(sb.inbound);
  const bOut = new IpsecSa(sb.outbound);
  const aIn = new IpsecSa(sa.inbound);
  const ab = udpPacket('10.1.0.5', '10.2.0.9', Buffer.from('a to b'));
  const ba = udpPacket('10.2.0.9', '10.1.0.5', Buffer.from('b to a'));
  assert.ok((espUnprotect(bIn, espProtect(aOut, ab, 0, random) as Buffer, 0) as Buffer).equals(ab));
  assert.ok((espUnprotect(aIn, espProtect(bOut, ba, 0, random) as Buffer, 0) as Buffer).equals(ba));
  // B's inbound SA checks A's selectors: a source outside 10.1.0.0/16 is dropped.
  const spoof = udpPacket('10.9.0.5', '10.2.0.9', Buffer.from('spoof'));
  assert.equal(espUnprotect(bIn, espProtect(aOut, spoof, 0, random) as Buffer, 0), 'selector-mismatch');
});

test('backend parameters from ChildSaInfo: encapsulation ports, selectors, reqid', () => {
  const { a } = childPair({ encryption: 'aes128gcm16', integrity: undefined, port: 4501 });
  const p = ipsecSaParamsFromChild(a, 7);
  assert.equal(p.inbound.reqid, 7);
  assert.equal(p.inbound.direction, 'in');
  assert.deepEqual(p.outbound.encapsulation, { sourcePort: 4501, destinationPort: 4501 });
  assert.equal(p.outbound.encryption?.key.length, 20);
  assert.equal(p.outbound.integrity, undefined);
  assert.deepEqual(p.inbound.localTs, parseSelector('10.1.0.0/16'));
});

test('selector notation of the engine (formatSelector): subnet, host, range, protocol and port', () => {
  assert.deepEqual(parseSelector('10.1.0.0/16'), {
    family: 4,
    start: 0x0a010000n,
    end: 0x0a01ffffn,
    protocol: 0,
    port: 0,
  });
  assert.deepEqual(parseSelector('10.0.0.1..10.0.0.9[6/443]'), {
    family: 4,
    start: 0x0a000001n,
    end: 0x0a000009n,
    protocol: 6,
    port: 443,
  });
  const v6 = parseSelector('fd00::/64[17]');
  assert.equal(v6.family, 6);
  assert.equal(v6.end - v6.start, (1n << 64n) - 1n);
  assert.equal(v6.protocol, 17);
  assert.throws(() => parseSelector('nonsense'));
});

test('NAT-T port payloads (RFC 3948 section 2): keepalive, IKE behind the non-ESP marker, ESP', () => {
  assert.equal(classifyNattPayload(Buffer.from([0xff])), 'keepalive');
  assert.equal(classifyNattPayload(Buffer.from('00000000aabbccdd', 'hex')), 'ike');
  assert.equal(classifyNattPayload(Buffer.from('0000010000000001', 'hex')), 'esp');
  assert.equal(classifyNattPayload(Buffer.from('00000100', 'hex')), 'invalid');
  assert.equal(classifyNattPayload(Buffer.from([0xfe])), 'invalid');
});
