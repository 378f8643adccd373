import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { DataplaneLink } from '../../src/daemon/dataplane-link.js';
import { SecurityAssociationDatabase } from '../../src/sad/index.js';
import { childSa } from '../sad/sa-fixtures.js';
import { RecordingBackend } from '../support/recording-backend.js';

const CONFIG = parseSwanctlConfig(`
connections {
  gw {
    version = 1
    local_addrs = 10.231.0.1
    remote_addrs = 10.231.0.2
    local { auth = psk }
    remote { auth = psk }
    children {
      net {
        local_ts = 10.1.0.0/16
        remote_ts = 10.2.0.0/16
        start_action = trap
        rekey_bytes = 1m
        life_bytes = 2m
        life_packets = 5000
        replay_window = 64
      }
    }
  }
}
secrets { ike-1 { secret = test } }
`);

function setup() {
  const backend = new RecordingBackend();
  const sad = new SecurityAssociationDatabase();
  const calls = {
    initiated: [] as string[],
    limits: [] as [number, boolean][],
    failed: [] as number[],
    logs: [] as string[],
  };
  let now = 1000;
  const timers: { at: number; task: () => void }[] = [];
  const link = new DataplaneLink(backend, {
    later: (ms, task) => {
      const timer = { at: now + ms, task };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
    config: () => CONFIG,
    initiate: (c, ch) => {
      calls.initiated.push(`${c}/${ch}`);
      return undefined;
    },
    childLimitReached: (id, hard) => calls.limits.push([id, hard]),
    installFailed: (id) => calls.failed.push(id),
    log: (_l, m) => calls.logs.push(m),
    now: () => now,
  });
  link.attach(sad);
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.task();
    }
  };
  return { backend, sad, link, calls, advance, timers };
}

const net = (id: number, spiIn: string, spiOut: string) =>
  childSa({ id, spiIn, spiOut, localTs: ['10.1.0.0/16'], remoteTs: ['10.2.0.0/16'] });

