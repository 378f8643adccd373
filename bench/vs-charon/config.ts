// The configurations of the side-by-side benchmark: strongswan.conf for the charon that generates
// the load (load-tester plugin, initiator threads) and for the charon responder (the same plugin,
// no initiator threads, its fake kernel), and the swanctl.conf of the ikets responder that answers
// the same peers the same way (docs/benchmarks.md, "Side by side with charon").
import { renderSettings, type SwanctlSection } from '../../test/interop/harness/swanctl-conf.js';

export interface DhScenario {
  /** Shown in the table. */
  readonly name: string;
  /** strongSwan's and ikets' keyword (both accept these). */
  readonly keyword: string;
}

export const DH_SCENARIOS: Readonly<Record<string, DhScenario>> = {
  x25519: { name: 'X25519', keyword: 'curve25519' },
  modp2048: { name: 'MODP-2048', keyword: 'modp2048' },
};

/** The load-tester's PSK identities: initiators `c<n>-r1.strongswan.org`, the responder this one. */
export const RESPONDER_ID = 'srv.strongswan.org';
/**
 * The warm-up's initiator identities (`--warmup`): `w<n>-r1.strongswan.org`, the load-tester's
 * `initiator_id` (printf'd with the initiator's number and the authentication round,
 * load_tester_config.c) instead of its default `c<n>-r<round>`. Other identities than the measured
 * setups' `c<n>-r1`, so that their INITIAL-CONTACT finds no warm-up SA to drop; still under the
 * charon responder's default remote identity `*.strongswan.org` (no `initiator_id` on its side),
 * and the ikets responder accepts any remote identity.
 */
export const WARMUP_INITIATOR_ID = 'w%d-r%d.strongswan.org';
const PSK = 'ikets-bench-load-test-psk-0123456789';
const ESP = 'aes128-sha256';

export interface LoadTestOptions {
  readonly initiatorAddress: string;
  readonly responderAddress: string;
  readonly dh: DhScenario;
  readonly runDir: string;
  /** dpd_delay (s) of both sides, 0 or absent: none (`--dpd`). */
  readonly dpd?: number;
}

export interface InitiatorOptions extends LoadTestOptions {
  /** Setups to make in all. */
  readonly setups: number;
  /** Initiator threads of the load-tester. */
  readonly threads: number;
  /** At most this many IKE SAs in phase 1 at a time (load-tester `init_limit`). */
  readonly window: number;
  /** The load-tester's `initiator_id` format (WARMUP_INITIATOR_ID), absent: its default `c<n>-r<round>`. */
  readonly initiatorId?: string;
}

// Crypto from OpenSSL first (its X25519 and MODP too; curve25519 only as a fallback), as the
// openssl plugin serves a stock charon. load-tester before kernel-netlink: with fake_kernel its
// kernel-ipsec stand-in registers first and takes the slot, kernel-netlink still provides the
// kernel-net interface (addresses) the load-tester depends on.
const PLUGINS =
  'random nonce openssl curve25519 pem pkcs1 pkcs8 x509 pubkey kdf load-tester kernel-netlink socket-default vici';

function loadTester(o: LoadTestOptions, extra: SwanctlSection): SwanctlSection {
  return {
    enable: true,
    // IKEv1: Main Mode (the load-tester never asks for Aggressive Mode) + Quick Mode.
    version: 1,
    fake_kernel: true,
    initiator: o.initiatorAddress,
    responder: o.responderAddress,
    initiator_auth: 'psk',
    responder_auth: 'psk',
    preshared_key: PSK,
    proposal: `aes128-sha256-${o.dh.keyword}`,
    esp: ESP,
    ...(o.dpd ? { dpd_delay: o.dpd } : {}),
    // A 0 s IKE lifetime would be proposed as such in IKEv1; 4 h as strongSwan's default, no rekeying
    // during the run.
    ike_rekey: 14_400,
    child_rekey: 3_600,
    ...extra,
  };
}

