import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { childPolicies, parseSelector, SecurityPolicyDatabase } from '../../src/spd/index.js';

const sel = (t: string) => parseSelector(t) ?? assert.fail(t);
const spec = {
  reqid: 7,
  protocol: 'esp' as const,
  mode: 'tunnel' as const,
  localAddress: '192.0.2.1',
  remoteAddress: '198.51.100.2',
  localTs: sel('10.1.0.0/16'),
  remoteTs: sel('10.2.0.0/16'),
};

describe('child policies (RFC 4301 section 4.4.1)', () => {
  test('tunnel mode: out, in and fwd with the tunnel endpoints in the template', () => {
    const [out, inbound, fwd, ...rest] = childPolicies({ ...spec, action: 'protect' });
    assert.equal(rest.length, 0);
    assert.deepEqual([out?.direction, inbound?.direction, fwd?.direction], ['out', 'in', 'fwd']);
    assert.deepEqual(out?.source, spec.localTs);
    assert.deepEqual(out?.destination, spec.remoteTs);
    assert.deepEqual(out?.template, {
      reqid: 7,
      protocol: 'esp',
      mode: 'tunnel',
      source: '192.0.2.1',
      destination: '198.51.100.2',
    });
    assert.deepEqual(inbound?.template?.source, '198.51.100.2');
    assert.deepEqual(fwd?.source, spec.remoteTs);
  });

  test('transport mode has no forward policy', () => {
    assert.deepEqual(
      childPolicies({ ...spec, mode: 'transport', action: 'protect' }).map((p) => p.direction),
      ['out', 'in'],
    );
  });
});

describe('SecurityPolicyDatabase', () => {
  test('a trap policy yields to the SA it brought up and comes back when the SA goes', () => {
    const spd = new SecurityPolicyDatabase();
    const trap = childPolicies({ ...spec, action: 'trap' });
    const installed = childPolicies({ ...spec, action: 'protect' });
    const first = trap.flatMap((p) => spd.add('trap:gw/net', p));
    assert.deepEqual(
      first.map((o) => [o.op, o.policy.action]),
      [
        ['install', 'trap'],
        ['install', 'trap'],
        ['install', 'trap'],
      ],
    );
    const up = installed.flatMap((p) => spd.add('sa:1', p));
    assert.deepEqual(
      up.map((o) => [o.op, o.policy.action]),
      [
        ['install', 'protect'],
        ['install', 'protect'],
        ['install', 'protect'],
      ],
    );
    assert.equal(spd.size, 3);
    // A rekeyed SA with the same selectors and reqid changes nothing in the backend.
    assert.deepEqual(
      installed.flatMap((p) => spd.add('sa:2', p)),
      [],
    );
    assert.deepEqual(
      installed.flatMap((p) => spd.remove('sa:1', p)),
      [],
    );
    const down = installed.flatMap((p) => spd.remove('sa:2', p));
    assert.deepEqual(
      down.map((o) => [o.op, o.policy.action]),
      [
        ['install', 'trap'],
        ['install', 'trap'],
        ['install', 'trap'],
      ],
    );
    const gone = trap.flatMap((p) => spd.remove('trap:gw/net', p));
    assert.deepEqual(
      gone.map((o) => o.op),
      ['remove', 'remove', 'remove'],
    );
    assert.equal(spd.size, 0);
    assert.deepEqual(spd.remove('trap:gw/net', trap[0] ?? assert.fail()), []);
  });
});