describe('DataplaneLink: SAD and SPD into a backend', () => {
  test('a child becomes an inbound and an outbound SA with its keys, limits and policies', async () => {
    const { backend, sad, link } = setup();
    sad.apply({ type: 'child-sa-up', sa: net(3, '461f5061', 'b4fd716f'), rekeyOf: undefined });
    await link.settled();
    const [inbound, outbound] = [...backend.sas.values()];
    assert.equal(inbound?.direction, 'in');
    assert.equal(inbound?.spi, 0x461f5061);
    assert.equal(inbound?.source, '10.231.0.2');
    assert.equal(inbound?.destination, '10.231.0.1');
    assert.deepEqual(inbound?.encapsulation, { sourcePort: 4500, destinationPort: 4500 });
    assert.equal(inbound?.encryption?.key.toString('hex'), 'e4e2dddcf1560110234f7f7c85ceca83');
    assert.equal(inbound?.integrity?.name, 'sha256');
    assert.equal(inbound?.replayWindow, 64);
    assert.deepEqual(inbound?.limits, {
      softBytes: 1048576n,
      hardBytes: 2097152n,
      softPackets: 0n,
      hardPackets: 5000n,
    });
    assert.equal(outbound?.spi, 0xb4fd716f);
    assert.equal(outbound?.encryption?.key.toString('hex'), '934e6417829c0293342e332666e1ceee');
    assert.equal(outbound?.replayWindow, 0);
    assert.equal(inbound?.reqid, outbound?.reqid);
    const pols = link.spd.installed();
    assert.deepEqual(
      pols.map((p) => [p.policy.direction, p.policy.action, p.policy.template?.reqid]),
      [
        ['fwd', 'protect', inbound?.reqid],
        ['in', 'protect', inbound?.reqid],
        ['out', 'protect', inbound?.reqid],
      ],
    );
    assert.equal(backend.policies.size, 3);
  });

  test('a rekeying keeps the reqid and policies; deleting the last SA removes everything', async () => {
    const { backend, sad, link, advance } = setup();
    sad.apply({ type: 'child-sa-up', sa: net(3, '461f5061', 'b4fd716f'), rekeyOf: undefined });
    sad.apply({ type: 'child-sa-up', sa: net(4, '00000a01', '00000b01'), rekeyOf: 3 });
    await link.settled();
    assert.equal(backend.sas.size, 4);
    const reqids = new Set([...backend.sas.values()].map((s) => s.reqid));
    assert.equal(reqids.size, 1);
    const policyCalls = backend.calls.filter((c) => c.op === 'addPolicy').length;
    assert.equal(policyCalls, 3);
    sad.apply({ type: 'child-sa-down', sa: net(3, '461f5061', 'b4fd716f'), reason: 'rekeyed' });
    await link.settled();
    // The old outbound SA goes at once; the old inbound SA takes what the peer sent before it
    // switched, for 5 s.
    const spis = () => [...backend.sas.values()].map((s) => s.spi.toString(16)).sort();
    assert.deepEqual(spis(), ['461f5061', 'a01', 'b01']);
    advance(4999);
    await link.settled();
    assert.equal(backend.sas.size, 3);
    advance(1);
    await link.settled();
    assert.deepEqual(spis(), ['a01', 'b01']);
    assert.equal(backend.policies.size, 3);
    sad.apply({ type: 'child-sa-down', sa: net(4, '00000a01', '00000b01'), reason: 'remote' });
    await link.settled();
    assert.equal(backend.sas.size, 0);
    assert.equal(backend.policies.size, 0);
  });

  test('close() removes a rekeyed inbound SA still waiting, and cancels its timer', async () => {
    const { backend, sad, link, timers } = setup();
    sad.apply({ type: 'child-sa-up', sa: net(3, '461f5061', 'b4fd716f'), rekeyOf: undefined });
    sad.apply({ type: 'child-sa-up', sa: net(4, '00000a01', '00000b01'), rekeyOf: 3 });
    sad.apply({ type: 'child-sa-down', sa: net(3, '461f5061', 'b4fd716f'), reason: 'rekeyed' });
    await link.settled();
    assert.equal(timers.length, 1);
    await link.close();
    assert.equal(timers.length, 0);
    assert.ok(
      backend.calls.some((c) => c.op === 'deleteSa' && c.id.spi === 0x461f5061),
      'the old inbound SA was deleted before the backend closed',
    );
    assert.equal(backend.sas.size, 0);
  });

  test('start_action = trap: trap policies, one Quick Mode per ACQUIRE burst, the SA takes over and gives back', async () => {
    const { backend, sad, link, calls, advance } = setup();
    link.syncTraps();
    await link.settled();
    assert.deepEqual(
      [...backend.policies.values()].map((p) => [p.direction, p.action]),
      [
        ['out', 'trap'],
        ['in', 'trap'],
        ['fwd', 'trap'],
      ],
    );
    const reqid = [...backend.policies.values()][0]?.template?.reqid ?? assert.fail();
    backend.events.emit('acquire', { reqid, source: '10.1.0.5', destination: '10.2.0.9' });
    backend.events.emit('acquire', { reqid, source: '10.1.0.5', destination: '10.2.0.9' });
    backend.events.emit('acquire', { reqid: reqid + 100, source: '10.1.0.5', destination: '10.2.0.9' });
    assert.deepEqual(calls.initiated, ['gw/net']);
    advance(31_000);
    backend.events.emit('acquire', { reqid, source: '10.1.0.5', destination: '10.2.0.9' });
    assert.deepEqual(calls.initiated, ['gw/net', 'gw/net']);
    sad.apply({ type: 'child-sa-up', sa: net(3, '461f5061', 'b4fd716f'), rekeyOf: undefined });
    await link.settled();
    assert.equal([...backend.sas.values()][0]?.reqid, reqid, 'the SA has the trap policy reqid');
    assert.deepEqual(
      [...backend.policies.values()].map((p) => p.action),
      ['protect', 'protect', 'protect'],
    );
    backend.events.emit('acquire', { reqid, source: '10.1.0.5', destination: '10.2.0.9' });
    assert.equal(calls.initiated.length, 2, 'no acquire while the SA is up');
    sad.apply({ type: 'child-sa-down', sa: net(3, '461f5061', 'b4fd716f'), reason: 'expired' });
    await link.settled();
    assert.deepEqual(
      [...backend.policies.values()].map((p) => p.action),
      ['trap', 'trap', 'trap'],
    );
    await link.close();
    assert.equal(backend.policies.size, 0);
    assert.equal(backend.closed, true);
  });

  test('soft and hard limits of either SA reach the engine; a NAT mapping moves the outbound SA', async () => {
    const { backend, sad, link, calls } = setup();
    sad.apply({ type: 'child-sa-up', sa: net(3, '461f5061', 'b4fd716f'), rekeyOf: undefined });
    await link.settled();
    backend.events.emit('expire', {
      spi: 0x461f5061,
      protocol: 'esp',
      destination: '10.231.0.1',
      hard: false,
    });
    backend.events.emit('expire', {
      spi: 0xb4fd716f,
      protocol: 'esp',
      destination: '10.231.0.2',
      hard: true,
    });
    backend.events.emit('expire', { spi: 0x1234, protocol: 'esp', destination: '10.231.0.2', hard: true });
    assert.deepEqual(calls.limits, [
      [3, false],
      [3, true],
    ]);
    backend.events.emit('mapping', {
      spi: 0x461f5061,
      protocol: 'esp',
      destination: '10.231.0.1',
      address: '10.231.0.2',
      port: 40001,
    });
    await link.settled();
    const out = [...backend.sas.values()].find((s) => s.direction === 'out');
    assert.deepEqual(out?.encapsulation, { sourcePort: 4500, destinationPort: 40001 });
    assert.deepEqual(await link.counters(3), {
      in: { bytes: 100n, packets: 2n, lastUsedAt: 5, dropped: 0n },
      out: { bytes: 100n, packets: 2n, lastUsedAt: 5, dropped: 0n },
    });
  });

  test('an SA the backend refuses is reported, so the daemon deletes the child', async () => {
    const { backend, sad, link, calls } = setup();
    backend.failNextAdd = true;
    sad.apply({ type: 'child-sa-up', sa: net(3, '461f5061', 'b4fd716f'), rekeyOf: undefined });
    await link.settled();
    assert.deepEqual(calls.failed, [3]);
    assert.ok(calls.logs.some((l) => l.includes('cannot install CHILD SA #3')));
  });
});
