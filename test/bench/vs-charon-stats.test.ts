// The table-producing code of the side-by-side benchmark (bench/vs-charon/, docs/benchmarks.md) on
// fixed input, so that it cannot break silently: the benchmark itself is not part of `npm test`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  iketsSwanctlConf,
  initiatorStrongswanConf,
  powerOfTwoAtLeast,
  RESPONDER_ID,
  responderStrongswanConf,
  WARMUP_INITIATOR_ID,
} from '../../bench/vs-charon/config.js';
import { comparisonSections, parseVsCharonArgs } from '../../bench/vs-charon/main.js';
import { LoadTestProgress } from '../../bench/vs-charon/progress.js';
import type { RunResult } from '../../bench/vs-charon/run.js';
import {
  derive,
  formatComparison,
  formatNumber,
  formatSpread,
  measuredSas,
  parseProcStatCpuTicks,
  parseVmRssKib,
  type RunFigures,
  spread,
  tableRows,
} from '../../bench/vs-charon/stats.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';

// A real /proc/PID/stat line of a charon thread group, with a comm holding a space and a ')'.
const STAT =
  '4242 (char on) x) S 1 4242 4242 0 -1 4194560 2279 0 0 0 1234 567 0 0 20 0 17 0 1109730 ' +
  '1174900736 3301 18446744073709551615 1 1 0 0 0 0 0 4096 17987 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

test('utime + stime from /proc/PID/stat, fields counted after the last parenthesis', () => {
  assert.equal(parseProcStatCpuTicks(STAT), 1234 + 567);
  assert.throws(() => parseProcStatCpuTicks('garbage'));
  assert.throws(() => parseProcStatCpuTicks('1 (x) S 1'));
});

test('VmRSS from /proc/PID/status', () => {
  const status = 'Name:\tcharon\nVmPeak:\t  99999 kB\nVmRSS:\t   13204 kB\nRssAnon:\t    4000 kB\n';
  assert.equal(parseVmRssKib(status), 13204);
  assert.throws(() => parseVmRssKib('Name:\tcharon\n'));
});

test('min, median and max: odd and even counts, NaN left out, empty', () => {
  assert.deepEqual(spread([3, 1, 2]), { min: 1, median: 2, max: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4 });
  assert.deepEqual(spread([5, Number.NaN, 1]), { min: 1, median: 3, max: 5 });
  assert.ok(Number.isNaN(spread([]).median));
});

test('numbers with three significant digits and a spread as median [min-max]', () => {
  assert.equal(formatNumber(1234.4), '1,234');
  assert.equal(formatNumber(123.44), '123');
  assert.equal(formatNumber(12.345), '12.3');
  assert.equal(formatNumber(1.864), '1.86');
  assert.equal(formatNumber(0.7712), '0.771');
  assert.equal(formatNumber(Number.NaN), '-');
  assert.equal(formatSpread({ min: 1.5, median: 1.86, max: 2.25 }, ' ms'), '1.86 ms [1.50-2.25]');
  assert.equal(formatSpread({ min: 2, median: 2, max: 2 }), '2.00');
  assert.equal(formatSpread({ min: Number.NaN, median: Number.NaN, max: Number.NaN }), '-');
});

const run = (setups: number, seconds: number, cpuSeconds: number, rssDeltaKib: number): RunFigures => ({
  setups,
  seconds,
  cpuSeconds,
  rssDeltaKib,
  heldSas: setups,
});

test('per-run figures: setups/s, CPU ms per setup, KiB per SA', () => {
  assert.deepEqual(derive(run(2000, 8, 4, 30_000)), {
    setupsPerSecond: 250,
    cpuMsPerSetup: 2,
    rssKibPerSa: 15,
  });
  const none = derive({ setups: 0, seconds: 0, cpuSeconds: 0, rssDeltaKib: 0, heldSas: 0 });
  assert.ok(
    Number.isNaN(none.setupsPerSecond) && Number.isNaN(none.cpuMsPerSetup) && Number.isNaN(none.rssKibPerSa),
  );
});

