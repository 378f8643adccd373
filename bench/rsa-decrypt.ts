import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { rsaDecrypt } from '../src/crypto/pke.js';
import type { BenchSuite } from './harness.js';

// RSA PKCS#1 v1.5 decryption with implicit rejection: valid against invalid paddings. The suite
// row gives the two rates side by side ("baseline" is the valid padding); `node
// dist/bench/rsa-decrypt.js [samples]` runs the statistical comparison: interleaved, randomly
// ordered single decryptions of each kind, their medians and Welch's t statistic (|t| well under
// ~3 means no difference this measurement can see; it cannot prove there is none).

function fixtures(): { valid: Buffer; invalid: Buffer; decrypt: (c: Buffer) => Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const valid = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.alloc(32, 0x4e),
  );
  const em = Buffer.alloc(256, 0x4e);
  em[0] = 0;
  em[1] = 2; // type 2 but no zero separator: rejected
  const invalid = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em);
  return { valid, invalid, decrypt: (c) => rsaDecrypt(privateKey, c) };
}

export const rsaDecryptSuite: BenchSuite = {
  name: 'rsa-pkcs1',
  cases: () => {
    const f = fixtures();
    return [
      {
        name: 'RSA-2048 PKCS#1 v1.5 decrypt: invalid padding (vs valid)',
        ikets: () => f.decrypt(f.invalid),
        baseline: () => f.decrypt(f.valid),
      },
    ];
  },
};

function stats(xs: number[]): { median: number; mean: number; variance: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, mean, variance };
}

/** Welch's t statistic of two samples' means (unequal variances). */
export function welch(
  x: { mean: number; variance: number; n: number },
  y: { mean: number; variance: number; n: number },
): number {
  return (x.mean - y.mean) / Math.sqrt(x.variance / x.n + y.variance / y.n);
}

export function compareTimings(samples: number): string {
  const f = fixtures();
  const times: Record<'valid' | 'invalid', number[]> = { valid: [], invalid: [] };
  for (let i = 0; i < 200; i++) f.decrypt(i % 2 === 0 ? f.valid : f.invalid); // warm-up
  for (let i = 0; i < samples; i++) {
    const order: ('valid' | 'invalid')[] = Math.random() < 0.5 ? ['valid', 'invalid'] : ['invalid', 'valid'];
    for (const kind of order) {
      const start = performance.now();
      f.decrypt(kind === 'valid' ? f.valid : f.invalid);
      times[kind].push((performance.now() - start) * 1000);
    }
  }
  // Drop the slowest 5% of each (GC pauses, preemption) before comparing.
  const trim = (xs: number[]): number[] =>
    [...xs].sort((a, b) => a - b).slice(0, Math.floor(xs.length * 0.95));
  const v = stats(trim(times.valid));
  const n = stats(trim(times.invalid));
  const count = Math.floor(samples * 0.95);
  const t = welch({ ...v, n: count }, { ...n, n: count });
  return [
    `samples per kind: ${samples} (fastest 95% kept)`,
    `valid padding:   median ${v.median.toFixed(1)} us, mean ${v.mean.toFixed(1)} us`,
    `invalid padding: median ${n.median.toFixed(1)} us, mean ${n.mean.toFixed(1)} us`,
    `Welch t = ${t.toFixed(2)}`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(compareTimings(Number(process.argv[2] ?? 2000)));
}
