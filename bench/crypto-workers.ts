/**
 * `node dist/bench/crypto-workers.js [--count N] [--concurrency C] [--workers 0,1] [--groups x25519,modp2048]`:
 * an ikets responder (`ikets start --dataplane none`) driven by `ikets load` from another process on
 * 127.0.0.1, once per DH group and `--crypto-workers` value, interleaved. Prints setups/s, the
 * responder's CPU per setup (all threads, and the event loop's thread alone, from /proc), and how long
 * `list-sas` takes to answer on the control socket while the load runs, with what the responder's
 * event loop thread did meanwhile: ran (CPU) or waited for a core (the scheduler's run_delay in
 * /proc/PID/task/PID/schedstat), docs/benchmarks.md. `IKETS_BENCH_IKETS=/path/to/dist/src/cli/main.js`
 * runs another build's responder (before/after comparisons; the load generator stays this one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sendControlRequest } from '../src/daemon/control-client.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const RESPONDER_CLI = process.env.IKETS_BENCH_IKETS ?? CLI;
const PSK = 'ikets-crypto-workers-bench-psk-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function responderConf(group: string): string {
  return `connections { gw { version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = 17500
    proposals = aes128-sha256-${group}
    local { auth = psk
      id = gw.bench }
    remote { auth = psk }
    children { net { esp_proposals = aes128-sha256 } } } }
  secrets { ike-gw { id = gw.bench
    secret = "${PSK}" } }`;
}

function loadConf(group: string): string {
  return `connections { load { version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = 17600
    remote_port = 17500
    proposals = aes128-sha256-${group}
    local { auth = psk
      id = c%d.load.bench }
    remote { auth = psk
      id = gw.bench }
    children { net { esp_proposals = aes128-sha256 } } } }
  secrets { ike-gw { id-1 = gw.bench
    secret = "${PSK}" } }`;
}

/** CPU ms of a process (all threads) and of its main thread, from /proc (clock ticks of 10 ms). */
async function cpu(pid: number): Promise<{ total: number; main: number }> {
  const ticks = async (file: string) => {
    const fields = (await readFile(file, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  return { total: await ticks(`/proc/${pid}/stat`), main: await ticks(`/proc/${pid}/task/${pid}/stat`) };
}

/**
 * A thread's time on a CPU and time runnable but waiting for one, ms (/proc/PID/task/TID/schedstat:
 * sum_exec_runtime and run_delay in ns); undefined where the kernel does not keep them.
 */
function schedstat(pid: number): { ran: number; waited: number } | undefined {
  try {
    const [ran, waited] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { ran: (ran ?? 0) / 1e6, waited: (waited ?? 0) / 1e6 };
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function run(dir: string, group: string, workers: number, count: number, concurrency: number) {
  const conf = join(dir, `r-${group}.conf`);
  const control = join(dir, `r-${group}-${workers}.ctl`);
  await writeFile(conf, responderConf(group), { mode: 0o600 });
  await writeFile(join(dir, `l-${group}.conf`), loadConf(group), { mode: 0o600 });
  const responder: ChildProcess = spawn(
    process.execPath,
    [
      RESPONDER_CLI,
      'start',
      '--config',
      conf,
      '--address',
      '127.0.0.1',
      '--port',
      '17500',
      '--natt-port',
      '17501',
      '--dataplane',
      'none',
      '--log-level',
      'warn',
      '--control',
      control,
      '--crypto-workers',
      `${workers}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    const pid = responder.pid ?? 0;
    for (let i = 0; ; i++) {
      try {
        await sendControlRequest(control, { command: 'list-sas' });
        break;
      } catch (error) {
        if (i > 100) throw error;
        await sleep(100);
      }
    }
    // The stock fills; meanwhile list-sas on the idle daemon, for reference (the machine's own latency).
    const idle: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await sendControlRequest(control, { command: 'list-sas' });
      idle.push(performance.now() - t0);
      await sleep(150);
    }
    idle.sort((a, b) => a - b);
    const before = await cpu(pid);
    const load = spawn(
      process.execPath,
      [
        CLI,
        'load',
        '--config',
        join(dir, `l-${group}.conf`),
        'load',
        '--count',
        `${count}`,
        '--concurrency',
        `${concurrency}`,
        '--delete',
        '--json',
        '--quiet',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    load.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const ended = new Promise<void>((resolve) => load.on('exit', () => resolve()));
    let running = true;
    void ended.then(() => {
      running = false;
    });
    const listings: number[] = [];
    const ran: number[] = [];
    const waited: number[] = [];
    const loadBefore = loadavg();
    await sleep(300);
    while (running) {
      const s0 = schedstat(pid);
      const t0 = performance.now();
      await sendControlRequest(control, { command: 'list-sas' });
      listings.push(performance.now() - t0);
      const s1 = schedstat(pid);
      if (s0 !== undefined && s1 !== undefined) {
        ran.push(s1.ran - s0.ran);
        waited.push(s1.waited - s0.waited);
      }
      await sleep(100);
    }
    const after = await cpu(pid);
    const summary = JSON.parse(out) as { established: number; setupsPerSecond: number; failed: number };
    for (const list of [listings, ran, waited]) list.sort((a, b) => a - b);
    const p50p95 = (list: number[]) => ({ p50: percentile(list, 50), p95: percentile(list, 95) });
    return {
      load: [loadBefore, loadavg()].map((l) => (l[0] ?? 0).toFixed(1)).join(' -> '),
      group,
      workers,
      established: summary.established,
      failed: summary.failed,
      setupsPerSecond: summary.setupsPerSecond,
      cpuPerSetup: (after.total - before.total) / summary.established,
      mainThreadPerSetup: (after.main - before.main) / summary.established,
      idleListSas: percentile(idle, 50),
      listSas: {
        p50: percentile(listings, 50),
        p95: percentile(listings, 95),
        max: listings.at(-1),
        n: listings.length,
      },
      /** During each list-sas: the responder's event loop thread on a CPU, and waiting for one. */
      responderRan: p50p95(ran),
      responderWaited: p50p95(waited),
    };
  } finally {
    responder.kill('SIGTERM');
    await new Promise((resolve) => responder.on('exit', resolve));
  }
}

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '20' },
    workers: { type: 'string', default: '0,1' },
    groups: { type: 'string', default: 'x25519,modp2048' },
    repeat: { type: 'string', default: '1' },
  },
});
const dir = await mkdtemp(join(tmpdir(), 'ikets-crypto-workers-'));
try {
  for (let r = 0; r < Number(values.repeat); r++)
    for (const group of values.groups.split(','))
      for (const workers of values.workers.split(',').map(Number)) {
        const x = await run(dir, group, workers, Number(values.count), Number(values.concurrency));
        console.log(
          `${x.group.padEnd(9)} workers ${x.workers}: ${x.established} setups (${x.failed} failed), ` +
            `${x.setupsPerSecond.toFixed(1)} setups/s, responder CPU ${x.cpuPerSetup.toFixed(2)} ms/setup ` +
            `(event loop thread ${x.mainThreadPerSetup.toFixed(2)}), list-sas p50 ${x.listSas.p50.toFixed(1)} ms ` +
            `p95 ${x.listSas.p95.toFixed(1)} ms max ${x.listSas.max?.toFixed(1)} ms (${x.listSas.n}; idle p50 ` +
            `${x.idleListSas.toFixed(1)} ms); meanwhile the responder ran p50 ${x.responderRan.p50.toFixed(1)} ` +
            `p95 ${x.responderRan.p95.toFixed(1)} ms and waited for a CPU p50 ${x.responderWaited.p50.toFixed(1)} ` +
            `p95 ${x.responderWaited.p95.toFixed(1)} ms; load average ${x.load}`,
        );
      }
} finally {
  await rm(dir, { recursive: true, force: true });
}