test('the table: medians, spreads, and the ratio ikets/charon taken per pair', () => {
  const scenario = {
    name: 'X25519',
    // Pair 2 ran in a slow spell: both sides slower, the ratio of that pair still 1.5.
    charon: [run(2000, 8, 4, 30_000), run(2000, 16, 8, 30_000), run(2000, 10, 5, 28_000)],
    ikets: [run(2000, 10, 6, 60_000), run(2000, 20, 12, 66_000), run(2000, 12, 8, 56_000)],
  };
  const rows = tableRows([scenario]);
  assert.deepEqual(rows, [
    ['X25519: setups/s', '200 [125-250]', '167 [100-200]', '0.800 [0.800-0.833]'],
    ['X25519: responder CPU per setup', '2.50 ms [2.00-4.00]', '4.00 ms [3.00-6.00]', '1.50 [1.50-1.60]'],
    ['X25519: RSS per IKE SA + child SA', '15.0 kB [14.0-15.0]', '30.0 kB [28.0-33.0]', '2.00 [2.00-2.20]'],
  ]);
  const table = formatComparison([scenario]).split('\n');
  assert.equal(table.length, 5);
  assert.match(
    table[0] ?? '',
    /^\| scenario \(median \[min-max\] of 3 pairs\) +\| +charon \| +ikets \| +ikets \/ charon \|$/,
  );
  assert.match(table[1] ?? '', /^\|-+\|-+:\|-+:\|-+:\|$/);
  assert.match(
    table[3] ?? '',
    /^\| X25519: responder CPU per setup +\| +2\.50 ms \[2\.00-4\.00\] \| +4\.00 ms \[3\.00-6\.00\] \| +1\.50 \[1\.50-1\.60\] \|$/,
  );
});

test("progress from the load generator's log, lines cut across chunks", () => {
  const p = new LoadTestProgress();
  assert.equal(p.seconds(), 0);
  assert.equal(
    p.feed(
      '1764642601.250 12[IKE] <load-test|1> initiating Main Mode IKE_SA load-test[1] to 10.232.0.2\n' +
        '1764642601.251 13[IKE] <load-test|2> initiating Main Mode IKE_SA load-test[2] to 10.232.0.2\n' +
        '1764642601.300 07[IKE] <load-test|1> IKE_SA load-te',
    ),
    true,
  );
  assert.equal(p.initiated, 2);
  assert.equal(
    p.feed('st[1] established between 10.232.0.1[c1-r1.strongswan.org]...10.232.0.2[srv.strongswan.org]\n'),
    false,
  );
  assert.equal(
    p.feed('1764642601.310 09[IKE] <load-test|1> CHILD_SA load-test{1} established with SPIs c1b2d3e4_i'),
    false,
  );
  assert.equal(p.feed(' c5d6e7f8_o and TS 10.232.0.1/32 === 10.232.0.2/32\n'), true);
  assert.equal(
    p.feed('1764642603.750 10[IKE] <load-test|2> CHILD_SA load-test{2} established with SPIs 1_i 2_o\n'),
    true,
  );
  assert.deepEqual([p.initiated, p.established], [2, 2]);
  assert.equal(p.seconds(), 2.5);
});

test('the configurations: ikets parses its own, charon gets the load test it needs', () => {
  const lt = {
    initiatorAddress: '10.232.0.1',
    responderAddress: '10.232.0.2',
    dh: { name: 'X25519', keyword: 'curve25519' },
    runDir: '/tmp/x',
  };
  const ikets = parseSwanctlConfig(iketsSwanctlConf(lt), 'bench.conf');
  assert.equal(ikets.connections.length, 1);
  const init = initiatorStrongswanConf({ ...lt, setups: 2000, threads: 2, window: 32 });
  assert.match(init, /version = 1\n/);
  assert.match(init, /fake_kernel = yes/);
  assert.match(init, /iterations = 1000\n/);
  assert.match(init, /proposal = aes128-sha256-curve25519\n/);
  assert.match(init, /load-tester kernel-netlink/);
  const resp = responderStrongswanConf({ ...lt, expectedSas: 2000, window: 32 });
  assert.match(resp, /block_threshold = 64\n/);
  assert.match(resp, /initiators = 0\n/);
  assert.match(resp, /ikesa_table_size = 256\n/);
  assert.equal(powerOfTwoAtLeast(250), 256);
  assert.equal(powerOfTwoAtLeast(256), 256);
  assert.doesNotMatch(init + resp, /dpd_delay/);
  // --dpd: the same dpd_delay for the load-tester's peers (both charons) and the ikets responder.
  const dpd = { ...lt, dpd: 30 };
  assert.equal(parseSwanctlConfig(iketsSwanctlConf(dpd), 'bench.conf').connections[0]?.dpdDelay, 30);
  assert.match(initiatorStrongswanConf({ ...dpd, setups: 10, threads: 1, window: 8 }), /dpd_delay = 30\n/);
  assert.match(responderStrongswanConf({ ...dpd, expectedSas: 10, window: 8 }), /dpd_delay = 30\n/);
});

