/**
 * Many SAs held by one responder (issue 12): memory per established IKE SA + one CHILD SA, CPU per
 * Main Mode + Quick Mode setup with 1,000 / 10,000 / 100,000 SAs already held, and the CPU per
 * second DPD and rekeying cost at steady state.
 *
 * The responder (many-sas-responder.ts: the engine and the daemon's SA database) runs in a process
 * of its own, so its RSS is its own; this process plays every initiator (distinct addresses and
 * identities, X25519, PSK, no PFS) and hands datagrams over IPC on a virtual clock. Memory is read
 * after two full GCs, as deltas from the empty responder; CPU is the responder's process CPU time
 * (user + system) over a window of setups, IPC decoding included.
 *
 *   node dist/bench/many-sas.js [--counts 1000,10000,100000] [--window 1000] [--batch 250]
 *                               [--steady SECONDS] [--dpd S] [--rekey-sample N]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSwanctlConfig } from '../src/config/swanctl.js';
import { Ikev1Endpoint } from '../src/ikev1/ikev1-endpoint.js';
import type {
  CpuTimes,
  Measured,
  ResponderAnswer,
  ResponderRequest,
  WireDatagram,
} from './many-sas-responder.js';

const RESPONDER = fileURLToPath(new URL('./many-sas-responder.js', import.meta.url));

export interface ManySasOptions {
  /** Held SA counts to measure at, ascending. */
  readonly counts: readonly number[];
  /** Setups whose CPU is measured at each count. */
  readonly window: number;
  /** Initiators per initiator endpoint, negotiating at once. */
  readonly batch: number;
  /** Virtual seconds of steady state at the last count (0: none). */
  readonly steady: number;
  readonly dpd: number;
  /** Child rekeys triggered at the last count to price one. */
  readonly rekeySample: number;
  /** child rekey_time (s) of both sides, for the steady-state rate. */
  readonly childRekey: number;
  /** The responder's clock at the start (ms; `now`: Date.now(), as the daemon's). Default 0. */
  readonly clockStart?: number;
  /** Node/V8 flags for the responder's process besides the bench's own (`--max-semi-space-size=32`). */
  readonly responderFlags?: readonly string[];
}

export interface CountRow {
  readonly held: number;
  readonly rssPerSa: number;
  readonly heapPerSa: number;
  readonly externalPerSa: number;
  readonly cpuPerSetupMs: number;
  /** The share of the CPU per setup that V8's garbage collector paused the responder for. */
  readonly gcPerSetupMs: number;
  /** The responder's young generation capacity at this count (bytes). */
  readonly newSpace: number;
}

export interface ManySasReport {
  readonly rows: readonly CountRow[];
  readonly steady?: {
    readonly held: number;
    readonly seconds: number;
    readonly dpdCpuPerSecondMs: number;
    /** Datagrams the responder received and sent in the window, and its CPU per datagram. */
    readonly messages: number;
    readonly cpuPerMessageMs: number;
    readonly cpuPerChildRekeyMs: number;
    readonly steadyCpuPerSecondMs: number;
  };
}

class Responder {
  readonly #child;
  #waiting: ((value: unknown) => void) | undefined;

  private constructor(child: ReturnType<typeof fork>) {
    this.#child = child;
    child.on('message', (m) => {
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.(m);
    });
  }

  static async start(options: ManySasOptions): Promise<Responder> {
    const child = fork(RESPONDER, [], {
      execArgv: ['--expose-gc', '--max-old-space-size=16384', ...(options.responderFlags ?? [])],
      serialization: 'advanced',
      env: {
        ...process.env,
        IKETS_BENCH_DPD: String(options.dpd),
        IKETS_BENCH_CHILD_REKEY: String(options.childRekey),
        IKETS_BENCH_CLOCK_START: String(options.clockStart ?? 0),
      },
    });
    const r = new Responder(child);
    await new Promise((resolve) => {
      r.#waiting = resolve;
    });
    return r;
  }

  request<T>(request: ResponderRequest): Promise<T> {
    return new Promise((resolve) => {
      this.#waiting = resolve as (value: unknown) => void;
      this.#child.send(request);
    });
  }

  stop(): void {
    this.#child.kill();
  }
}

function initiatorTemplate(options: ManySasOptions) {
  return parseSwanctlConfig(`connections { p {
    version = 1
    local_addrs = 10.1.0.0
    remote_addrs = 10.0.0.1
    proposals = aes128-sha256-x25519
    dpd_delay = ${options.dpd}s
    local { auth = psk }
    remote { auth = psk
      id = gw.bench }
    children { net {
      esp_proposals = aes128-sha256
      rekey_time = ${options.childRekey}s
    } } } }
  secrets { ike { secret = many-sas-bench-secret-0123456789 } }`);
}

/**
 * Timers are driven this often (virtual ms) at steady state: finer than the spread of DPD rounds, so
 * that one side's R-U-THERE reaches the other before that one's own round starts, as on a network.
 */
const TICK = 100;

/** Datagrams per IPC request to the responder. */
const CHUNK = 500;

