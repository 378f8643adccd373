/**
 * DPD over the kernel data plane, in the qemu guest (a daemon case of daemon-main.ts): ikets in A
 * with `dpd_delay` on `gw`, a second ikets in B without DPD. While B pings through the child for
 * three times dpd_delay, A's inbound XFRM SA counts the packets and A sends no R-U-THERE; once the
 * pings stop, A sends one after dpd_delay (and at most about two: the counters are compared once a
 * round; the inbound policies' use time narrows it down, src/dataplane/kernel/xfrm-usage.ts), and
 * 3 s after the stop `list-sas` gives the child's last inbound use within a second of the last
 * packet (the counters alone would give the time of a query after it). R-U-THEREs are counted by an nftables rule on A's
 * output: IKE (UDP port 500, no NAT here) with exchange type 5, Informational, at byte 18 of the
 * ISAKMP header; B runs no DPD and nothing else is deleted meanwhile, so A's Informationals are
 * R-U-THEREs.
 */
import { iketsA } from './daemon-configs.js';
import { inNetns } from './netns.js';
import type { Ikets } from './peers.js';
import { run } from './traffic.js';

/** dpd_delay of the case, seconds. */
export const DPD_DELAY = 5;

const TABLE = 'kdpd';

async function nft(args: string): Promise<string> {
  const r = await run('ip', ['netns', 'exec', 'A', 'nft', ...args.split(' ')]);
  if (r.code !== 0) throw new Error(`nft ${args}: ${r.out}`);
  return r.out;
}

/** Informational datagrams A sent from port 500 so far. */
async function informationals(): Promise<number> {
  const out = await nft(`list chain inet ${TABLE} out`);
  return Number(/counter packets (\d+)/.exec(out)?.[1] ?? Number.NaN);
}

export function dpdCase(a: Ikets, b: Ikets) {
  return async (result: Record<string, unknown>, errors: string[]): Promise<void> => {
    const ms = DPD_DELAY * 1000;
    // A fresh ISAKMP SA under the configuration with DPD (an SA keeps the configuration it began with).
    await a.request({ command: 'down', name: 'gw' }).catch(() => undefined);
    await a.reconfigure(iketsA(`${DPD_DELAY}s`));
    await nft(`add table inet ${TABLE}`);
    await nft(`add chain inet ${TABLE} out { type filter hook output priority 0 ; }`);
    // @th,208,8: UDP header (8 bytes) + ISAKMP byte 18 (exchange type), in bits.
    await nft(`add rule inet ${TABLE} out udp sport 500 @th,208,8 5 counter`);
    try {
      await a.request({ command: 'up', name: 'net', timeout: 60_000 });
      // Informationals of the setup (INITIAL-CONTACT) are not R-U-THEREs: counted from here.
      await new Promise((r) => setTimeout(r, 500));
      const base = await informationals();
      const t0 = performance.now();
      const count = DPD_DELAY * 3 * 4;
      const ping = await inNetns('B', () =>
        run(
          'ping',
          ['-c', String(count), '-i', '0.25', '-W', '2', '-I', '10.2.0.1', '10.1.0.1'],
          (count / 4 + 20) * 1000,
        ),
      );
      const stoppedAt = performance.now();
      const stoppedWall = Date.now(); // the daemon's clock
      const received = Number(/(\d+) received/.exec(ping.out)?.[1] ?? 0);
      const during = (await informationals()) - base;
      result.traffic = { pings: count, received, seconds: Math.round(stoppedAt - t0) / 1000 };
      result.ruThereWhileFlowing = during;
      if (received < count - 2) errors.push(`ping: ${received} of ${count} replies`);
      if (stoppedAt - t0 < 2 * ms) errors.push(`the traffic lasted ${stoppedAt - t0} ms only`);
      if (during !== 0) errors.push(`${during} R-U-THERE while the traffic flowed`);
      // Silence: the first R-U-THERE comes after dpd_delay, within about two rounds.
      let firstAfter: number | undefined;
      while (performance.now() - stoppedAt < 3 * ms + 5_000) {
        if ((await informationals()) > base + during) {
          firstAfter = performance.now() - stoppedAt;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      result.ruThereAfterStopMs = firstAfter === undefined ? undefined : Math.round(firstAfter);
      if (firstAfter === undefined) errors.push('no R-U-THERE after the traffic stopped');
      else if (firstAfter < ms - 500 || firstAfter > 2.2 * ms + 3_000)
        errors.push(`R-U-THERE ${Math.round(firstAfter)} ms after the traffic stopped (dpd_delay ${ms} ms)`);
      // B answered: the child is still there. Its last inbound use (list-sas) is that of the last
      // packet, to the second, though queried only after it (by DPD's check, then by list-sas).
      await new Promise((r) => setTimeout(r, 1_000));
      const listing = await a.listSas();
      const child = listing.childSas.find((c) => c.child === 'net');
      result.childAfter = child !== undefined;
      if (child === undefined) errors.push('the child went after the R-U-THERE');
      const { lastInAt } = (listing.traffic[String(child?.id)] ?? {}) as { lastInAt?: number };
      result.lastInAfterStopMs = lastInAt === undefined ? undefined : lastInAt - stoppedWall;
      const policy = await run('ip', ['-n', 'A', '-s', 'xfrm', 'policy', 'list', 'dir', 'in']);
      result.inPolicyUse = /use (\S+ \S+)/.exec(policy.out)?.[1];
      await a.request({ command: 'down', name: 'gw' });
      await b.listSas(); // B still answers its control socket
    } finally {
      await nft(`delete table inet ${TABLE}`).catch(() => undefined);
      await a.reconfigure(iketsA());
    }
  };
}
