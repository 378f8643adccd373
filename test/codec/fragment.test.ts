/**
 * IKEv1 fragmentation on the wire: the fragment payload (type 132, as strongSwan's
 * fragment_payload.c lays it out: generic header, fragment ID (16 bits), fragment number (8 bits),
 * flags (8 bits, LAST_FRAGMENT = 0x01), data) in a whole ISAKMP message, byte for byte, and the
 * FRAGMENTATION Vendor ID with the capability rule strongSwan applies.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage } from '../../src/codec/message.js';
import { ExchangeType, FragmentFlag } from '../../src/codec/numbers.js';
import { announcesFragmentation, fragmentationVendorId, recognizeVendorId } from '../../src/codec/vendor.js';
import { h, hex, withHeader } from './helpers.js';

describe('IKEv1 fragment payload (132)', () => {
  it('a whole fragment message: header, then the fragment payload alone, byte-exact both ways', () => {
    // Fragment 2 of message 0102..., the last one, carrying 5 bytes; Main Mode, message ID 0.
    const wire = withHeader('00 00 000d 0001 02 01 a1a2a3a4a5', { next: 132, exchange: 2 });
    const message = decodeMessage(wire);
    assert.deepEqual(message.body, {
      encrypted: false,
      payloads: [
        {
          type: 'fragment',
          fragmentId: 1,
          fragmentNumber: 2,
          flags: FragmentFlag.LAST_FRAGMENT,
          data: h('a1a2a3a4a5'),
        },
      ],
    });
    assert.equal(message.header.exchangeType, ExchangeType.IDENTITY_PROTECTION);
    assert.equal(hex(encodeMessage(message)), hex(wire));
    // Header: next payload 132 (0x84) at offset 16, Length 28 + 13 = 41 (0x29) at offset 24.
    assert.equal(wire[16], 0x84);
    assert.equal(hex(wire.subarray(24, 28)), '00000029');
  });

  it('a first fragment without LAST_FRAGMENT, an empty fragment, a 16-bit fragment ID', () => {
    const first = withHeader('00 00 000a abcd 01 00 beef', { next: 132, exchange: 4 });
    const m = decodeMessage(first);
    assert.deepEqual(m.body.encrypted ? [] : m.body.payloads, [
      { type: 'fragment', fragmentId: 0xabcd, fragmentNumber: 1, flags: 0, data: h('beef') },
    ]);
    assert.equal(hex(encodeMessage(m)), hex(first));
    const empty = withHeader('00 00 0008 0001 03 01', { next: 132 });
    assert.equal(hex(encodeMessage(decodeMessage(empty))), hex(empty));
  });
});

describe('FRAGMENTATION Vendor ID', () => {
  it('as strongSwan sends it: MD5("FRAGMENTATION") followed by the capabilities 0x80000000', () => {
    const md5 = createHash('md5').update('FRAGMENTATION').digest('hex');
    assert.equal(hex(fragmentationVendorId()), `${md5}80000000`);
    assert.equal(hex(fragmentationVendorId()), '4048b7d56ebce88525e7de7f00d6c2d380000000');
    assert.equal(recognizeVendorId(fragmentationVendorId())?.name, 'FRAGMENTATION');
  });

  it('announces fragmentation: 16 bytes alone (Windows), or 20 with the 0x80000000 bit (Cisco: c0000000)', () => {
    const id = '4048b7d56ebce88525e7de7f00d6c2d3';
    assert.ok(announcesFragmentation(h(id)));
    assert.ok(announcesFragmentation(h(`${id}80000000`)));
    assert.ok(announcesFragmentation(h(`${id}c0000000`)));
    assert.ok(!announcesFragmentation(h(`${id}40000000`)), 'base ISAKMP fragments only');
    assert.ok(!announcesFragmentation(h(`${id}00000000`)));
    assert.ok(!announcesFragmentation(h(`${id}8000`)), 'other lengths');
    assert.ok(!announcesFragmentation(h(`${id}8000000000`)));
    assert.ok(!announcesFragmentation(h(`5048b7d56ebce88525e7de7f00d6c2d380000000`)));
    assert.ok(!announcesFragmentation(h('')));
  });
});
