/**
 * ikets and charon both rekeying one CHILD SA every few seconds (rand_time 0, so they collide):
 * samples the children both sides list over time (issue 10 item 3). Shared by the short case in
 * `ikets-strongswan-rekey.test.ts` and the soak script `rekey-soak.ts`.
 */
import * as assert from 'node:assert/strict';
import type { NetnsPair } from './harness/index.js';
import {
  AES128_SHA256,
  CONN,
  ESP_AES128_SHA256,
  establish,
  logsOf,
  type Peers,
  type Scenario,
  startPeers,
} from './strongswan-peers.js';

/** Both sides rekey every `rekeyS` seconds, the same lifetime, no jitter. */
export function collidingScenario(rekeyS: number, lifeS: number, randS = 0): Scenario {
  return {
    proposals: 'aes128-sha256-modp2048',
    esp: 'aes128-sha256',
    charonIke: { ...AES128_SHA256, dhGroup: 'MODP_2048' },
    charonEsp: ESP_AES128_SHA256,
    charonChild: { rekey_time: `${rekeyS}s`, life_time: `${lifeS}s`, rand_time: `${randS}s` },
    iketsChild: `rekey_time = ${rekeyS}s\n        life_time = ${lifeS}s\n        rand_time = ${randS}s`,
  };
}

export interface Sample {
  readonly at: number;
  /** ISAKMP SAs each side lists. */
  readonly iketsIke: number;
  readonly charonIke: number;
  /** Inbound SPIs each side lists (charon: every CHILD SA, REKEYED ones too). */
  readonly ikets: readonly string[];
  readonly charon: readonly string[];
  /** Inbound SPIs of the pairs charon lists REKEYED (replaced; kept until deleted or expired). */
  readonly charonRekeyed: readonly string[];
  /** Outbound SPIs, for the crosswise check. */
  readonly iketsOut: readonly string[];
  readonly charonOut: readonly string[];
}

export async function sample(p: Peers, t0: number): Promise<Sample> {
  const [mine, sw] = await Promise.all([p.ikets.list(), p.charon.listSas()]);
  const swChildren = sw.ikeSas.flatMap((i) => i.childSas);
  return {
    at: Date.now() - t0,
    iketsIke: mine.ike.length,
    charonIke: sw.ikeSas.length,
    ikets: mine.children.map((c) => c.spiIn).sort(),
    iketsOut: mine.children.map((c) => c.spiOut).sort(),
    charon: swChildren.map((c) => c.spiIn).sort(),
    charonRekeyed: swChildren
      .filter((c) => c.state === 'REKEYED')
      .map((c) => c.spiIn)
      .sort(),
    charonOut: swChildren.map((c) => c.spiOut).sort(),
  };
}

/** The two sides hold the same SAs: every inbound SPI of one is an outbound SPI of the other. */
export function agree(s: Sample): boolean {
  return s.ikets.join() === s.charonOut.join() && s.charon.join() === s.iketsOut.join();
}

/**
 * The longest time (ms) the sides listed different SAs, from the first of consecutive differing
 * samples to the last. A sample lists both sides one after the other, not in one instant: under
 * load the listings take hundreds of milliseconds each, and a rekey finishing in between makes that
 * one sample differ (0 ms here); SAs one side lost or kept would differ sample after sample.
 */
export function longestDisagreement(samples: readonly Sample[]): number {
  let since: number | undefined;
  let longest = 0;
  for (const s of samples) {
    if (agree(s)) since = undefined;
    else {
      since ??= s.at;
      longest = Math.max(longest, s.at - since);
    }
  }
  return longest;
}

/**
 * The pairs charon lists that count against the bound: all but those it lists REKEYED, replaced
 * and on their way out (charon keeps one until the peer's Delete arrives or it expires). Whether
 * ikets still holds one cannot be told from a sample: the two listings are not of one instant,
 * and a round of Quick Modes may complete between them.
 */
export function charonCounted(s: Sample): number {
  return s.charon.length - s.charonRekeyed.length;
}

/** The longest time (ms) charon listed one pair, from the first sample listing it to the last. */
export function longestListed(samples: readonly Sample[]): number {
  const first = new Map<string, number>();
  let longest = 0;
  for (const s of samples)
    for (const spi of s.charon) {
      const since = first.get(spi) ?? s.at;
      first.set(spi, since);
      longest = Math.max(longest, s.at - since);
    }
  return longest;
}

export interface SoakResult {
  readonly samples: readonly Sample[];
  readonly iketsQuickModes: number;
  /** CHILD SAs charon installed (its own Quick Modes and ikets'), and pairs it found redundant. */
  readonly charonInstalled: number;
  readonly charonRedundant: number;
  readonly collisions: number;
  readonly maxIkets: number;
  /** The most pairs charon listed that count (`charonCounted`), and with the ones on their way out. */
  readonly maxCharon: number;
  readonly maxCharonListed: number;
  /** The longest time (ms) charon listed one pair (`longestListed`). */
  readonly longestListed: number;
  /** The longest time (ms) the two sides listed different SAs. */
  readonly longestDisagreement: number;
  readonly logs: string;
}

