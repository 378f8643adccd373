/**
 * The kernel backend's last use of an SA (src/dataplane/kernel/xfrm-usage.ts), and DPD fed with it
 * through a fake XFRM SA: the SA's use_time is its first use, so only XFRMA_LASTUSED (Linux 6.2+) or
 * counters compared between queries tell whether traffic still flows. With them a peer whose traffic
 * keeps flowing is not probed, and one whose traffic stopped is probed after dpd_delay; with the
 * use_time (what the backend reported before) DPD probed a peer in the middle of its traffic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType } from '../../src/codec/index.js';
import { SaUsage, type SaUsageSample } from '../../src/dataplane/kernel/xfrm-usage.js';
import type { Transmit } from '../../src/sa/types.js';
import { makePair } from '../ikev1/peers.js';

/** The kernel's real-time clock is this far ahead of the (simulated) daemon clock. */
const WALL = 1_700_000_000_000;

describe('SaUsage: the last use of an XFRM SA', () => {
  const sample = (packets: bigint, bytes = packets * 100n, lastUsed?: bigint): SaUsageSample => ({
    packets,
    bytes,
    lastUsed,
  });

  it('without XFRMA_LASTUSED: the time of the query that first saw the counters at their values', () => {
    let now = 1_000;
    const usage = new SaUsage(
      () => now,
      () => WALL + now,
    );
    assert.equal(usage.lastUsedAt('sa', sample(0n)), undefined, 'never used');
    now = 2_000;
    assert.equal(usage.lastUsedAt('sa', sample(0n)), undefined);
    now = 3_000;
    assert.equal(usage.lastUsedAt('sa', sample(5n)), 3_000, 'grew since the last query');
    now = 9_000;
    assert.equal(usage.lastUsedAt('sa', sample(5n)), 3_000, 'the same counters: no traffic since 3 s');
    now = 10_000;
    assert.equal(usage.lastUsedAt('sa', sample(5n, 999n)), 10_000, 'the bytes alone moved');
    // Another SA has counters of its own; one first seen with packets was used since it was installed.
    assert.equal(usage.lastUsedAt('other', sample(1n)), 10_000);
    now = 11_000;
    usage.forget('sa');
    assert.equal(usage.lastUsedAt('sa', sample(0n)), undefined, 'a new SA under the same key');
  });

  it("with the counters changed, the inbound policies' use time narrows the last use down", () => {
    let now = 10_000;
    const usage = new SaUsage(
      () => now,
      () => WALL + now,
    );
    const second = (t: number) => BigInt(Math.floor((WALL + t) / 1000));
    let asked = 0;
    const policy = (t: number | undefined) => () => {
      asked++;
      return t === undefined ? undefined : second(t);
    };
    assert.equal(usage.lastUsedAt('sa', sample(0n), policy(9_000)), undefined, 'no packet: not asked');
    assert.equal(asked, 0);
    now = 20_000;
    // Stamped at 12.3 s: the end of that second, 12.999 s.
    assert.equal(usage.lastUsedAt('sa', sample(10n), policy(12_300)), 12_999);
    now = 30_000;
    assert.equal(usage.lastUsedAt('sa', sample(10n), policy(29_000)), 12_999, 'counters unchanged');
    assert.equal(asked, 1, 'not asked when the counters did not change');
    // A stamp from before the previous query (20 s) does not describe this traffic: the query's time.
    assert.equal(usage.lastUsedAt('sa', sample(11n), policy(15_000)), 30_000);
    now = 40_000;
    assert.equal(usage.lastUsedAt('sa', sample(12n), policy(undefined)), 40_000, 'no policy answered');
    now = 50_000;
    assert.equal(
      usage.lastUsedAt('sa', sample(13n), () => 0n),
      50_000,
      'a policy never used (replaced)',
    );
    now = 60_000;
    // A stamp in the current second (a forged plaintext packet, say) gives at most the query's time.
    assert.equal(usage.lastUsedAt('sa', sample(14n), policy(60_000)), 60_000);
  });

  it('an SA installed again (updateSa) keeps its last use; counters from zero are new traffic', () => {
    let now = 1_000;
    const usage = new SaUsage(
      () => now,
      () => WALL + now,
    );
    assert.equal(usage.lastUsedAt('sa', sample(40n)), 1_000);
    now = 5_000;
    usage.restarted('sa', usage.keep('sa'));
    assert.equal(usage.lastUsedAt('sa', sample(0n)), 1_000);
    now = 6_000;
    assert.equal(usage.lastUsedAt('sa', sample(2n)), 6_000);
  });

  it('XFRMA_LASTUSED (seconds, real-time clock) is the last use, moved onto the daemon clock', () => {
    const now = 50_000;
    const usage = new SaUsage(
      () => now,
      () => WALL + now,
    );
    const lastUsed = BigInt((WALL + 47_000) / 1000);
    assert.equal(usage.lastUsedAt('sa', sample(9n, 900n, lastUsed)), 47_000);
    // 0 is "never" (the kernel leaves the attribute out then, but 0 must not read as 1970).
    assert.equal(usage.lastUsedAt('sb', sample(0n, 0n, 0n)), undefined);
  });
});

/** An Informational datagram from a (no NAT: no non-ESP marker): with DPD on a only, an R-U-THERE. */
const informational = (t: Transmit) => t.data[18] === ExchangeType.INFORMATIONAL;

/**
 * A fake inbound XFRM SA: a packet every 100 ms from `from` until `stop()`, counted as the kernel
 * counts (bytes, packets, use_time at the first packet only; XFRMA_LASTUSED only if `lastUsed`),
 * and its inbound policy, stamped by each packet and, if `forged`, by plaintext packets that match
 * its selectors every moment, before and after the traffic stops.
 */
