/**
 * Issue 10 item C on the simulated network: spoofed Main Mode messages 1 from random addresses at
 * 1,000, 5,000 and 20,000 a second for 10 virtual seconds, while a legitimate initiator starts Main
 * Mode in the middle of it. The responder answers message 1 without state (main-mode-offers.ts), so
 * the legitimate peer completes phase 1 and Quick Mode within 2 virtual seconds, and what the
 * responder holds stays within its configured bounds (records and bytes, half-open SAs, timers).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { DEFAULT_SETTINGS } from '../../src/ikev1/context.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import { SimulatedNetwork } from '../support/simulated-network.js';
import { DropSpoofedAnswers, SpoofedFlood } from '../support/spoofed-flood.js';

const config = (local: string, remote: string) =>
  parseSwanctlConfig(`connections { gw { version = 1
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = aes128-sha256-x25519
    local { auth = psk }
    remote { auth = psk }
    children { net { esp_proposals = aes128-sha256 } } } }
  secrets { ike { secret = spoofed-flood-secret-0123456789 } }`);

const GATEWAY = { address: '10.0.0.1', port: 500 };
const FLOOD_MS = 10_000;
/** The legitimate initiator starts when the flood has filled the responder's bounds (at 20,000/s). */
const LEGIT_AT = 5_000;

function floodRun(rate: number) {
  const net = new SimulatedNetwork(undefined, `flood-${rate}`);
  const responder = new EndpointCore({ config: config('10.0.0.1', '%any'), random: seededRandom('gw') }, 0);
  const gateway = new DropSpoofedAnswers(responder);
  net.attach('gw', gateway, [GATEWAY, { address: '10.0.0.1', port: 4500 }]);
  const legit = new EndpointCore(
    { config: config('10.1.0.1', '10.0.0.1'), random: seededRandom('legit') },
    0,
  );
  net.attach('legit', legit, [
    { address: '10.1.0.1', port: 500 },
    { address: '10.1.0.1', port: 4500 },
  ]);
  // The flood replays a real initiator's message 1 (another cookie each time).
  const template = new EndpointCore(
    { config: config('10.1.0.9', '10.0.0.1'), random: seededRandom('template') },
    0,
  );
  template.initiate(0, 'gw', 'net');
  const first = template.pollTransmit();
  assert.ok(first !== undefined);
  const flood = new SpoofedFlood(first.data, GATEWAY, rate, 0, FLOOD_MS, rate);
  net.attach('flood', flood, [SpoofedFlood.HOME]);

  const peak = { offers: 0, bytes: 0, halfOpen: 0, timers: 0 };
  const sample = () => {
    peak.offers = Math.max(peak.offers, responder.mainModeOffers.size);
    peak.bytes = Math.max(peak.bytes, responder.mainModeOffers.bytes);
    peak.halfOpen = Math.max(peak.halfOpen, responder.ikeSas.halfOpen());
    peak.timers = Math.max(peak.timers, responder.timers.size);
  };
  const heapBefore = process.memoryUsage().heapUsed;
  for (let t = 100; t <= LEGIT_AT; t += 100) {
    net.run(t);
    sample();
  }
  legit.initiate(net.now, 'gw', 'net');
  const started = net.now;
  for (let t = LEGIT_AT + 100; t <= FLOOD_MS + 1000; t += 100) {
    net.run(t);
    sample();
  }
  const heapAfter = process.memoryUsage().heapUsed;
  const at = (type: 'ike-sa-up' | 'child-sa-up') => {
    const events = net.events.get('legit') ?? [];
    // Events carry no time: find it from the SA info.
    const e = events.find((x) => x.type === type);
    if (e === undefined) return undefined;
    return e.type === 'ike-sa-up'
      ? e.sa.establishedAt
      : e.type === 'child-sa-up'
        ? e.sa.installedAt
        : undefined;
  };
  return {
    net,
    responder,
    legit,
    flood,
    gateway,
    peak,
    phase1: (at('ike-sa-up') ?? Number.POSITIVE_INFINITY) - started,
    quickMode: (at('child-sa-up') ?? Number.POSITIVE_INFINITY) - started,
    heapGrowth: heapAfter - heapBefore,
  };
}

describe('IKEv1 engine under a spoofed Main Mode message 1 flood (issue 10 C)', () => {
  for (const rate of [1_000, 5_000, 20_000]) {
    it(`${rate.toLocaleString('en')}/s from random addresses for 10 s: a legitimate peer is up in under 2 s, state bounded`, (t) => {
      const r = floodRun(rate);
      const logs = r.net.logsOf('gw').slice(-20).join('\n');
      assert.equal(r.flood.sent, (rate * FLOOD_MS) / 1000);
      assert.ok(r.gateway.dropped >= r.flood.sent * 0.99, `${r.gateway.dropped} answers to spoofed sources`);
      assert.ok(r.phase1 < 2000, `phase 1 took ${r.phase1} ms\n${logs}`);
      assert.ok(r.quickMode < 2000, `Quick Mode done after ${r.quickMode} ms\n${logs}`);
      const s = DEFAULT_SETTINGS;
      assert.ok(r.peak.offers <= s.maxMainModeOffers, `${r.peak.offers} offer records`);
      assert.ok(r.peak.bytes <= s.maxMainModeOfferBytes, `${r.peak.bytes} bytes of offer records`);
      // No SA and no timer for a spoofed message: only the legitimate peer's.
      assert.ok(r.peak.halfOpen <= 1, `${r.peak.halfOpen} half-open SAs`);
      assert.ok(r.peak.timers <= 1, `${r.peak.timers} timer queue entries`);
      assert.equal(r.responder.ikeSaList().length, 1);
      assert.equal(r.responder.childSaList().length, 1);
      if (rate === 20_000) assert.ok(r.responder.mainModeOffers.evicted > 0, 'the bounds were reached');
      t.diagnostic(
        `${rate}/s: phase 1 in ${r.phase1} ms, Quick Mode in ${r.quickMode} ms; peak ${r.peak.offers} offer records, ${(r.peak.bytes / 1048576).toFixed(1)} MiB counted, ${r.responder.mainModeOffers.evicted} evicted; heap +${(r.heapGrowth / 1048576).toFixed(1)} MiB`,
      );
    });
  }
});
