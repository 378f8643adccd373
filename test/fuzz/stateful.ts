/**
 * The stateful fuzzer: two real endpoints (test/ikev1/peers.ts) run whole handshakes on the simulated
 * network, and every datagram one of them receives is preceded by mutants of it, handed to the
 * receiver in the state it is in (half-open phase 1, Quick Modes in progress, established). Encrypted
 * messages are decrypted with the receiving SA's keys, changed, re-HASHed and encrypted again
 * (sealing.ts), so the mutation reaches the handlers behind the HASH check. Oracles, checked after
 * every mutant: nothing escapes handleDatagram/handleTimeout, no datagram takes longer than
 * SLOW_MS, the state stays under fixed bounds; after each scenario a legitimate exchange between the
 * same endpoints still completes. Each scenario is seeded from (seed, index), so a failure is
 * replayed with `npm run fuzz -- --stateful --seed SEED --scenario INDEX`.
 */
import {
  decodeMessage,
  ExchangeType,
  type Message,
  NotifyType,
  type Payload,
} from '../../src/codec/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import { isakmpNotify, sendInformational } from '../../src/ikev1/informational.js';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import type { IncomingDatagram, Transmit } from '../../src/sa/types.js';
import { makePair, type PeerOptions } from '../ikev1/peers.js';
import { authMethodOf, authOptions } from './auth-methods.js';
import { mutate, type Rng, rng } from './bytes.js';
import { mutatePayloads } from './payloads.js';
import { seal } from './sealing.js';

/** A single datagram taking longer than this is a hang. */
const SLOW_MS = 1000;
/** How far the answers to a mutant are carried on between the two endpoints. */
const REPLY_DEPTH = 6;
const ATTACKER = { address: '203.0.113.66', port: 500 };

export interface Failure {
  readonly seed: number;
  readonly scenario: number;
  readonly step: number;
  readonly state: string;
  readonly what: string;
}

export interface StatefulStats {
  datagrams: number;
  scenarios: number;
  /** Mutants tried per receiving state, e.g. `MM3 responder`. */
  readonly perState: Map<string, number>;
  /** How mutants were made. */
  readonly perKind: Map<string, number>;
  /** Mutants tried per phase 1 authentication method (auth-methods.ts). */
  readonly perAuth: Map<string, number>;
  failures: Failure[];
  slowest: number;
}

export const newStats = (): StatefulStats => ({
  datagrams: 0,
  scenarios: 0,
  perState: new Map(),
  perKind: new Map(),
  perAuth: new Map(),
  failures: [],
  slowest: 0,
});

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** Scenario options from the seed: both modes, NAT-T, PFS, a few suites. */
function options(r: Rng): PeerOptions {
  const suites = [
    'aes128-sha256-ecp256',
    'aes256-sha1-modp1024',
    'aes128-sha256-modp2048',
    '3des-md5-modp1024',
  ];
  const suite = suites[r.int(suites.length)] ?? 'aes128-sha256-ecp256';
  const esp = ['aes128-sha256-ecp256', 'aes128-sha1', 'aes256gcm16', 'aes128-sha256-modp1024'][r.int(4)];
  return {
    aggressive: r.int(2) === 0,
    encap: r.int(4) === 0,
    proposals: suite,
    espProposals: esp ?? 'aes128-sha1',
    connExtra: 'dpd_delay = 10s\n    dpd_timeout = 30s',
  };
}