function charonSection(o: LoadTestOptions, logLevel: number, flushLine: boolean, extra: SwanctlSection) {
  return {
    load: PLUGINS,
    install_routes: false,
    install_virtual_ip: false,
    plugins: { vici: { socket: viciUri(o.runDir) } },
    filelog: {
      main: {
        path: `${o.runDir}/charon.log`,
        default: logLevel,
        append: false,
        flush_line: flushLine,
        // Unix time with milliseconds: the benchmark's clock (progress.ts).
        time_format: '%s',
        time_add_ms: true,
        ike_name: true,
      },
    },
    ...extra,
  };
}

export function viciUri(runDir: string): string {
  return `unix://${runDir}/charon.vici`;
}

/** The smallest power of two >= n. */
export function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The charon responder (`expectedSas`: all it will hold, warm-up included), tuned as strongSwan's docs advise for many IKE SAs ("Tuning IKE SA Lookup"):
 * a hash table of 5-20 IKE SAs a bucket instead of the default single list, locked in segments;
 * its default 16 worker threads; its default log (level 1, to a file here instead of syslog); and a
 * half-open limit per peer address that lets the load generator's window through.
 */
export function responderStrongswanConf(
  o: LoadTestOptions & { readonly expectedSas: number; readonly window: number },
): string {
  const tableSize = powerOfTwoAtLeast(Math.max(64, Math.ceil(o.expectedSas / 8)));
  const charon = charonSection(o, 1, false, {
    ikesa_table_size: tableSize,
    ikesa_table_segments: 16,
    // Half-open IKE SAs a single peer address may have (default 5, beyond which charon drops
    // message 1): all load-test peers share one address. ikets allows 50 (maxHalfOpenPerPeer).
    block_threshold: Math.max(50, 2 * o.window),
  });
  return renderSettings(
    {
      charon: { ...charon, plugins: { ...charon.plugins, 'load-tester': loadTester(o, { initiators: 0 }) } },
    },
    'ikets bench: charon responder, the load-tester plugin for its fake kernel and peer config',
  );
}

/**
 * The load generator: the load-tester's initiator threads each make `setups / threads` setups,
 * a new IKE SA for each (`reuse_ikesa = no`) with its own identity, at most `window` in phase 1
 * at a time. Its log is at level 0 (one line per initiation, IKE SA and CHILD SA), flushed per line:
 * the benchmark counts the CHILD SAs in it.
 */
export function initiatorStrongswanConf(o: InitiatorOptions): string {
  const perThread = Math.ceil(o.setups / o.threads);
  const charon = charonSection(o, 0, true, {
    reuse_ikesa: false,
    ikesa_table_size: powerOfTwoAtLeast(Math.max(64, Math.ceil(o.setups / 8))),
    ikesa_table_segments: 16,
  });
  return renderSettings(
    {
      charon: {
        ...charon,
        plugins: {
          ...charon.plugins,
          'load-tester': loadTester(o, {
            initiators: o.threads,
            iterations: perThread,
            init_limit: o.window,
            // ms between initiations of a thread; also the sleep while `init_limit` is reached (0
            // would spin on a core).
            delay: 1,
            ...(o.initiatorId === undefined ? {} : { initiator_id: o.initiatorId }),
          }),
        },
      },
    },
    'ikets bench: charon with the load-tester as initiator',
  );
}

/** The ikets responder: the same peer config as the load-tester's responder side. */
export function iketsSwanctlConf(o: LoadTestOptions): string {
  return renderSettings(
    {
      connections: {
        'load-test': {
          version: 1,
          local_addrs: o.responderAddress,
          remote_addrs: o.initiatorAddress,
          proposals: `aes128-sha256-${o.dh.keyword}`,
          ...(o.dpd ? { dpd_delay: `${o.dpd}s` } : {}),
          local: { auth: 'psk', id: RESPONDER_ID },
          remote: { auth: 'psk' },
          children: { 'load-test': { esp_proposals: ESP } },
        },
      },
      secrets: { 'ike-load-test': { id: RESPONDER_ID, secret: PSK } },
    },
    'ikets bench: ikets responder for the load-tester',
  );
}
