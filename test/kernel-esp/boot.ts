/**
 * Host side of the qemu harness (test/kernel-esp/run.sh): is a kernel with ESP ready to boot, and
 * one boot of the guest program with its KXFRM-* result lines parsed. Used by the kernel backend's
 * test (test/dataplane/kernel-xfrm.test.ts) and benchmark (bench/kernel.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/test/kernel-esp/boot.js). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = process.env.KESP_CACHE ?? '/var/tmp/kernel-esp';
/** Where the last boot's output is kept. */
export const LOG = `${tmpdir()}/ikets-kernel-esp.log`;

/** Why the kernel tests cannot run here, or undefined when they can. */
export function kernelEspUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'the qemu harness needs Linux on x86-64';
  if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0)
    return 'no qemu-system-x86_64 (run test/kernel-esp/install.sh as root)';
  if (!existsSync(`${CACHE}/vmlinux`) || !existsSync(`${CACHE}/initrd.cpio`))
    return `no kernel with ESP in ${CACHE} (run test/kernel-esp/install.sh as root)`;
  if (!existsSync(`${REPO}dist/test/dataplane/kernel-guest/main.js`)) return 'not built (npm run build)';
  return undefined;
}

export interface GuestLine {
  readonly kind: string;
  readonly value: Record<string, unknown>;
}

export interface GuestRun {
  readonly rc: number;
  readonly wallMs: number;
  readonly lines: readonly GuestLine[];
  readonly output: string;
}

/** Boots the guest once and runs test/kernel-esp/guest-xfrm.sh with `env` (KXFRM_* switches). */
export function runGuest(env: Readonly<Record<string, string>>, timeoutSeconds = 900): Promise<GuestRun> {
  const args = [`${REPO}test/kernel-esp/run.sh`, '--quiet', '--timeout', String(timeoutSeconds)];
  for (const [name, value] of Object.entries(env)) args.push('--env', `${name}=${value}`);
  args.push(`${REPO}test/kernel-esp/guest-xfrm.sh`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('bash', args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('close', (code) => {
      const lines: GuestLine[] = [];
      for (const m of output.matchAll(/^KXFRM-([A-Z]+) (\{.*\})\r?$/gm)) {
        try {
          lines.push({ kind: m[1] ?? '', value: JSON.parse(m[2] ?? '{}') as Record<string, unknown> });
        } catch {
          // a line cut by the console: the test that needs it fails
        }
      }
      // the whole console for a failure's post-mortem (CI keeps /tmp)
      writeFileSync(LOG, output);
      resolve({ rc: code ?? -1, wallMs: performance.now() - started, lines, output });
    });
  });
}