/** What the receiver is about to handle: exchange, message, its role in it. */
function classify(ep: EndpointCore, m: Message): { label: string; sa: IkeSa | undefined } {
  const h = m.header;
  const sa =
    ep.ikeSas.find(h.initiatorCookie, h.responderCookie) ?? ep.ikeSas.findPendingInitiator(h.initiatorCookie);
  const role = sa?.role ?? 'responder';
  switch (h.exchangeType) {
    case ExchangeType.IDENTITY_PROTECTION:
    case ExchangeType.AGGRESSIVE: {
      const mode = h.exchangeType === ExchangeType.AGGRESSIVE ? 'AM' : 'MM';
      // A Main Mode responder keeps no SA until message 3 (a record of the offer under our cookie).
      const offerPending =
        sa === undefined &&
        mode === 'MM' &&
        ep.mainModeOffers.size > 0 &&
        !Buffer.from(h.responderCookie).equals(Buffer.alloc(8));
      const n = offerPending ? '3' : sa === undefined ? '1' : /wait-(\d)/.exec(sa.state)?.[1];
      return { label: n === undefined ? `${mode} after phase 1 ${role}` : `${mode}${n} ${role}`, sa };
    }
    case ExchangeType.QUICK_MODE: {
      const qm = sa?.quickModes.get(h.messageId);
      if (sa === undefined) return { label: 'QM without SA', sa };
      if (qm === undefined)
        return { label: sa.finishedMessageIds.has(h.messageId) ? 'QM finished' : 'QM1 responder', sa };
      return { label: qm.state === 'qm-i-wait-2' ? 'QM2 initiator' : 'QM3 responder', sa };
    }
    case ExchangeType.INFORMATIONAL: {
      if (sa === undefined) return { label: 'Informational without SA', sa };
      const d = sa.keys === undefined || !m.body.encrypted ? undefined : sa.decrypt(m);
      const payloads =
        d !== undefined && 'payloads' in d ? d.payloads : m.body.encrypted ? [] : m.body.payloads;
      const kind = payloads.some((p) => p.type === 'delete')
        ? 'Delete'
        : payloads.some(
              (p) =>
                p.type === 'notification' &&
                (p.notifyType === NotifyType.R_U_THERE || p.notifyType === NotifyType.R_U_THERE_ACK),
            )
          ? 'DPD'
          : 'Notify';
      return { label: `Informational ${kind} ${role}`, sa };
    }
    default:
      return { label: 'other exchange', sa };
  }
}

interface Scene {
  readonly seed: number;
  readonly index: number;
  readonly r: Rng;
  readonly stats: StatefulStats;
  /** Real datagrams seen so far in this scenario (replays), and the donor run's (another SA). */
  readonly history: Uint8Array[];
  readonly donor: readonly Uint8Array[];
  readonly perDatagram: number;
  /** The scenario's phase 1 authentication method. */
  readonly auth: string;
  /** Each endpoint's own input functions (not the fuzzing wrappers), and its peer. */
  readonly handlers: Map<
    EndpointCore,
    { handle: (now: number, dg: IncomingDatagram) => unknown; timeout: (now: number) => void }
  >;
  readonly peers: Map<EndpointCore, EndpointCore>;
  step: number;
}

function fail(s: Scene, state: string, what: string): void {
  if (s.stats.failures.length < 50)
    s.stats.failures.push({ seed: s.seed, scenario: s.index, step: s.step, state, what });
  else s.stats.failures.length++;
}

/** Bounded state: what an unauthenticated (or authenticated but mutated) sender can make the endpoint keep. */
function checkBounds(s: Scene, ep: EndpointCore, state: string): void {
  const sas = ep.ikeSas.all();
  const maxSas = 2 * ep.settings.maxHalfOpenPerPeer + 16;
  if (sas.length > maxSas) fail(s, state, `${sas.length} ISAKMP SAs (bound ${maxSas})`);
  if (ep.timers.size > sas.length) fail(s, state, `${ep.timers.size} timer entries for ${sas.length} SAs`);
  if (ep.children.all().length > 64) fail(s, state, `${ep.children.all().length} CHILD SAs`);
  for (const sa of sas) {
    const qms = sa.quickModes.size;
    if (qms > ep.settings.maxQuickModes) fail(s, state, `${qms} Quick Modes in progress`);
    if (sa.outstanding.size > 32 + qms + 2) fail(s, state, `${sa.outstanding.size} cached messages sent`);
    if (sa.lastReceived.size > 32 + qms + 2)
      fail(s, state, `${sa.lastReceived.size} cached messages received`);
    if (sa.finishedMessageIds.size > 1025)
      fail(s, state, `${sa.finishedMessageIds.size} finished message IDs`);
    const ivs = sa.keys?.cipher.ivs.exchanges().length ?? 0;
    if (ivs > qms + 8) fail(s, state, `${ivs} IV contexts for ${qms} Quick Modes`);
  }
}

