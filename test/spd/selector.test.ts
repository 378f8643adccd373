import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatSelector } from '../../src/ikev1/quick-mode/traffic-selectors.js';
import { coveringPrefix, formatSpdSelector, parseSelector, policyPriority } from '../../src/spd/index.js';

const v4 = (a: string) => parseSelector(a) ?? assert.fail(`cannot parse ${a}`);

describe('SPD selectors', () => {
  test('strongSwan notation: subnets, hosts, ranges, protocol and port', () => {
    assert.deepEqual(v4('10.1.0.0/16'), {
      family: 4,
      start: 0x0a010000n,
      end: 0x0a01ffffn,
      protocol: 0,
      port: 0,
    });
    assert.deepEqual(v4('10.0.0.1/32[6/443]'), {
      family: 4,
      start: 0x0a000001n,
      end: 0x0a000001n,
      protocol: 6,
      port: 443,
    });
    assert.deepEqual(v4('10.0.0.1..10.0.0.9[17]'), {
      family: 4,
      start: 0x0a000001n,
      end: 0x0a000009n,
      protocol: 17,
      port: 0,
    });
    assert.equal(v4('fd00::/64').family, 6);
    assert.equal(parseSelector('10.0.0.9..10.0.0.1'), undefined);
    assert.equal(parseSelector('10.0.0.0/33'), undefined);
    assert.equal(parseSelector('dynamic'), undefined);
  });

  test('the engine formats what the SPD reads back (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 0xffffffffn }),
        fc.bigInt({ min: 0n, max: 0xffffffffn }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 65535 }),
        (a, b, protocol, port) => {
          const [start, end] = a < b ? [a, b] : [b, a];
          const ts = { family: 4 as const, start, end, protocol, port };
          assert.deepEqual(parseSelector(formatSelector(ts)), ts);
          assert.deepEqual(parseSelector(formatSpdSelector(ts)), ts);
        },
      ),
    );
  });

  test('a range is covered by its smallest prefix (as strongSwan ts2subnet)', () => {
    assert.deepEqual(coveringPrefix(v4('10.0.0.1..10.0.0.9')), { address: '10.0.0.0', prefixLength: 28 });
    assert.deepEqual(coveringPrefix(v4('10.1.0.0/16')), { address: '10.1.0.0', prefixLength: 16 });
    assert.deepEqual(coveringPrefix(v4('0.0.0.0..255.255.255.255')), { address: '0.0.0.0', prefixLength: 0 });
    assert.deepEqual(coveringPrefix(v4('fd00::1..fd00::2')), { address: 'fd00::', prefixLength: 126 });
  });
});

describe('policy priorities (strongSwan kernel-netlink get_priority)', () => {
  test('installed, trap and bypass policies', () => {
    const a = v4('10.1.0.0/16');
    const b = v4('10.2.0.0/24');
    // 400000 - (16 + 24) * 512 - 1 (not a trap)
    assert.equal(policyPriority('default', a, b), 379519);
    // a trap policy with the same selectors loses to the installed one by exactly 1
    assert.equal(policyPriority('routed', a, b), 379520);
    // host to host, TCP port 443 on one side: 400000 - 64*512 - 256 - 16*4 - 1
    assert.equal(policyPriority('default', v4('10.0.0.1/32'), v4('10.0.0.2/32[6/443]')), 366911);
    assert.equal(policyPriority('pass', a, b), 179519);
    assert.equal(policyPriority('fallback', a, b), 579519);
  });
});
