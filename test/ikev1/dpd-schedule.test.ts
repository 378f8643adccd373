/**
 * When DPD rounds start (src/ikev1/dpd.ts): only after `dpd_delay` of silence, spread by up to a
 * tenth of it so that SAs that came up together do not start their rounds together for ever, and
 * with a data plane, not while a CHILD SA receives traffic (as strongSwan reads the kernel's SA use
 * time before it sends an R-U-THERE).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType } from '../../src/codec/index.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { DPD_SPREAD, dpdSpread } from '../../src/ikev1/dpd.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { EndpointEvent, Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { SimulatedNetwork } from '../support/simulated-network.js';
import { makePair } from './peers.js';

/** An Informational datagram (no NAT here: no non-ESP marker), and its cookie pair. */
const informational = (t: Transmit) => t.data[18] === ExchangeType.INFORMATIONAL;
const cookiesOf = (t: Transmit) => Buffer.from(t.data.subarray(0, 16)).toString('hex');

const config = (local: string, remote: string, localId: string, remoteId: string, dpd: string) =>
  parseSwanctlConfig(`connections { gw { version = 1
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = aes128-sha256-x25519
    dpd_delay = ${dpd}
    local { auth = psk
      id = ${localId} }
    remote { auth = psk${remoteId ? `\n      id = ${remoteId}` : ''} }
    children { net { esp_proposals = aes128-sha256 } } } }
  secrets { ike { secret = dpd-schedule-secret-0123456789 } }`);

describe('DPD schedule', () => {
  it('the spread lies in [0, dpd_delay / 10) and covers it evenly', () => {
    const delay = 30_000;
    const buckets = new Array<number>(10).fill(0);
    const seeds = 20_000;
    for (let seed = 1; seed <= seeds; seed++) {
      // Small ids (1, 2, 3, ...) and 31-bit sequence numbers alike.
      for (const s of [seed, (seed * 2654435761) >>> 1]) {
        const spread = dpdSpread(s, delay);
        assert.ok(spread >= 0 && spread < delay * DPD_SPREAD, `seed ${s}: ${spread}`);
        buckets[Math.floor(spread / (delay * DPD_SPREAD * 0.1))]! += 1;
      }
    }
    for (const b of buckets) assert.ok(b > seeds * 2 * 0.09 && b < seeds * 2 * 0.11, `buckets ${buckets}`);
  });

  it('SAs that came up in the same millisecond start their rounds apart, each after dpd_delay of silence', () => {
    const PEERS = 20;
    const LATENCY = 5;
    const net = new SimulatedNetwork(
      { latency: LATENCY, loss: 0, duplication: 0, reorder: 0, reorderDelay: 0 },
      'dpd-spread',
    );
    // Only the responder runs DPD, so every Informational it sends is an R-U-THERE.
    const gw = new EndpointCore(
      { config: config('10.0.0.1', '%any', 'gw.test', '', '10s'), random: seededRandom('gw') },
      0,
    );
    net.attach('gw', gw, [
      { address: '10.0.0.1', port: 500 },
      { address: '10.0.0.1', port: 4500 },
    ]);
    for (let i = 0; i < PEERS; i++) {
      const address = `10.1.0.${i + 1}`;
      const ep = new EndpointCore(
        { config: config(address, '10.0.0.1', address, 'gw.test', '0s'), random: seededRandom(`p${i}`) },
        0,
      );
      net.attach(`p${i}`, ep, [
        { address, port: 500 },
        { address, port: 4500 },
      ]);
      ep.initiate(0, 'gw', 'net');
    }
    const sent = new Map<string, number[]>();
    net.tap = (from, t, at) => {
      if (from !== 'gw' || !informational(t)) return;
      const times = sent.get(cookiesOf(t)) ?? [];
      times.push(at);
      sent.set(cookiesOf(t), times);
    };
    net.run(1_000);
    assert.equal(gw.ikeSaList().filter((s) => s.state === 'established').length, PEERS);
    const upAt = gw.ikeSas.all().map((sa) => sa.lastActivity);
    assert.ok(Math.max(...upAt) - Math.min(...upAt) < 100, 'the SAs came up together');
    net.run(600_000);
    assert.equal(net.eventsOf('gw', 'ike-sa-down').length, 0);
    assert.equal(sent.size, PEERS);
    const perMs = new Map<number, number>();
    for (const times of sent.values()) {
      // About one round per 10.5 s for 10 minutes.
      assert.ok(times.length >= 50 && times.length <= 60, `${times.length} rounds`);
      for (const t of times) perMs.set(t, (perMs.get(t) ?? 0) + 1);
      for (let k = 1; k < times.length; k++) {
        // The previous round's ACK came 2 x LATENCY after its R-U-THERE: silence since then.
        const silence = times[k]! - (times[k - 1]! + 2 * LATENCY);
        assert.ok(silence >= 10_000 && silence < 11_000, `round ${k} after ${silence} ms of silence`);
      }
    }
    // The first round too starts within [10, 11) s of each SA's last message, and not all at once.
    const first = [...sent.values()].map((times) => times[0]!);
    assert.ok(Math.max(...first) - Math.min(...first) > 500, `first rounds at ${first}`);
    // Without the spread all 20 would go in the same millisecond, round after round.
    assert.ok(
      Math.max(...perMs.values()) <= 2,
      `at most 2 R-U-THEREs in one ms, not ${Math.max(...perMs.values())}`,
    );
  });
});