/** Starts both peers, brings the child up from ikets and samples both sides every `everyMs`. */
export async function soak(
  pair: NetnsPair,
  o: { rekeyS: number; lifeS: number; durationS: number; everyMs: number },
  onSample?: (s: Sample) => void,
): Promise<SoakResult> {
  const p = await startPeers(pair, collidingScenario(o.rekeyS, o.lifeS));
  try {
    await establish(p, 'ikets');
    const t0 = Date.now();
    const samples: Sample[] = [];
    while (Date.now() - t0 < o.durationS * 1000) {
      const s = await sample(p, t0);
      samples.push(s);
      onSample?.(s);
      await new Promise((r) => setTimeout(r, o.everyMs));
    }
    const charonLog = p.charon.readLog();
    const iketsLog = p.ikets.logs();
    return {
      samples,
      iketsQuickModes: (iketsLog.match(/initiating Quick Mode/g) ?? []).length,
      charonInstalled: (charonLog.match(/CHILD_SA gw\{\d+\} established/g) ?? []).length,
      charonRedundant: (charonLog.match(/detected redundant CHILD_SA/g) ?? []).length,
      collisions: (iketsLog.match(/a rekey collision/g) ?? []).length,
      maxIkets: Math.max(...samples.map((s) => s.ikets.length)),
      maxCharon: Math.max(...samples.map(charonCounted)),
      maxCharonListed: Math.max(...samples.map((s) => s.charon.length)),
      longestListed: longestListed(samples),
      longestDisagreement: longestDisagreement(samples),
      logs: logsOf(p),
    };
  } finally {
    await p.stop();
  }
}

/** What must hold after any soak: no undecryptable message, bounded and agreeing SA sets. */
export function assertSoak(r: SoakResult, o: { rekeyS: number; lifeS: number }): void {
  const why = r.logs;
  const broken = why
    .split('\n')
    .filter((l) =>
      /decryption failed|invalid HASH_V1|processing failed|integrity check failed|does not verify|malformed/i.test(
        l,
      ),
    );
  assert.deepEqual(broken, [], 'every message decrypted and verified on both sides');
  // A collision leaves two new pairs next to the one expiring; never more. ikets counts every pair
  // it lists, charon those not REKEYED (`charonCounted`): a pair ikets replaced stays listed
  // REKEYED on charon until ikets' Delete arrives, which ikets sends 50 ms after its Quick Mode's
  // message 3 (`deleteDelayAfterQuickMode`, so that charon handles message 3 first), and in a
  // round of three Quick Modes charon lists two such pairs next to the three new ones meanwhile.
  // That REKEYED pairs do go is asserted below: a pair ikets no longer holds makes the sides
  // differ, which is bounded, one it holds counts on ikets, and no pair is listed past its
  // lifetime.
  assert.ok(
    r.maxIkets <= 4 && r.maxCharon <= 4,
    `at most 4 SAs each (${r.maxIkets}, ${r.maxCharon}; charon listed ${r.maxCharonListed})\n${why}`,
  );
  // The sides may differ only while an exchange or a Delete is on its way (and between two
  // samples); never for a rekey interval.
  assert.ok(r.longestDisagreement < o.rekeyS * 1000, `disagreed for ${r.longestDisagreement} ms\n${why}`);
  // Nothing accumulates: charon lists no pair longer than its hard lifetime (rand_time 0, so
  // exactly lifeS), with 2 s for the sampling (a listing takes hundreds of ms under load).
  assert.ok(
    r.longestListed <= (o.lifeS + 2) * 1000,
    `a pair listed for ${r.longestListed} ms (life ${o.lifeS} s)\n${why}`,
  );
  const last = r.samples.at(-1);
  assert.ok(last !== undefined && last.ikets.length > 0, why);
}

/**
 * ikets and charon bring the child up in the same moment (issue 10 item 8), then both rekey it;
 * samples both sides every `everyMs` for `durationS`.
 */
export async function simultaneous(
  pair: NetnsPair,
  o: { rekeyS: number; lifeS: number; randS: number; durationS: number; everyMs: number },
): Promise<{ samples: Sample[]; logs: string }> {
  const p = await startPeers(pair, collidingScenario(o.rekeyS, o.lifeS, o.randS));
  try {
    p.ikets.initiate(CONN, CONN);
    await p.charon.initiate(CONN, { timeoutS: 10 });
    const t0 = Date.now();
    const samples: Sample[] = [];
    while (Date.now() - t0 < o.durationS * 1000) {
      samples.push(await sample(p, t0));
      await new Promise((r) => setTimeout(r, o.everyMs));
    }
    return { samples, logs: logsOf(p) };
  } finally {
    await p.stop();
  }
}
