/**
 * The preferred source of a route into the TUN device (strongSwan's get_address_by_ts), without a
 * kernel: the host's addresses are given.
 */
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';
import type { Selector } from '../../src/dataplane/backend.js';
import { routeSource } from '../../src/dataplane/userspace/routing-linux.js';
import { addressNumber } from '../../src/spd/selector.js';

function range(from: string, to: string): Selector {
  const a = addressNumber(from);
  const b = addressNumber(to);
  assert.ok(a && b && a.family === b.family);
  return { family: a.family, start: a.value, end: b.value, protocol: 0, port: 0 };
}

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