class FakeInboundSa {
  #stopAt = Number.POSITIVE_INFINITY;
  constructor(
    readonly from: number,
    readonly lastUsed: boolean,
    readonly forged = false,
  ) {}
  policyUse(now: number): bigint | undefined {
    const last = this.forged ? now : this.lastPacket(now);
    return last === undefined ? undefined : BigInt(Math.floor((WALL + last) / 1000));
  }
  stop(at: number): void {
    this.#stopAt = at;
  }
  /** The time of the last packet by `now`, undefined before the first. */
  lastPacket(now: number): number | undefined {
    const end = Math.min(now, this.#stopAt);
    return end < this.from ? undefined : this.from + Math.floor((end - this.from) / 100) * 100;
  }
  sample(now: number): SaUsageSample & { useTime: bigint } {
    const last = this.lastPacket(now);
    const packets = last === undefined ? 0n : BigInt((last - this.from) / 100 + 1);
    const seconds = (t: number | undefined) => (t === undefined ? 0n : BigInt(Math.floor((WALL + t) / 1000)));
    return {
      packets,
      bytes: packets * 84n,
      lastUsed: this.lastUsed && last !== undefined ? seconds(last) : undefined,
      useTime: last === undefined ? 0n : seconds(this.from),
    };
  }
}

type Clock = 'counters' | 'policy' | 'forged' | 'lastused' | 'use_time';

/**
 * a runs DPD (dpd_delay 10 s) with a data plane whose child's inbound SA is `sa`; it answers each
 * traffic check as the daemon does, with the last use the kernel backend derives by `clock`.
 */
function dpdOver(sa: (upAt: number) => FakeInboundSa, clock: Clock) {
  const pair = makePair({
    connExtra: 'dpd_delay = 10s\n    dpd_timeout = 30s',
    settings: { dpdTrafficCheck: 1000 },
  });
  const { a, b, net } = pair;
  b.reload(makePair({}).b.config); // only a runs DPD
  const usage = new SaUsage(
    () => a.now,
    () => WALL + a.now,
  );
  let inbound: FakeInboundSa | undefined;
  let checks = 0;
  const poll = a.pollEvent.bind(a);
  a.pollEvent = () => {
    const e = poll();
    if (e?.type === 'child-sa-up' && inbound === undefined) inbound = sa(a.now);
    if (e?.type === 'dpd-traffic-check' && inbound !== undefined) {
      checks++;
      const s = inbound.sample(a.now);
      const at =
        clock === 'use_time'
          ? s.useTime === 0n
            ? undefined
            : a.now - (WALL + a.now - Number(s.useTime) * 1000)
          : usage.lastUsedAt(
              'in',
              clock === 'lastused' ? s : { ...s, lastUsed: undefined },
              clock === 'policy' || clock === 'forged' ? () => inbound?.policyUse(a.now) : undefined,
            );
      if (at !== undefined) for (const id of e.children) a.childTraffic(a.now, id, at);
    }
    return e;
  };
  const ruThere: number[] = [];
  net.tap = (from, t, at) => {
    if (from === 'a' && informational(t)) ruThere.push(at);
  };
  a.initiate(0, 'gw', 'net');
  net.run(5_000);
  const fake = inbound ?? assert.fail('the child did not come up');
  return { net, a, fake, ruThere, checks: () => checks };
}

describe('DPD over the kernel backend: traffic that keeps flowing is a sign of life', () => {
  // forged: plaintext packets keep stamping the policy after the authenticated traffic stopped.
  for (const clock of ['counters', 'policy', 'forged', 'lastused'] as const) {
    it(`${clock}: no R-U-THERE during 5 minutes of traffic; after it stops, one after dpd_delay`, (t) => {
      const { net, a, fake, ruThere, checks } = dpdOver(
        (up) => new FakeInboundSa(up + 500, clock === 'lastused', clock === 'forged'),
        clock,
      );
      net.run(300_000);
      assert.equal(ruThere.length, 0, `R-U-THERE at ${ruThere} while traffic flowed`);
      assert.ok(checks() >= 25, `${checks()} traffic checks`);
      fake.stop(net.now);
      const last = fake.lastPacket(net.now) ?? assert.fail('no traffic');
      net.run(net.now + 60_000);
      assert.ok(ruThere.length >= 1, 'an R-U-THERE once the traffic stopped');
      const wait = ruThere[0]! - last;
      t.diagnostic(`first R-U-THERE ${wait} ms after the last packet`);
      // The counters alone are compared once a round: silence is seen up to a round (dpd_delay plus
      // its spread, 11 s) late, and forged stamps on the policy do no worse. The policy's stamp is
      // rounded up to its second's end (up to 1 s late), XFRMA_LASTUSED down (up to 1 s early).
      const bounds: Record<typeof clock, [number, number]> = {
        counters: [10_000, 22_000],
        forged: [10_000, 22_000],
        policy: [10_000, 12_000],
        lastused: [9_000, 11_000],
      };
      const [min, max] = bounds[clock];
      assert.ok(wait >= min && wait < max, `first R-U-THERE ${wait} ms after the last packet`);
      assert.equal(a.ikeSaList()[0]?.state, 'established');
    });
  }

  it("the SA's use_time (its first use, what the backend reported before) lets DPD probe in the middle of traffic", () => {
    const { net, fake, ruThere } = dpdOver((up) => new FakeInboundSa(up + 500, false), 'use_time');
    net.run(60_000);
    assert.ok(ruThere.length >= 1, 'an R-U-THERE while traffic flowed');
    const first = ruThere[0]!;
    assert.ok((fake.lastPacket(first) ?? 0) > first - 200, 'the traffic was still flowing then');
  });
});
