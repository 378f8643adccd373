/**
 * SA install rate of the kernel backend: 1,000 SA pairs with their in/out policies through
 * XfrmBackend (netlink), beside `ip -batch` installing the same, inside the qemu guest that has
 * kernel ESP (test/kernel-esp; one boot of ~1 min). Under TCG, so the absolute rates are far below
 * a real machine's; the ratio between the two carriers is the useful number. Skipped with a line
 * when qemu or the kernel is missing.
 */
import { kernelEspUnavailable, runGuest } from '../test/kernel-esp/boot.js';
import type { Measurement, Row } from './harness.js';

function rate(perSecond: number, ms: number, operations: number): Measurement {
  return { rate: perSecond, iterations: operations, seconds: ms / 1000 };
}

export async function kernelInstallRows(filter?: string): Promise<Row[]> {
  const name = 'SA install (1000 SA pairs + 2000 policies, qemu TCG guest)';
  if (filter !== undefined && !`kernel ${name}`.includes(filter)) return [];
  const unavailable = kernelEspUnavailable();
  if (unavailable !== undefined) {
    console.log(`kernel install rate: skipped (${unavailable})`);
    return [];
  }
  const run = await runGuest({ KXFRM_BENCH_ONLY: '1' });
  const bench = run.lines.find((l) => l.kind === 'BENCH')?.value;
  if (bench === undefined) {
    console.log(`kernel install rate: the guest printed no result (rc ${run.rc})`);
    return [];
  }
  const n = (k: string): number => Number(bench[k]);
  return [
    {
      suite: 'kernel',
      name: `${name}; baseline: ip -batch`,
      unit: 'SA/s',
      ikets: rate(n('netlinkSasPerSecond'), n('netlinkMs'), 2 * n('pairs')),
      baseline: rate(n('ipBatchSasPerSecond'), n('ipBatchMs'), 2 * n('pairs')),
    },
  ];
}
