import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EndpointCore } from '../src/ikev1/endpoint.js';
import type { Transmit } from '../src/sa/types.js';
import { certs, type Method, pkePair } from '../test/ikev1/pke-peers.js';
import { welch } from './rsa-decrypt.js';

// SKEME public-key encryption (RFC 2409 5.2/5.3) at the engine level: a responder endpoint handles
// Main Mode message 3 whose nonce (RSA under our key, PKCS#1 v1.5) is one of
//   bad-padding: RSA under our key, block type 1 instead of 2 (the Bleichenbacher probe),
//   other-key:   well padded but under another key, so it decrypts under ours to garbage,
//   valid:       well padded under our key, a nonce other than the initiator's ("wrong key at the
//                sender" seen from here: it decrypts, and the exchange fails at HASH_I),
// then message 5, whose HASH_I fails in all three. For each kind, interleaved and randomly ordered,
// we time the handling of message 3 and of message 5 (handleDatagram and the datagrams it queues)
// and record what the responder sends (count and sizes). Implicit rejection should make the three
// indistinguishable: the same datagrams, times whose Welch t stays small. Measurement on a shared
// machine cannot prove there is no difference; it shows none this run can see.
// `node dist/bench/pke-padding-timing.js [samples per kind]`, or `npm run bench -- --filter pke-padding`.

const NONCE = 10;
type Kind = 'bad-padding' | 'other-key' | 'valid';
const KINDS: readonly Kind[] = ['bad-padding', 'other-key', 'valid'];

/** The body of the first payload of `type` in an unencrypted ISAKMP datagram. */
function payloadBody(data: Uint8Array, type: number): Uint8Array | undefined {
  let next = data[16] ?? 0;
  let at = 28;
  while (next !== 0 && at + 4 <= data.length) {
    const length = ((data[at + 2] ?? 0) << 8) | (data[at + 3] ?? 0);
    if (next === type) return data.subarray(at + 4, at + length);
    next = data[at] ?? 0;
    at += length;
  }
  return undefined;
}

function nonces(): Record<Kind, Buffer> {
  const em = Buffer.alloc(256, 0x33);
  em[0] = 0;
  em[1] = 1; // block type 1 (signatures), not 2: the padding check rejects it
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  return {
    'bad-padding': publicEncrypt({ key: certs.b.x509.publicKey, padding: constants.RSA_NO_PADDING }, em),
    'other-key': publicEncrypt({ key: other, padding: constants.RSA_PKCS1_PADDING }, Buffer.alloc(32, 7)),
    valid: publicEncrypt(
      { key: certs.b.x509.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.alloc(32, 7),
    ),
  };
}

function drain(from: EndpointCore): Transmit[] {
  const out: Transmit[] = [];
  for (let t = from.pollTransmit(); t !== undefined; t = from.pollTransmit()) out.push(t);
  while (from.pollEvent() !== undefined);
  return out;
}

function hand(to: EndpointCore, now: number, ts: readonly Transmit[]): void {
  for (const t of ts) to.handleDatagram(now, { local: t.remote, remote: t.local, data: t.data });
}

interface Sample {
  readonly us3: number;
  readonly us5: number;
  /** What the responder sent after message 3 and after message 5: sizes in bytes. */
  readonly sent: string;
}

/** One exchange up to message 3 (untimed), then messages 3 and 5 with the given nonce (timed). */
function sample(method: Method, nonce: Buffer, seed: string): Sample {
  const { a, b } = pkePair(method, { proposals: 'aes128-sha256-modp2048' }, undefined, seed);
  let now = 1;
  a.initiate(now, 'gw', 'net');
  hand(b, now, drain(a)); // message 1
  hand(a, now, drain(b)); // message 2
  const m3 = drain(a);
  const body = m3.length === 1 ? payloadBody(m3[0]?.data ?? new Uint8Array(0), NONCE) : undefined;
  if (body === undefined || body.length !== nonce.length) throw new Error('no message 3 with an RSA nonce');
  body.set(nonce);
  now += 1;
  let start = performance.now();
  hand(b, now, m3);
  const m4 = drain(b);
  const us3 = (performance.now() - start) * 1000;
  hand(a, now, m4);
  const m5 = drain(a);
  now += 1;
  start = performance.now();
  hand(b, now, m5);
  const m6 = drain(b);
  const us5 = (performance.now() - start) * 1000;
  const sizes = (ts: readonly Transmit[]) => ts.map((t) => t.data.length).join('+') || 'nothing';
  return { us3, us5, sent: `${sizes(m4)} / ${sizes(m5.length === 0 ? [] : m6)}` };
}

function stats(xs: number[]): { median: number; mean: number; variance: number; n: number } {
  const sorted = [...xs].sort((x, y) => x - y).slice(0, Math.floor(xs.length * 0.95));
  const mean = sorted.reduce((x, y) => x + y, 0) / sorted.length;
  const variance = sorted.reduce((x, y) => x + (y - mean) ** 2, 0) / (sorted.length - 1);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, mean, variance, n: sorted.length };
}

export function pkePaddingTimings(
  samples: number,
  methods: readonly Method[] = ['pke', 'pke-revised'],
): string {
  const ct = nonces();
  const lines = [`samples per kind and method: ${samples} (fastest 95% kept); Main Mode, modp2048`];
  for (const method of methods) {
    for (let i = 0; i < 10; i++) sample(method, ct[KINDS[i % 3] ?? 'valid'], `warm-${i}`);
    const times: Record<Kind, { m3: number[]; m5: number[]; sent: Set<string> }> = {
      'bad-padding': { m3: [], m5: [], sent: new Set() },
      'other-key': { m3: [], m5: [], sent: new Set() },
      valid: { m3: [], m5: [], sent: new Set() },
    };
    for (let i = 0; i < samples; i++) {
      const order = [...KINDS].sort(() => Math.random() - 0.5);
      for (const kind of order) {
        // The same seed for the three kinds of round i: the same cookies, keys and initiator.
        const s = sample(method, ct[kind], `s-${i}`);
        times[kind].m3.push(s.us3);
        times[kind].m5.push(s.us5);
        times[kind].sent.add(s.sent);
      }
    }
    lines.push(`${method}:`);
    for (const kind of KINDS) {
      const t = times[kind];
      const m3 = stats(t.m3);
      const m5 = stats(t.m5);
      lines.push(
        `  ${kind.padEnd(11)} message 3 median ${m3.median.toFixed(0)} us, message 5 median ${m5.median.toFixed(0)} us; sent (after 3 / after 5): ${[...t.sent].join(', ')}`,
      );
    }
    for (const other of ['other-key', 'valid'] as const) {
      const t3 = welch(stats(times['bad-padding'].m3), stats(times[other].m3));
      const t5 = welch(stats(times['bad-padding'].m5), stats(times[other].m5));
      lines.push(`  Welch t bad-padding vs ${other}: message 3 ${t3.toFixed(2)}, message 5 ${t5.toFixed(2)}`);
    }
  }
  return lines.join('\n');
}

/** For bench/main.ts: printed as its own report, like the flood. */
export function pkePaddingReport(filter?: string, samples = 150): string | undefined {
  const name = 'ikev1 pke-padding timing, Main Mode responder';
  if (filter !== undefined && !name.includes(filter)) return undefined;
  return `${name}\n${pkePaddingTimings(samples)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(pkePaddingTimings(Number(process.argv[2] ?? 300)));
}