describe('DPD and the data plane: traffic is a sign of life', () => {
  const DPD = 'dpd_delay = 10s\n    dpd_timeout = 30s';

  /** a asks its data plane before each round; `traffic(now)` says when a child last received some. */
  function pairWithTraffic(traffic: (now: number) => number | undefined) {
    const pair = makePair({ connExtra: DPD, settings: { dpdTrafficCheck: 1000 } });
    const { a, b } = pair;
    // Only a runs DPD.
    b.reload(makePair({}).b.config);
    const checks: { at: number; event: Extract<EndpointEvent, { type: 'dpd-traffic-check' }> }[] = [];
    const poll = a.pollEvent.bind(a);
    a.pollEvent = () => {
      const e = poll();
      if (e?.type === 'dpd-traffic-check') {
        checks.push({ at: a.now, event: e });
        const at = traffic(a.now);
        if (at !== undefined) for (const id of e.children) a.childTraffic(a.now, id, at);
      }
      return e;
    };
    const ruThere: number[] = [];
    pair.net.tap = (from, t, at) => {
      if (from === 'a' && informational(t)) ruThere.push(at);
    };
    return { ...pair, checks, ruThere };
  }

  it('while a CHILD SA receives traffic no R-U-THERE goes; once it stops, one goes after dpd_delay', () => {
    let flowing = true;
    const { net, a, checks, ruThere } = pairWithTraffic((now) => (flowing ? now - 200 : undefined));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const child = a.childSaList()[0]!;
    net.run(300_000);
    assert.equal(ruThere.length, 0, 'no R-U-THERE while traffic flows');
    assert.ok(checks.length >= 25, `${checks.length} checks`);
    for (const c of checks) assert.deepEqual(c.event.children, [child.id]);
    for (let k = 1; k < checks.length; k++) {
      // Asked 1 s before the silence (from the traffic 200 ms before the last check) would end.
      const wait = checks[k]!.at - (checks[k - 1]!.at - 200);
      assert.ok(wait >= 9_000 && wait < 10_000, `check ${k} after ${wait} ms`);
    }
    flowing = false;
    const lastTraffic = checks[checks.length - 1]!.at - 200;
    net.run(net.now + 60_000);
    assert.ok(ruThere.length >= 1, 'R-U-THERE once the traffic stopped');
    const wait = ruThere[0]! - lastTraffic;
    assert.ok(wait >= 10_000 && wait < 11_000, `first R-U-THERE ${wait} ms after the traffic`);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.equal(net.eventsOf('a', 'ike-sa-down').length, 0);
  });

  it('traffic before the last sign of life, in the future, or of an unknown child changes nothing', () => {
    const { net, a, ruThere } = pairWithTraffic(() => undefined);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const sa = a.ikeSas.all()[0]!;
    const child = a.childSaList()[0]!;
    const last = sa.lastActivity;
    a.childTraffic(net.now, child.id, last - 1_000);
    assert.equal(sa.lastActivity, last);
    a.childTraffic(net.now, child.id + 100, net.now);
    assert.equal(sa.lastActivity, last);
    // A clock ahead of the engine's counts as now, not later.
    a.childTraffic(net.now, child.id, net.now + 60_000);
    assert.equal(sa.lastActivity, net.now);
    net.run(net.now + 60_000);
    assert.ok(ruThere.length >= 4, 'without traffic DPD runs its rounds');
  });

  it('without a data plane (dpdTrafficCheck = 0) the engine never asks', () => {
    const { net, a, b } = makePair({ connExtra: DPD });
    b.reload(makePair({}).b.config);
    let ruThere = 0;
    net.tap = (from, t) => {
      if (from === 'a' && informational(t)) ruThere++;
    };
    a.initiate(0, 'gw', 'net');
    net.run(120_000);
    assert.equal(net.eventsOf('a', 'dpd-traffic-check').length, 0);
    // A round every 10 to 11 s from about 1 s on.
    assert.ok(ruThere >= 10 && ruThere <= 12, `${ruThere} R-U-THEREs`);
  });
});
