/**
 * The kernel backend with real kernel ESP/AH: one qemu boot (test/kernel-esp) of a Debian kernel
 * that has ESP, in which test/dataplane/kernel-guest/main.ts installs SAs and policies through
 * XfrmBackend in two network namespaces and sends ping and TCP through every transform in tunnel and
 * transport mode, with and without ESP-in-UDP (RFC 3948), then checks the counters on both sides
 * (querySa against `ip -s xfrm state`), the algorithms and keys as the kernel shows them, the
 * per-socket bypass, EXPIRE on a packet limit, ACQUIRE from a trap policy, MAPPING and updateSa, and
 * close().
 * Skipped, with the reason in the summary, when qemu or the kernel is not installed
 * (test/kernel-esp/install.sh).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type GuestRun, kernelEspUnavailable, LOG, runGuest } from '../kernel-esp/boot.js';
import { matrix } from './kernel-guest/cases.js';

const skip = kernelEspUnavailable() ?? false;

// A skipped describe() is not counted in the runner's summary; a skipped test is.
if (skip) it('kernel backend under qemu (real kernel ESP/AH)', { skip }, () => {});
else
  describe('kernel backend under qemu (real kernel ESP/AH)', { timeout: 1_200_000 }, () => {
    let run: GuestRun;
    const line = (kind: string, name?: string): Record<string, unknown> | undefined =>
      run.lines.find((l) => l.kind === kind && (name === undefined || l.value.name === name))?.value;

    before(
      async () => {
        // KXFRM_BENCH=1 in the environment adds the install-rate bench to this boot (npm run bench has it too)
        run = await runGuest({ KXFRM_BENCH: process.env.KXFRM_BENCH ?? '0' });
        const boot = line('BOOT');
        const summary = line('SUMMARY');
        console.log(
          `kernel-esp guest: wall ${(run.wallMs / 1000).toFixed(1)} s, kernel ${String(boot?.kernel)}, test.sh started at ${String(boot?.uptime)} s, program ${Number(summary?.ms) / 1000} s`,
        );
        const bench = line('BENCH');
        if (bench !== undefined) console.log(`kernel-esp install rate: ${JSON.stringify(bench)}`);
        console.log(`kernel-esp console: ${LOG}`);
      },
      { timeout: 1_000_000 },
    );

    it('the guest ran to its summary with exit status 0', () => {
      assert.ok(line('SUMMARY'), run.output.slice(-3000));
      assert.equal(line('SUMMARY')?.failed, 0, run.output.slice(-3000));
      assert.equal(run.rc, 0);
    });

    for (const c of matrix()) {
      it(`${c.name}: ping and TCP through the SAs, counters and algorithms agree`, () => {
        const r = line('CASE', c.name);
        assert.ok(r, `no result for ${c.name}`);
        assert.deepEqual(r.errors, []);
        assert.equal(r.ping, 2);
        assert.equal(r.tcp, 100_000);
        const counters = r.counters as Record<string, { packets: string }>;
        for (const k of ['A.out', 'A.in', 'B.out', 'B.in'])
          assert.ok(BigInt(counters[k]?.packets ?? 0) > 0n, k);
        assert.equal(counters['A.out']?.packets, counters['B.in']?.packets);
        assert.equal(counters['B.out']?.packets, counters['A.in']?.packets);
        if (c.encap && c.mode === 'transport') {
          assert.deepEqual(r.bypass, { received: true, saPackets: 0 });
          assert.deepEqual(r.control, { received: true, saPackets: 1 });
        }
      });
    }

    it('EXPIRE: soft then hard on a 3/6 packet limit; the SA is gone after the hard one', () => {
      const r = line('EXPIRE');
      assert.ok(r);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.deepEqual(
        (r.events as { hard: boolean }[]).map((e) => e.hard),
        [false, true],
      );
      assert.equal(r.queryAfterHard, 'ERR_DATAPLANE_NOT_FOUND');
    });

    it("ACQUIRE: a trap policy (no SA) reports the reqid and the packet's addresses", () => {
      const r = line('ACQUIRE');
      assert.ok(r);
      assert.deepEqual(r.events, [{ reqid: 999, source: '10.1.0.1', destination: '10.2.0.1' }]);
    });

    it('MAPPING: ESP-in-UDP from a new port is reported; updateSa moves the SA and the reports stop', () => {
      const r = line('MAPPING');
      assert.ok(r);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.deepEqual(r.events, [
        {
          spi: 0x1000 + 202,
          protocol: 'esp',
          destination: '192.168.99.2',
          address: '192.168.99.1',
          port: 4501,
        },
      ]);
      assert.deepEqual(r.after, { replies: 2, events: 0, encap: 'espinudp sport 4501 dport 4500' });
    });

    it("close() removes its SAs and policies and leaves another's SA", () => {
      const r = line('CLOSE');
      assert.ok(r);
      assert.equal(r.ok, true, JSON.stringify(r));
    });
  });