/** Hands one datagram to the endpoint under the oracles; returns what it sent. */
function deliver(
  s: Scene,
  ep: EndpointCore,
  handle: (now: number, dg: IncomingDatagram) => unknown,
  timeout: (now: number) => void,
  now: number,
  dg: IncomingDatagram,
  state: string,
): Transmit[] {
  s.step++;
  const t0 = performance.now();
  try {
    handle(now, dg);
  } catch (e) {
    fail(
      s,
      state,
      `handleDatagram threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n  datagram ${Buffer.from(dg.data).toString('hex')}`,
    );
  }
  try {
    timeout(now);
  } catch (e) {
    fail(s, state, `handleTimeout threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  const dt = performance.now() - t0;
  s.stats.slowest = Math.max(s.stats.slowest, dt);
  if (dt > SLOW_MS) fail(s, state, `a datagram took ${dt.toFixed(0)} ms`);
  checkBounds(s, ep, state);
  const sent: Transmit[] = [];
  for (let t = ep.pollTransmit(); t !== undefined; t = ep.pollTransmit()) sent.push(t);
  for (let e = ep.pollEvent(); e !== undefined; e = ep.pollEvent());
  if (sent.length > 8) fail(s, state, `one datagram caused ${sent.length} datagrams`);
  return sent;
}

/**
 * What the endpoint sent in answer to a mutant goes straight to the peer (fuzzed there in turn), and
 * the answers to that too, REPLY_DEPTH deep: a mutant that is accepted (re-HASHed, it may well be)
 * carries its exchange on, as a forged message that takes over an exchange would, instead of
 * leaving the other side waiting on an answer nobody saw.
 */
function forward(s: Scene, to: EndpointCore, sent: readonly Transmit[], now: number, depth: number): void {
  if (depth > REPLY_DEPTH) return;
  const target = s.handlers.get(to);
  if (target === undefined) return;
  for (const t of sent) {
    if (t.data.length <= 1) continue;
    const dg = { local: t.remote, remote: t.local, data: t.data };
    // The answers are fuzzed too: this is where the exchange now goes on.
    fuzzBefore(s, to, dg, now, s.perDatagram, depth);
    const replies = deliver(s, to, target.handle, target.timeout, now, dg, 'answer to a mutant');
    const back = s.peers.get(to);
    if (back !== undefined) forward(s, back, replies, now, depth + 1);
  }
}

/** Hands `count` mutants of `dg` to `ep` in the state it is in now, labelled with that state. */
function fuzzBefore(
  s: Scene,
  ep: EndpointCore,
  dg: IncomingDatagram,
  now: number,
  count: number,
  depth: number,
): void {
  const target = s.handlers.get(ep);
  const peer = s.peers.get(ep);
  if (target === undefined || peer === undefined || count <= 0) return;
  if (dg.data.length <= 1) return; // a NAT-keepalive
  const decoded = decodeWire(dg.data);
  const { label, sa } =
    decoded === undefined ? { label: 'undecodable', sa: undefined } : classify(ep, decoded.message);
  const ic = decoded?.message.header.initiatorCookie;
  const sender = ic === undefined ? undefined : peer.ikeSas.all().find((x) => x.initiatorCookie.equals(ic));
  let forwarded = false;
  for (let i = 0; i < count; i++) {
    const m = mutant(s, sa, sender, dg.data, decoded);
    const from = s.r.int(8) === 0 ? { ...ATTACKER, port: dg.remote.port } : dg.remote;
    bump(s.stats.perState, label);
    bump(s.stats.perKind, m.kind);
    bump(s.stats.perAuth, s.auth);
    s.stats.datagrams++;
    const sent = deliver(
      s,
      ep,
      target.handle,
      target.timeout,
      now,
      { local: dg.local, remote: from, data: m.data },
      label,
    );
    // The first mutant answered carries the exchange on; the others' answers are lost, so the work per
    // real datagram stays linear in REPLY_DEPTH.
    if (!forwarded && sent.length > 0) {
      forwarded = true;
      forward(s, peer, sent, now, depth + 1);
    }
  }
  s.history.push(Buffer.from(dg.data));
  if (s.history.length > 64) s.history.shift();
}

const decodeWire = (data: Uint8Array): { marker: boolean; message: Message } | undefined => {
  const marker = data.length > 4 && data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 0;
  try {
    return { marker, message: decodeMessage(marker ? data.subarray(4) : data) };
  } catch {
    return undefined;
  }
};

/** One mutant of a received datagram; `kind` says how it was made. */
function mutant(
  s: Scene,
  receiver: IkeSa | undefined,
  sender: IkeSa | undefined,
  data: Uint8Array,
  decoded: { marker: boolean; message: Message } | undefined,
): { kind: string; data: Uint8Array } {
  const r = s.r;
  const choice = r.int(20);
  const any = (xs: readonly Uint8Array[]) => xs[r.int(xs.length)] ?? data;
  if (choice === 0) return { kind: 'replay', data: any(s.history) };
  if (choice === 1) return { kind: 'another SA', data: any(s.donor) };
  if (choice === 2 && decoded !== undefined) {
    // Another SA's message under this SA's cookies: it reaches the SA, then fails to decrypt or verify.
    const other = Buffer.from(any(s.donor));
    const off = other.length > 4 && other.readUInt32BE(0) === 0 ? 4 : 0;
    if (other.length >= off + 16) {
      other.set(decoded.message.header.initiatorCookie, off);
      other.set(decoded.message.header.responderCookie, off + 8);
    }
    return { kind: 'another SA, these cookies', data: other };
  }
  if (choice === 3) return { kind: 'duplicate', data };
  if (choice < 7 || decoded === undefined) return { kind: 'bytes', data: mutate(r, data, any(s.history)) };
  const { marker, message } = decoded;
  let payloads: readonly Payload[];
  if (message.body.encrypted) {
    if (receiver?.keys === undefined) return { kind: 'bytes', data: mutate(r, data, any(s.history)) };
    const d = receiver.decrypt(message);
    if (!('payloads' in d)) return { kind: 'bytes', data: mutate(r, data, any(s.history)) };
    payloads = d.payloads;
  } else payloads = message.body.payloads;
  let header = message.header;
  let kind = message.body.encrypted ? 'decrypted' : 'plain';
  const others: Payload[] = [];
  for (const h of s.history.slice(-8)) {
    const o = decodeWire(h);
    if (o !== undefined && !o.message.body.encrypted) others.push(...o.message.body.payloads);
  }
  let changed = [...payloads];
  const rounds = 1 + r.int(3);
  for (let i = 0; i < rounds; i++) changed = mutatePayloads(r, changed, others);
  const h = r.int(12);
  if (h === 0) {
    header = { ...header, messageId: [0, 1, header.messageId ^ 1, r.next()][r.int(4)] ?? 0 };
    kind += ', message ID';
  } else if (h === 1) {
    const types = [
      ExchangeType.IDENTITY_PROTECTION,
      ExchangeType.AGGRESSIVE,
      ExchangeType.QUICK_MODE,
      ExchangeType.INFORMATIONAL,
      6,
      33,
    ];
    header = { ...header, exchangeType: types[r.int(types.length)] ?? 5 };
    kind += ', exchange type';
  } else if (h === 2) {
    header = { ...header, commit: !header.commit, authenticationOnly: r.int(2) === 0 };
    kind += ', flags';
  }
  // Mostly the mutant keeps its protection; sometimes it comes in the clear, or encrypted where it should not be.
  const flip = r.int(16) === 0;
  const encrypt = flip ? !message.body.encrypted : message.body.encrypted;
  const rehash = r.int(8) !== 0;
  const bytes = r.int(3) === 0;
  kind += `${flip ? ', protection flipped' : ''}${rehash ? ', re-HASHed' : ''}${bytes ? ', bytes' : ''}`;
  try {
    return {
      kind,
      data: seal(receiver, sender, {
        header,
        payloads: changed,
        encrypt,
        marker,
        rehash,
        ...(bytes ? { byteMutation: r } : {}),
      }),
    };
  } catch {
    // Payloads the encoder refuses (a field out of range): a byte mutation instead.
    return { kind: 'bytes', data: mutate(r, data, any(s.history)) };
  }
}

/** Wraps the endpoint's input so every real datagram is preceded by `perDatagram` mutants. */
function intercept(s: Scene, ep: EndpointCore, peer: EndpointCore, live: { on: boolean }): void {
  const original = ep.handleDatagram.bind(ep);
  const timeoutOriginal = ep.handleTimeout.bind(ep);
  s.handlers.set(ep, { handle: original, timeout: timeoutOriginal });
  s.peers.set(ep, peer);
  ep.handleDatagram = (now: number, dg: IncomingDatagram) => {
    if (live.on) fuzzBefore(s, ep, dg, now, s.perDatagram, 0);
    try {
      return original(now, dg);
    } catch (e) {
      fail(
        s,
        'real datagram',
        `handleDatagram threw on a real datagram: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      return { kind: 'dropped' as const };
    }
  };
  ep.handleTimeout = (now: number) => {
    try {
      timeoutOriginal(now);
    } catch (e) {
      fail(s, 'timer', `handleTimeout threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  };
}

/** The datagrams of one clean run (another pair, other cookies and keys): "messages from another SA". */
function donorRun(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const aggressive of [false, true]) {
    const { net, a } = makePair(
      { aggressive, connExtra: 'dpd_delay = 10s' },
      undefined,
      `donor-${aggressive}`,
    );
    net.tap = (_from, t) => out.push(Buffer.from(t.data));
    a.initiate(0, 'gw', 'net');
    net.run(40_000);
    a.terminate(net.now, 'gw');
    net.run(net.now + 5_000);
  }
  return out;
}

let donorCache: Uint8Array[] | undefined;

/**
 * One scenario: phase 1 and a Quick Mode from a, a child deleted and brought up again from b (Quick
 * Mode the other way, Informational Delete), DPD rounds, notifies both ways, the ISAKMP SA deleted;
 * every datagram received on the way is fuzzed. Then the liveness check, without mutants.
 */
export function runScenario(seed: number, index: number, stats: StatefulStats, perDatagram = 20): void {
  const r = rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  donorCache ??= donorRun();
  const auth = authMethodOf(index);
  const s: Scene = {
    seed,
    index,
    r,
    stats,
    history: [],
    donor: donorCache,
    perDatagram,
    auth,
    handlers: new Map(),
    peers: new Map(),
    step: 0,
  };
  const o = { ...options(r), ...authOptions(auth) };
  const { net, a, b } = makePair(o, undefined, `fuzz-${seed}-${index}`);
  const live = { on: true };
  intercept(s, a, b, live);
  intercept(s, b, a, live);
  const run = (ms: number) => {
    try {
      net.run(net.now + ms);
    } catch (e) {
      fail(s, 'network', `the simulation did not settle: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  a.initiate(net.now, 'gw', 'net');
  run(20_000);
  const bChild = b.childSaList()[0];
  if (bChild !== undefined) b.terminate(net.now, `child:${bChild.id}`);
  run(2_000);
  b.initiate(net.now, 'gw', 'net');
  run(25_000);
  for (const [ep, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    const sa = ep.ikeSas.all().find((x) => x.state === 'established');
    const types = [NotifyType.INITIAL_CONTACT, NotifyType.INVALID_SPI, NotifyType.NO_PROPOSAL_CHOSEN, 40_001];
    if (sa !== undefined && peer !== undefined) {
      sendInformational(sa, [isakmpNotify(sa, types[r.int(types.length)] ?? 40_001)], ep);
      run(1_000);
    }
  }
  a.terminate(net.now, 'gw');
  run(60_000);
  live.on = false;
  if (process.env.FUZZ_DEBUG)
    console.log(`a:\n${net.logsOf('a').join('\n')}\nb:\n${net.logsOf('b').join('\n')}`);
  // Liveness: after the mutants, both endpoints still run a whole legitimate exchange.
  a.terminateAll(net.now);
  b.terminateAll(net.now);
  run(60_000);
  const upA = net.eventsOf('a', 'child-sa-up').length;
  const upB = net.eventsOf('b', 'child-sa-up').length;
  a.initiate(net.now, 'gw', 'net');
  run(30_000);
  const newA = net.eventsOf('a', 'child-sa-up').slice(upA);
  const newB = net.eventsOf('b', 'child-sa-up').slice(upB);
  const ca = newA[0]?.type === 'child-sa-up' ? newA[0].sa : undefined;
  const cb = newB[0]?.type === 'child-sa-up' ? newB[0].sa : undefined;
  if (ca === undefined || cb === undefined || ca.spiIn !== cb.spiOut || ca.spiOut !== cb.spiIn)
    fail(
      s,
      'liveness',
      `no legitimate exchange after the mutants (${JSON.stringify(o)})\n  a: ${net.logsOf('a').slice(-6).join('\n     ')}\n  b: ${net.logsOf('b').slice(-6).join('\n     ')}`,
    );
  stats.scenarios++;
}

/** Runs scenarios until `datagrams` mutants were tried or `deadline` (ms, Date.now) passed. */
export function runStateful(
  seed: number,
  limits: { datagrams?: number; deadline?: number; firstScenario?: number; scenarios?: number },
  stats: StatefulStats = newStats(),
  progress?: (stats: StatefulStats) => void,
  perDatagram = 20,
): StatefulStats {
  const last =
    limits.scenarios === undefined
      ? Number.POSITIVE_INFINITY
      : (limits.firstScenario ?? 0) + limits.scenarios;
  for (let i = limits.firstScenario ?? 0; i < last; i++) {
    if (limits.datagrams !== undefined && stats.datagrams >= limits.datagrams) break;
    if (limits.deadline !== undefined && Date.now() >= limits.deadline) break;
    runScenario(seed, i, stats, perDatagram);
    progress?.(stats);
  }
  return stats;
}

/** The report: datagrams per state, per kind of mutant, failures with their replay command. */
export function formatStats(stats: StatefulStats, seconds: number): string {
  const lines = [
    `stateful fuzzer: ${stats.scenarios} scenarios, ${stats.datagrams} datagrams in ${seconds.toFixed(1)} s (${Math.round(stats.datagrams / Math.max(seconds, 0.001))}/s), slowest ${stats.slowest.toFixed(1)} ms`,
    'datagrams tried per receiving state:',
  ];
  for (const [k, n] of [...stats.perState].sort((x, y) => x[0].localeCompare(y[0])))
    lines.push(`  ${k.padEnd(34)} ${n}`);
  lines.push('mutants by kind:');
  for (const [k, n] of [...stats.perKind].sort((x, y) => y[1] - x[1])) lines.push(`  ${k.padEnd(50)} ${n}`);
  lines.push('mutants by phase 1 authentication:');
  for (const [k, n] of stats.perAuth) lines.push(`  ${k.padEnd(34)} ${n}`);
  lines.push(`failures: ${stats.failures.length}`);
  for (const f of stats.failures.slice(0, 20))
    lines.push(
      `  [${f.state}] ${f.what}\n  replay: npm run fuzz -- --stateful --seed ${f.seed} --scenario ${f.scenario} (step ${f.step})`,
    );
  return lines.join('\n');
}
