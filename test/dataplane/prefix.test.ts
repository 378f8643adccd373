/**
 * Selectors as route prefixes (smallest covering prefix, as strongSwan's to_subnet) and the route's
 * preferred source (strongSwan's get_address_by_ts), without a kernel.
 */
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Selector } from '../../src/dataplane/backend.js';
import { coveringPrefix, parseAddress, prefixText, selectorIncludes } from '../../src/dataplane/prefix.js';
import { routeSource } from '../../src/dataplane/userspace/routing-linux.js';

function range(from: string, to: string): Selector {
  const a = parseAddress(from);
  const b = parseAddress(to);
  assert.ok(a && b && a.family === b.family);
  return { family: a.family, start: a.value, end: b.value, protocol: 0, port: 0 };
}

test('a selector is routed as the smallest prefix that contains it', () => {
  const cases: [string, string, string][] = [
    ['10.0.0.1', '10.0.0.1', '10.0.0.1/32'],
    ['10.0.0.0', '10.0.0.255', '10.0.0.0/24'],
    ['10.0.0.1', '10.0.0.6', '10.0.0.0/29'],
    ['10.0.0.255', '10.0.1.0', '10.0.0.0/23'],
    ['0.0.0.0', '255.255.255.255', '0.0.0.0/0'],
    ['192.168.1.64', '192.168.1.127', '192.168.1.64/26'],
    ['fd00::', 'fd00::ffff:ffff:ffff:ffff', 'fd00::/64'],
    ['fd00::1', 'fd00::1', 'fd00::1/128'],
    ['::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::/0'],
    ['2001:db8::8', '2001:db8::10', '2001:db8::/123'],
  ];
  for (const [from, to, expected] of cases)
    assert.equal(prefixText(coveringPrefix(range(from, to))), expected, `${from}-${to}`);
});

test('the covering prefix contains the range, and one bit longer would not (property)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
      fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
      (x, y) => {
        const [start, end] = x <= y ? [x, y] : [y, x];
        const prefix = coveringPrefix({ family: 4, start, end });
        const network = parseAddress(prefix.address)?.value ?? -1n;
        const size = 1n << BigInt(32 - prefix.length);
        assert.ok(network <= start && end < network + size, 'contains the range');
        assert.equal(network % size, 0n, 'aligned');
        if (prefix.length < 32) {
          // One bit longer would split the range: its ends fall in different halves.
          const half = size / 2n;
          assert.notEqual(start / half, end / half);
        }
      },
    ),
  );
});

test('selectorIncludes compares the family and the range', () => {
  const sel = range('10.1.0.0', '10.1.0.255');
  assert.equal(selectorIncludes(sel, '10.1.0.7'), true);
  assert.equal(selectorIncludes(sel, '10.1.1.0'), false);
  assert.equal(selectorIncludes(sel, '::ffff:10.1.0.7'), false);
  assert.equal(selectorIncludes(sel, 'not an address'), false);
});

function nic(address: string, internal = false): NetworkInterfaceInfo {
  const v4 = address.includes('.');
  return {
    address,
    netmask: v4 ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::',
    family: v4 ? 'IPv4' : 'IPv6',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: null,
    ...(v4 ? {} : { scopeid: 0 }),
  } as NetworkInterfaceInfo;
}

test("a route's preferred source: the local address inside the local selector, as strongSwan picks it", () => {
  const interfaces = {
    lo: [nic('127.0.0.1', true), nic('::1', true), nic('10.9.0.1', true)],
    eth0: [nic('192.0.2.10'), nic('10.1.0.1'), nic('2001:db8:1::1'), nic('fe80::1')],
  };
  // The local subnet's address on an interface.
  assert.equal(routeSource(range('10.1.0.0', '10.1.0.255'), [], interfaces), '10.1.0.1');
  assert.equal(routeSource(range('2001:db8:1::', '2001:db8:1::ffff'), [], interfaces), '2001:db8:1::1');
  // An address on the loopback device counts too (after the other interfaces).
  assert.equal(routeSource(range('10.9.0.0', '10.9.0.255'), [], interfaces), '10.9.0.1');
  assert.equal(routeSource(range('10.0.0.0', '10.255.255.255'), [], interfaces), '10.1.0.1');
  // A virtual IP in the selector wins over the interfaces' addresses.
  assert.equal(routeSource(range('10.0.0.0', '10.255.255.255'), ['10.200.0.5'], interfaces), '10.200.0.5');
  // A selector containing the loopback address (0.0.0.0/0, ::/0): no src, the kernel chooses.
  assert.equal(routeSource(range('0.0.0.0', '255.255.255.255'), [], interfaces), undefined);
  assert.equal(
    routeSource(range('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), [], interfaces),
    undefined,
  );
  // No local address inside: none (strongSwan fails the route; the caller decides).
  assert.equal(routeSource(range('172.16.0.0', '172.16.255.255'), [], interfaces), undefined);
});
