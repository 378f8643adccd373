/**
 * When an XFRM SA was last used (`SaCounters.lastUsedAt`): what DPD asks before a round
 * (src/daemon/dpd-traffic.ts: traffic on a child's inbound SA is a sign of the peer's life) and what
 * `list-sas` shows. The kernel has several clocks, and they are not alike:
 *
 * - the SA's `curlft.use_time` is its FIRST use: xfrm_state_check_expire() sets it once, and before
 *   the ICV check. After the first packet it says nothing about whether traffic still flows.
 * - a policy's `curlft.use_time` is its last use (charon asks for it with XFRM_MSG_GETPOLICY), but
 *   __xfrm_policy_check() stamps it before it compares the packet's SAs with the template: a
 *   plaintext packet that only matches the inbound policy's selectors (a source address from the
 *   peer's subnet, or the peer's own address in transport mode, easy to forge) refreshes it and is
 *   then dropped. It would keep a dead peer alive; and forwarded traffic stamps `fwd`, not `in`.
 * - XFRMA_LASTUSED, the SA's last use, is stamped in xfrm_input() after the ICV and replay checks
 *   on every packet from Linux 6.2 on ("xfrm: update x->lastused for every packet"); older kernels
 *   stamp it for Mobile IPv6 only and then leave the attribute out.
 * - the SA's byte and packet counters grow in the same place, after the ICV and replay checks, on
 *   every kernel.
 *
 * So the last use is XFRMA_LASTUSED when the kernel sends it; otherwise the counters, compared
 * between queries: counters that changed since the previous query mean authenticated traffic since
 * then, and this query's time is an upper bound on the last packet. Within that interval, and only
 * then, the inbound policies' use time (charon's clock, rounded up to the end of its second) narrows
 * it down: every packet of the SA stamps it, so it is an upper bound too, and a forged packet can move
 * it no later than this query's time. Traffic that keeps flowing is never taken for silence, and
 * nothing unauthenticated makes a peer look alive when no authenticated packet arrived since the last
 * query (DEVELOPERS.md). Without the policies, silence is seen up to one query interval late.
 */

/** One GETSA answer, as far as the last use is concerned. */
export interface SaUsageSample {
  readonly bytes: bigint;
  readonly packets: bigint;
  /** XFRMA_LASTUSED: seconds since the epoch (the kernel's real-time clock), undefined when absent or 0. */
  readonly lastUsed: bigint | undefined;
}

interface Seen {
  bytes: bigint;
  packets: bigint;
  /** When these counters were read (the last query). */
  queriedAt: number;
  /** The daemon's clock when the counters were first seen at these values; undefined: never used. */
  at: number | undefined;
}

export class SaUsage {
  readonly #seen = new Map<string, Seen>();
  readonly #now: () => number;
  readonly #wallNow: () => number;

  /** `now`: the daemon's clock (ms); `wallNow`: the real-time clock the kernel stamps with (ms). */
  constructor(now: () => number, wallNow: () => number = Date.now) {
    this.#now = now;
    this.#wallNow = wallNow;
  }

  /**
   * The SA `key`'s last use on the daemon's clock, from this query's answer; undefined: never used.
   * `policyUse`: the latest `use_time` (seconds) of the SA's inbound policies, asked only when the
   * counters changed.
   */
  lastUsedAt(key: string, sample: SaUsageSample, policyUse?: () => bigint | undefined): number | undefined {
    const now = this.#now();
    if (sample.lastUsed !== undefined && sample.lastUsed > 0n)
      return now - Math.max(0, this.#wallNow() - Number(sample.lastUsed) * 1000);
    const seen = this.#seen.get(key);
    // An SA starts at zero (addSa): counters first seen above zero are traffic since it was installed.
    const changed =
      seen === undefined
        ? sample.packets !== 0n || sample.bytes !== 0n
        : sample.packets !== seen.packets || sample.bytes !== seen.bytes;
    const at = changed ? this.#narrowed(policyUse?.(), seen?.queriedAt, now) : seen?.at;
    this.#seen.set(key, { bytes: sample.bytes, packets: sample.packets, queriedAt: now, at });
    return at;
  }

  /**
   * The last packet came after `after` (the previous query) and by `now`: the policies' use time,
   * rounded up to the end of its second, when it lies in that interval; else `now`.
   */
  #narrowed(use: bigint | undefined, after: number | undefined, now: number): number {
    if (use === undefined || use <= 0n) return now;
    const end = now - Math.max(0, this.#wallNow() - (Number(use) * 1000 + 999));
    return after !== undefined && end <= after ? now : end;
  }

  /** The SA went: forget it. */
  forget(key: string): void {
    this.#seen.delete(key);
  }

  /** The last use seen of the SA `key` so far (to carry over `restarted`). */
  keep(key: string): number | undefined {
    return this.#seen.get(key)?.at;
  }

  /**
   * The SA was installed again with its counters at zero (a NAT mapping change, `updateSa`): its
   * last use so far (`keep` before) is kept, and counters that grow from zero are new traffic.
   */
  restarted(key: string, lastUsedAt: number | undefined): void {
    this.#seen.set(key, { bytes: 0n, packets: 0n, queriedAt: this.#now(), at: lastUsedAt });
  }
}