test('command-line options', () => {
  const o = parseVsCharonArgs(['--setups', '500', '--pairs', '5', '--dh', 'modp2048']);
  assert.equal(o.setups, 500);
  assert.equal(o.pairs, 5);
  assert.deepEqual(
    o.dh.map((d) => d.name),
    ['MODP-2048'],
  );
  assert.throws(() => parseVsCharonArgs(['--dh', 'ecp999']), /unknown group/);
  assert.throws(() => parseVsCharonArgs(['--setups', '0']), /positive integer/);
  assert.throws(() => parseVsCharonArgs(['--bogus']), /unknown option/);
  assert.deepEqual(o.responders, ['charon', 'ikets']);
  assert.deepEqual(parseVsCharonArgs(['--responders', 'ikets']).responders, ['ikets']);
  assert.throws(() => parseVsCharonArgs(['--responders', 'libreswan']), /charon and ikets/);
  const held = parseVsCharonArgs(['--dpd', '30', '--hold', '60']);
  assert.deepEqual([held.dpd, held.hold], [30, 60]);
  assert.deepEqual([o.dpd, o.hold], [undefined, undefined]);
});

/** The load-tester's identity from an `initiator_id` format: printf of (initiator number, round). */
const loadTesterId = (format: string, num: number, round: number): string =>
  format.replace('%d', String(num)).replace('%d', String(round));

test('--warmup: its load generator uses other identities, the responders accept them', () => {
  const lt = {
    initiatorAddress: '10.232.0.1',
    responderAddress: '10.232.0.2',
    dh: { name: 'X25519', keyword: 'modp2048' },
    runDir: '/tmp/x',
  };
  const measured = initiatorStrongswanConf({ ...lt, setups: 2000, threads: 2, window: 32 });
  const warm = initiatorStrongswanConf({
    ...lt,
    setups: 2000,
    threads: 2,
    window: 32,
    initiatorId: WARMUP_INITIATOR_ID,
  });
  // The measured load generator keeps the load-tester's default c<n>-r<round>; the warm-up's is
  // the only one with an initiator_id, w<n>-r<round>.
  assert.doesNotMatch(measured, /initiator_id/);
  assert.match(warm, /\n +initiator_id = w%d-r%d\.strongswan\.org\n/);
  assert.equal(warm.replace(/\n +initiator_id = .*\n/, '\n'), measured);
  const warmId = loadTesterId(WARMUP_INITIATOR_ID, 1, 1);
  assert.equal(warmId, 'w1-r1.strongswan.org');
  assert.notEqual(warmId, loadTesterId('c%d-r%d.strongswan.org', 1, 1));
  // The charon responder sets no initiator_id/initiator_match, so it expects the load-tester's
  // default remote identity *.strongswan.org (load_tester_config.c), which w<n>-r1 falls under;
  // the ikets responder's remote has no id at all (any identity) and its PSK is by its own id.
  const resp = responderStrongswanConf({ ...lt, expectedSas: 4000, window: 32 });
  assert.doesNotMatch(resp, /initiator_id|initiator_match|responder_id/);
  assert.ok(warmId.endsWith('.strongswan.org'));
  const ikets = parseSwanctlConfig(iketsSwanctlConf(lt), 'bench.conf').connections[0];
  assert.equal(ikets?.remote.id, undefined);
  assert.deepEqual(ikets?.local.id, { type: 'fqdn', name: RESPONDER_ID });
  // Sized for all it will hold: warm-up + measured SAs.
  assert.match(resp, /ikesa_table_size = 512\n/);
});

