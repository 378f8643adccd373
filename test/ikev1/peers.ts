/** Two ikets endpoints configured to talk to each other, for the engine tests. */
import assert from 'node:assert/strict';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import type { ComputePolicy } from '../../src/ikev1/compute-queue.js';
import type { EngineSettings } from '../../src/ikev1/context.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { Phase1Credentials } from '../../src/ikev1/phase1/auth/credentials.js';
import type { ChildSaInfo } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { type NetworkConditions, SimulatedNetwork } from '../support/simulated-network.js';

export interface PeerOptions {
  readonly proposals?: string;
  readonly espProposals?: string;
  readonly aggressive?: boolean;
  readonly encap?: boolean;
  readonly pskA?: string;
  readonly pskB?: string;
  readonly ports?: { a: number; b: number };
  readonly childExtra?: string;
  readonly connExtra?: string;
  readonly localTsA?: string;
  readonly remoteTsA?: string;
  readonly settings?: Partial<EngineSettings>;
  /**
   * Signature authentication instead of PSK: each side's credentials, and the lines of its `local`
   * and `remote` sections (default: `certs = <self>.crt`, ids `<self>.ikets.test`).
   */
  readonly pubkey?: {
    readonly a: Phase1Credentials;
    readonly b: Phase1Credentials;
    readonly local?: { readonly a?: string; readonly b?: string };
    readonly remote?: { readonly a?: string; readonly b?: string };
    /** The method of both rounds (default `pubkey`; `pke`, `pke-revised` for SKEME). */
    readonly auth?: 'pubkey' | 'pke' | 'pke-revised';
  };
  /** Which g^xy leave each engine as requests (compute-queue.ts; default: inline). */
  readonly compute?: { readonly a?: ComputePolicy; readonly b?: ComputePolicy };
  /** More connections after `gw`, per side. */
  readonly moreConnections?: { readonly a?: string; readonly b?: string };
}

export function peerConfig(self: 'a' | 'b', o: PeerOptions): string {
  const other = self === 'a' ? 'b' : 'a';
  const ports = o.ports ?? { a: 500, b: 500 };
  const addr = { a: '192.0.2.1', b: '192.0.2.2' };
  const ts =
    self === 'a'
      ? { local: o.localTsA ?? 'dynamic', remote: o.remoteTsA ?? 'dynamic' }
      : { local: o.remoteTsA ?? 'dynamic', remote: o.localTsA ?? 'dynamic' };
  return `
connections {
  gw {
    version = 1
    aggressive = ${o.aggressive ? 'yes' : 'no'}
    local_addrs = ${addr[self]}
    remote_addrs = ${addr[other]}
    local_port = ${ports[self]}
    remote_port = ${ports[other]}
    proposals = ${o.proposals ?? 'aes128-sha256-modp2048'}
    encap = ${o.encap ? 'yes' : 'no'}
    ${o.connExtra ?? ''}
    ${authSections(self, o)}
    children {
      net {
        esp_proposals = ${o.espProposals ?? 'aes128-sha256-modp2048'}
        local_ts = ${ts.local}
        remote_ts = ${ts.remote}
        ${o.childExtra ?? ''}
      }
    }
  }
  ${o.moreConnections?.[self] ?? ''}
}
secrets {
  ike-gw {
    id-a = a.ikets.test
    id-b = b.ikets.test
    secret = "${self === 'a' ? (o.pskA ?? 'shared-secret-0123456789') : (o.pskB ?? 'shared-secret-0123456789')}"
  }
}`;
}

function authSections(self: 'a' | 'b', o: PeerOptions): string {
  const other = self === 'a' ? 'b' : 'a';
  if (o.pubkey === undefined)
    return `local { auth = psk
      id = ${self}.ikets.test }
    remote { auth = psk
      id = ${other}.ikets.test }`;
  const auth = o.pubkey.auth ?? 'pubkey';
  return `local { auth = ${auth}
      ${o.pubkey.local?.[self] ?? `certs = ${self}.crt\n      id = ${self}.ikets.test`} }
    remote { auth = ${auth}
      ${o.pubkey.remote?.[self] ?? `id = ${other}.ikets.test`} }`;
}

/**
 * The pairs answer Aggressive Mode PSK (the daemon-wide opt-in, off by default) unless a test says
 * otherwise: the exchanges are tested in both modes.
 */
export const AGGRESSIVE_OPT_IN = { aggressivePskResponder: true } as const;

export function makePair(o: PeerOptions = {}, conditions?: NetworkConditions, seed = 'pair') {
  const net = new SimulatedNetwork(conditions, seed);
  const ports = o.ports ?? { a: 500, b: 500 };
  const a = new EndpointCore(
    {
      config: parseSwanctlConfig(peerConfig('a', o)),
      random: seededRandom(`${seed}-a`),
      settings: { ...AGGRESSIVE_OPT_IN, ...o.settings },
      nattPort: ports.a === 500 ? 4500 : ports.a + 10000,
      ...(o.pubkey === undefined ? {} : { credentials: o.pubkey.a }),
      ...(o.compute?.a === undefined ? {} : { compute: o.compute.a }),
    },
    0,
  );
  const b = new EndpointCore(
    {
      config: parseSwanctlConfig(peerConfig('b', o)),
      random: seededRandom(`${seed}-b`),
      settings: { ...AGGRESSIVE_OPT_IN, ...o.settings },
      nattPort: ports.b === 500 ? 4500 : ports.b + 10000,
      ...(o.pubkey === undefined ? {} : { credentials: o.pubkey.b }),
      ...(o.compute?.b === undefined ? {} : { compute: o.compute.b }),
    },
    0,
  );
  net.attach('a', a, [
    { address: '192.0.2.1', port: ports.a },
    { address: '192.0.2.1', port: ports.a === 500 ? 4500 : ports.a + 10000 },
  ]);
  net.attach('b', b, [
    { address: '192.0.2.2', port: ports.b },
    { address: '192.0.2.2', port: ports.b === 500 ? 4500 : ports.b + 10000 },
  ]);
  return { net, a, b };
}

/** Each SA of one side has its twin on the other: SPIs and keys crosswise. */
export function assertCrosswise(a: ChildSaInfo[], b: ChildSaInfo[]): void {
  assert.equal(a.length, b.length);
  assert.ok(a.length > 0);
  for (const ca of a) {
    const cb = b.find((x) => x.spiIn === ca.spiOut);
    assert.ok(cb, `peer has the SA with SPI ${ca.spiOut}`);
    assert.equal(cb.spiOut, ca.spiIn);
    assert.equal(cb.keys.encryptionIn, ca.keys.encryptionOut);
    assert.equal(cb.keys.integrityIn, ca.keys.integrityOut);
    assert.equal(cb.keys.encryptionOut, ca.keys.encryptionIn);
    assert.equal(cb.keys.integrityOut, ca.keys.integrityIn);
    assert.notEqual(ca.keys.encryptionIn + ca.keys.integrityIn, ca.keys.encryptionOut + ca.keys.integrityOut);
  }
}
