import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyParams } from '../../src/dataplane/backend.js';
import { parseSelector } from '../../src/dataplane/esp/from-child.js';
import { packetFlow } from '../../src/dataplane/esp/ip.js';
import { PolicyTable } from '../../src/dataplane/userspace/policy-table.js';
import { udpPacket } from '../support/ip-packets.js';

// The userspace SPD: ordered by priority (lower first, equal priorities in install order), the
// first matching policy decides (RFC 4301 section 4.4.1); ports and protocols as selectors give them.

function policy(
  destination: string,
  priority: number,
  action: PolicyParams['action'],
  reqid = 0,
): PolicyParams {
  return {
    direction: 'out',
    source: parseSelector('10.1.0.0/16'),
    destination: parseSelector(destination),
    action,
    priority,
    template:
      action === 'protect'
        ? { reqid, protocol: 'esp', mode: 'tunnel', source: '192.0.2.1', destination: '192.0.2.2' }
        : undefined,
  };
}

test('lower priority value wins; equal priorities keep install order; one policy per direction and selectors', () => {
  const t = new PolicyTable();
  const flow = packetFlow(udpPacket('10.1.0.5', '10.2.3.4', Buffer.from('x'), [1000, 53]));
  assert.ok(flow);
  assert.equal(t.add(policy('10.2.0.0/16', 200, 'protect', 1)), undefined);
  assert.equal(t.lookup('out', flow)?.template?.reqid, 1);
  assert.equal(t.add(policy('10.2.3.0/24', 100, 'protect', 2)), undefined);
  assert.equal(t.lookup('out', flow)?.template?.reqid, 2);
  assert.equal(t.add(policy('10.2.3.4/32', 100, 'protect', 3)), undefined);
  assert.equal(t.lookup('out', flow)?.template?.reqid, 2, 'same priority: the older one first');
  // The same direction and selectors replace the policy, whatever the priority (XFRM's update).
  assert.equal(t.add(policy('10.2.3.4/32', 100, 'protect', 9))?.template?.reqid, 3, 'replaced');
  assert.equal(t.lookup('in', flow), undefined);
  assert.ok(t.remove(policy('10.2.3.0/24', 50, 'drop')), 'removal by direction and selectors');
  assert.equal(t.lookup('out', flow)?.template?.reqid, 9);
  assert.equal(t.remove(policy('10.2.3.0/24', 100, 'drop')), undefined);
  assert.equal(t.all().length, 2);
});

test('protocol and port selectors; ICMP type and code match as source and destination port (as XFRM)', () => {
  const t = new PolicyTable();
  t.add({ ...policy('10.2.0.0/16', 10, 'protect', 1), destination: parseSelector('10.2.0.0/16[17/53]') });
  const icmp = { ...policy('10.2.0.0/16', 20, 'protect', 2), source: parseSelector('10.1.0.0/16[1/8]') };
  t.add(icmp);
  const dns = packetFlow(udpPacket('10.1.0.5', '10.2.3.4', Buffer.from('q'), [1000, 53]));
  const other = packetFlow(udpPacket('10.1.0.5', '10.2.3.4', Buffer.from('q'), [1000, 54]));
  const echo = Buffer.from('450000200000000040010000' + '0a010005' + '0a020304' + '0800f7ff00000000', 'hex');
  const reply = Buffer.from(echo);
  reply[20] = 0;
  assert.ok(dns && other);
  assert.equal(t.lookup('out', dns)?.template?.reqid, 1);
  assert.equal(t.lookup('out', other), undefined);
  assert.equal(t.lookup('out', packetFlow(echo) ?? dns)?.template?.reqid, 2);
  assert.equal(t.lookup('out', packetFlow(reply) ?? dns), undefined);
});
