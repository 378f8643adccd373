/** Address strings of ID and NAT-OA payloads: RFC 5952 output, tolerant input, exact bytes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatIpv4,
  formatIpv6,
  maskOfPrefixLength,
  parseIpv4,
  parseIpv6,
  prefixLengthOfMask,
} from '../../src/codec/address.js';
import { h } from './helpers.js';

describe('addresses', () => {
  it('formats IPv6 as RFC 5952 recommends', () => {
    assert.equal(formatIpv6(h('20010db8000000000000000000000001')), '2001:db8::1');
    assert.equal(formatIpv6(h('00000000000000000000000000000000')), '::');
    assert.equal(formatIpv6(h('20010db8000000010000000000000001')), '2001:db8:0:1::1');
    assert.equal(formatIpv6(h('20010db8000000010001000100010001')), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpv6(h('20010000000000010000000000000000')), '2001:0:0:1::');
  });

  it('parses the usual textual forms and rejects malformed ones', () => {
    assert.deepEqual(parseIpv6('2001:DB8::1'), h('20010db8000000000000000000000001'));
    assert.deepEqual(parseIpv6('::ffff:192.0.2.1'), h('00000000000000000000ffffc0000201'));
    assert.deepEqual(parseIpv6('1:2:3:4:5:6:7:8'), h('00010002000300040005000600070008'));
    for (const bad of [
      '',
      ':',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7::8',
      'g::',
      '::1.2.3',
    ]) {
      assert.equal(parseIpv6(bad), undefined, bad);
    }
    assert.deepEqual(parseIpv4('192.0.2.1'), h('c0000201'));
    for (const bad of ['', '1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4.5', ' 1.2.3.4'])
      assert.equal(parseIpv4(bad), undefined);
  });

  it('any 16 or 4 bytes survive format -> parse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) =>
        assert.deepEqual(parseIpv6(formatIpv6(b)), b),
      ),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) =>
        assert.deepEqual(parseIpv4(formatIpv4(b)), b),
      ),
    );
  });

  it('prefix lengths of contiguous masks only', () => {
    assert.equal(prefixLengthOfMask(h('ffffff00')), 24);
    assert.equal(prefixLengthOfMask(h('fffffffe')), 31);
    assert.equal(prefixLengthOfMask(h('00000000')), 0);
    assert.equal(prefixLengthOfMask(h('ff00ff00')), undefined);
    assert.equal(prefixLengthOfMask(h('fffffff7')), undefined);
    for (let p = 0; p <= 128; p++) assert.equal(prefixLengthOfMask(maskOfPrefixLength(p, 16)), p);
  });
});