const peerAddress = (i: number) => `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

class Initiators {
  readonly byAddress = new Map<string, Ikev1Endpoint>();
  readonly endpoints: Ikev1Endpoint[] = [];
  readonly #template;
  count = 0;
  now = 1;
  childUp = 0;
  /** Datagrams passed to or from the responder. */
  datagrams = 0;

  constructor(
    private readonly responder: Responder,
    options: ManySasOptions,
  ) {
    this.#template = initiatorTemplate(options);
  }

  /** Brings up `n` more initiators (IKE SA + one CHILD SA each), `batch` at a time. */
  async establish(n: number, batch: number): Promise<void> {
    for (let done = 0; done < n; ) {
      const size = Math.min(batch, n - done);
      const base = this.#template.connections[0];
      if (base === undefined) throw new Error('no template connection');
      const connections = [];
      for (let k = 0; k < size; k++) {
        const address = peerAddress(this.count + k);
        connections.push({ ...base, name: `p${this.count + k}`, localAddrs: [address] });
      }
      const ep = new Ikev1Endpoint({ config: { ...this.#template, connections } }, this.now);
      for (const c of connections) this.byAddress.set(c.localAddrs[0] as string, ep);
      this.endpoints.push(ep);
      const before = this.childUp;
      for (const c of connections) ep.initiate(this.now, c.name, 'net');
      await this.exchange([ep]);
      if (this.childUp - before !== size)
        throw new Error(`batch: ${this.childUp - before} of ${size} children came up`);
      this.count += size;
      done += size;
    }
  }

  /** Passes datagrams between the initiators and the responder until both are quiet. */
  async exchange(from: readonly Ikev1Endpoint[], first?: ResponderAnswer): Promise<void> {
    let pending: WireDatagram[] = [];
    const collect = (ep: Ikev1Endpoint) => {
      for (let t = ep.pollTransmit(); t !== undefined; t = ep.pollTransmit()) pending.push(t);
      for (let e = ep.pollEvent(); e !== undefined; e = ep.pollEvent())
        if (e.type === 'child-sa-up') this.childUp++;
    };
    let touched = new Set(from);
    if (first !== undefined) touched = new Set([...touched, ...this.#deliver(first)]);
    for (const ep of touched) collect(ep);
    while (pending.length > 0) {
      this.now += 1;
      this.datagrams += pending.length;
      const sending = pending;
      pending = [];
      // A few hundred datagrams at a time, as a socket delivers them: one IPC message holding a
      // whole DPD round (100,000 datagrams) would keep them all alive at once in the responder,
      // and its garbage collector would price that, not what the daemon does.
      for (let i = 0; i < sending.length; i += CHUNK) {
        const answer = await this.responder.request<ResponderAnswer>({
          kind: 'datagrams',
          now: this.now,
          datagrams: sending.slice(i, i + CHUNK),
        });
        for (const ep of this.#deliver(answer)) collect(ep);
      }
    }
  }

  #deliver(answer: ResponderAnswer): Set<Ikev1Endpoint> {
    const touched = new Set<Ikev1Endpoint>();
    this.datagrams += answer.transmits.length;
    for (const t of answer.transmits) {
      const ep = this.byAddress.get(t.remote.address);
      if (ep === undefined) continue;
      ep.handleDatagram(this.now, {
        local: t.remote,
        remote: t.local,
        data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      });
      touched.add(ep);
    }
    return touched;
  }
}

async function cpu(responder: Responder): Promise<number> {
  return (await responder.request<CpuTimes>({ kind: 'cpu' })).cpuMs;
}

async function cpuTimes(responder: Responder): Promise<CpuTimes> {
  return responder.request<CpuTimes>({ kind: 'cpu' });
}

export async function manySas(options: ManySasOptions, progress: (line: string) => void = () => {}) {
  const responder = await Responder.start(options);
  const initiators = new Initiators(responder, options);
  try {
    const empty = await responder.request<Measured>({ kind: 'measure' });
    const rows: CountRow[] = [];
    // JIT warm-up (these SAs count among the held ones).
    await initiators.establish(Math.min(200, options.counts[0] ?? 200), options.batch);
    const base = empty;
    for (const held of options.counts) {
      await initiators.establish(held - initiators.count, options.batch);
      const m = await responder.request<Measured>({ kind: 'measure' });
      if (m.ike !== held || m.child !== held)
        throw new Error(`held ${m.ike} IKE and ${m.child} CHILD SAs, not ${held}`);
      const c0 = await cpuTimes(responder);
      await initiators.establish(options.window, options.batch);
      const c1 = await cpuTimes(responder);
      const row: CountRow = {
        held,
        rssPerSa: (m.rss - base.rss) / held,
        heapPerSa: (m.heapUsed - base.heapUsed) / held,
        externalPerSa: (m.external - base.external) / held,
        cpuPerSetupMs: (c1.cpuMs - c0.cpuMs) / options.window,
        gcPerSetupMs: (c1.gcMs - c0.gcMs) / options.window,
        newSpace: m.newSpace,
      };
      rows.push(row);
      progress(formatRow(row));
    }
    if (options.steady <= 0) return { rows };
    const held = initiators.count;
    // Steady state: DPD on both sides after `dpd` s of silence, timers driven every TICK ms. The
    // SAs came up within a few virtual seconds, so DPD rounds begin `dpd` s after the start; the
    // measured window begins half a period later and spans `steady` s, so that it holds whole
    // periods (`steady` a multiple of `dpd`) and not one round more or less.
    const start = initiators.now;
    let t = TICK;
    const tick = async () => {
      initiators.now = start + t;
      const answer = await responder.request<ResponderAnswer>({ kind: 'timeout', now: initiators.now });
      for (const ep of initiators.endpoints) ep.handleTimeout(initiators.now);
      await initiators.exchange(initiators.endpoints, answer);
      t += TICK;
    };
    while (t <= (options.dpd * 1000) / 2) await tick();
    // IKETS_BENCH_CPU_PROF=FILE: a CPU profile of the responder over the measured window only.
    await responder.request<boolean>({ kind: 'profile', start: true });
    const c0 = await cpu(responder);
    const d0 = initiators.datagrams;
    for (const end = t + options.steady * 1000; t < end; ) await tick();
    const c1 = await cpu(responder);
    const messages = initiators.datagrams - d0;
    await responder.request<boolean>({ kind: 'profile', start: false });
    // A sample of CHILD SA rekeys (a Quick Mode each, started by the initiators' soft limits).
    const sample = initiators.endpoints.flatMap((ep) => ep.childSaList()).slice(0, options.rekeySample);
    const r0 = await cpu(responder);
    for (const c of sample) {
      const ep = initiators.byAddress.get(c.local.address);
      ep?.childLimitReached(initiators.now, c.id, false);
    }
    await initiators.exchange(initiators.endpoints);
    const r1 = await cpu(responder);
    const dpdCpuPerSecondMs = (c1 - c0) / options.steady;
    const cpuPerChildRekeyMs = sample.length === 0 ? 0 : (r1 - r0) / sample.length;
    const last = rows[rows.length - 1];
    // At steady state each CHILD SA is rekeyed once per rekey_time, each IKE SA reauthenticated
    // once per its rekey_time (strongSwan's 4 h default), at about the cost of a setup.
    const steadyCpuPerSecondMs =
      dpdCpuPerSecondMs +
      (held / options.childRekey) * cpuPerChildRekeyMs +
      (held / 14400) * (last?.cpuPerSetupMs ?? 0);
    return {
      rows,
      steady: {
        held,
        seconds: options.steady,
        dpdCpuPerSecondMs,
        messages,
        cpuPerMessageMs: messages === 0 ? 0 : (c1 - c0) / messages,
        cpuPerChildRekeyMs,
        steadyCpuPerSecondMs,
      },
    } satisfies ManySasReport;
  } finally {
    responder.stop();
  }
}

function formatRow(r: CountRow): string {
  return `${String(r.held).padStart(7)} held: RSS ${(r.rssPerSa / 1000).toFixed(2)} kB/SA, heap ${(r.heapPerSa / 1000).toFixed(2)} kB/SA, external ${(r.externalPerSa / 1000).toFixed(2)} kB/SA, CPU ${r.cpuPerSetupMs.toFixed(3)} ms/setup (GC pauses ${r.gcPerSetupMs.toFixed(3)}; new space ${(r.newSpace / 2 ** 20).toFixed(0)} MiB)`;
}

export function formatManySas(report: ManySasReport): string {
  const lines = report.rows.map(formatRow);
  const s = report.steady;
  if (s !== undefined)
    lines.push(
      `steady state at ${s.held} SAs: DPD ${s.dpdCpuPerSecondMs.toFixed(1)} ms CPU/s (over ${s.seconds} s; ${s.messages} datagrams in and out, ${s.cpuPerMessageMs.toFixed(4)} ms each), ${s.cpuPerChildRekeyMs.toFixed(3)} ms CPU per CHILD rekey; with rekeys: ${s.steadyCpuPerSecondMs.toFixed(1)} ms CPU/s`,
    );
  return lines.join('\n');
}

function parse(argv: readonly string[]): ManySasOptions {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  return {
    counts: get('counts', '1000,10000').split(',').map(Number),
    window: Number(get('window', '1000')),
    batch: Number(get('batch', '250')),
    steady: Number(get('steady', '0')),
    dpd: Number(get('dpd', '30')),
    rekeySample: Number(get('rekey-sample', '1000')),
    childRekey: Number(get('child-rekey', '3600')),
    responderFlags: get('responder-flags', '')
      .split(' ')
      .filter((f) => f !== ''),
    clockStart: get('clock-start', '0') === 'now' ? Date.now() : Number(get('clock-start', '0')),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const options = parse(process.argv.slice(2));
  const t0 = Date.now();
  const report = await manySas(options, (line) => console.log(line));
  if (report.steady !== undefined) console.log(formatManySas({ rows: [], steady: report.steady }));
  console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s, node ${process.version})`);
}
