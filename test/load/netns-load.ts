/**
 * `ikets load` as a user runs it, in namespace a of a pair, against a gateway in namespace b: the
 * initiator's swanctl.conf and the command line, its JSON summary parsed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadSummary } from '../../src/load/index.js';
import { type NetnsPair, type RunResult, run } from '../interop/harness/index.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export const LOAD_PSK = 'load-test-psk-0123456789';

/** The initiator: connection `load`, identities c1.load.test, c2.load.test, ... */
export function loadInitiatorConfig(pair: NetnsPair, o: { proposals?: string; esp?: string } = {}): string {
  return `connections {
  load {
    version = 1
    local_addrs = ${pair.a.ipv4}
    remote_addrs = ${pair.b.ipv4}
    proposals = ${o.proposals ?? 'aes128-sha256-x25519'}
    local { auth = psk
      id = c%d.load.test }
    remote { auth = psk
      id = gw.load.test }
    children { net { esp_proposals = ${o.esp ?? 'aes128-sha256'}
      local_ts = ${pair.a.ipv4}/32
      remote_ts = ${pair.b.ipv4}/32 } }
  }
}
secrets { ike-gw { id-1 = gw.load.test
  secret = ${LOAD_PSK} } }
`;
}

/** An ikets gateway for any client identity. */
export function iketsGatewayConfig(pair: NetnsPair, o: { proposals?: string; psk?: string } = {}): string {
  return `connections {
  gw {
    version = 1
    local_addrs = ${pair.b.ipv4}
    proposals = ${o.proposals ?? 'aes128-sha256-x25519'}
    local { auth = psk
      id = gw.load.test }
    remote { auth = psk }
    children { net { esp_proposals = aes128-sha256
      local_ts = ${pair.b.ipv4}/32
      remote_ts = ${pair.a.ipv4}/32 } }
  }
}
secrets { ike-gw { id-1 = gw.load.test
  secret = ${o.psk ?? LOAD_PSK} } }
`;
}

export interface LoadRun {
  readonly result: RunResult;
  readonly summary: LoadSummary;
}

/** Runs `ikets load --json --quiet ARGS` in namespace a with `config`; parses its summary. */
export async function ikets_load(
  pair: NetnsPair,
  dir: string,
  config: string,
  args: readonly string[],
): Promise<LoadRun> {
  const file = join(dir, 'load.conf');
  writeFileSync(file, config, { mode: 0o600 });
  const result = await run(
    'ip',
    [
      'netns',
      'exec',
      pair.a.ns,
      process.execPath,
      MAIN,
      'load',
      '--config',
      file,
      'load',
      ...args,
      '--json',
      '--quiet',
    ],
    { allowFailure: true, timeoutMs: 180_000 },
  );
  let summary: LoadSummary;
  try {
    summary = JSON.parse(result.stdout) as LoadSummary;
  } catch {
    throw new Error(
      `ikets load printed no summary (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return { result, summary };
}

/** Latency percentiles in order, min to max. */
export function ordered(s: LoadSummary): boolean {
  const l = s.latencyMs;
  return l !== null && l.min > 0 && l.min <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max;
}