test('--warmup option: default 0 (cold runs as before), N, and not with --dpd', () => {
  assert.equal(parseVsCharonArgs([]).warmup, 0);
  assert.equal(parseVsCharonArgs(['--warmup', '0']).warmup, 0);
  assert.equal(parseVsCharonArgs(['--setups', '2000', '--warmup', '2000']).warmup, 2000);
  assert.throws(() => parseVsCharonArgs(['--warmup', '-1']), /non-negative integer/);
  assert.throws(() => parseVsCharonArgs(['--warmup', '1.5']), /non-negative integer/);
  assert.throws(() => parseVsCharonArgs(['--warmup']), /non-negative integer/);
  assert.throws(() => parseVsCharonArgs(['--warmup', '100', '--dpd', '30']), /--dpd/);
  assert.equal(parseVsCharonArgs(['--warmup', '0', '--dpd', '30']).dpd, 30);
  assert.equal(parseVsCharonArgs(['--warmup', '100', '--hold', '10']).hold, 10);
});

test('SAs of a measured window: held at its end minus held after the warm-up, with a note otherwise', () => {
  // Without warm-up: as before.
  assert.deepEqual(measuredSas({ atStart: 0, atEnd: 2000, setups: 2000 }), { sas: 2000 });
  assert.deepEqual(measuredSas({ atStart: 0, atEnd: 1990, setups: 2000 }), {
    sas: 1990,
    note: 'responder holds 1990 IKE SAs, initiator made 2000',
  });
  // After 2,000 warm-up SAs: RSS per SA over the 2,000 measured ones, the responder holding 4,000.
  assert.deepEqual(measuredSas({ atStart: 2000, atEnd: 4000, setups: 2000 }), { sas: 2000 });
  // INITIAL-CONTACT dropping warm-up SAs would show as fewer than warm-up + measured.
  assert.deepEqual(measuredSas({ atStart: 2000, atEnd: 2000, setups: 2000 }), {
    sas: 0,
    note: 'responder holds 2000 IKE SAs, initiator made 2000 after the 2000 of the warm-up',
  });
  assert.deepEqual(measuredSas({ atStart: 2000, atEnd: undefined, setups: 50 }), {
    sas: 50,
    note: "could not read the responder's SA count",
  });
  assert.equal(measuredSas({ atStart: undefined, atEnd: 4000, setups: 50 }).sas, 50);
});

test('the tables with --warmup: warm (measured window), then cold (the warm-up window)', () => {
  const result = (warm: RunFigures, cold?: RunFigures): RunResult => ({
    ...warm,
    notes: [],
    ...(cold === undefined ? {} : { cold }),
  });
  const dh = [{ name: 'X25519', keyword: 'curve25519' }];
  const results = new Map([
    [
      'X25519',
      {
        charon: [result(run(2000, 2, 1.6, 30_000), run(2000, 2, 1.8, 31_000))],
        ikets: [result(run(2000, 3, 2.2, 40_000), run(2000, 3, 3.0, 60_000))],
      },
    ],
  ]);
  const [warm, cold, ...rest] = comparisonSections({ setups: 2000, warmup: 2000 }, dh, results);
  assert.equal(rest.length, 0);
  assert.match(warm?.title ?? '', /^Warm: 2000 setups .* made 2000 setups/);
  assert.match(cold?.title ?? '', /^Cold: the 2000 warm-up setups/);
  assert.deepEqual(tableRows(warm?.scenarios ?? [])[1], [
    'X25519: responder CPU per setup',
    '0.800 ms',
    '1.10 ms',
    '1.38',
  ]);
  assert.deepEqual(tableRows(cold?.scenarios ?? [])[1], [
    'X25519: responder CPU per setup',
    '0.900 ms',
    '1.50 ms',
    '1.67',
  ]);
  // Without --warmup: one table without a heading, of the runs as they are.
  const plain = comparisonSections({ setups: 2000, warmup: 0 }, dh, results);
  assert.equal(plain.length, 1);
  assert.equal(plain[0]?.title, undefined);
  assert.deepEqual(plain[0]?.scenarios, warm?.scenarios);
});
