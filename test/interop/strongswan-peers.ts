/**
 * ikets (in namespace a, 10.231.0.1) against strongSwan's charon (in namespace b, 10.231.0.2): the
 * configurations of both sides for one scenario, starting both, and the check that their SA listings
 * agree (cookies, crosswise SPIs, algorithms, state, UDP encapsulation).
 */
import * as assert from 'node:assert/strict';
import {
  type Charon,
  hostToHost,
  type IkeSaInfo,
  type NetnsPair,
  type SaListing,
  type SwanctlSection,
  startCharon,
  waitUntil,
} from './harness/index.js';
import { IketsPeer, type PeerChildSa, type PeerIkeSa } from './ikets-peer-client.js';

export const PSK = 'ikets-interop-psk-0123456789';
export const CONN = 'gw';

/** What charon prints for the negotiated algorithms (`swanctl --list-sas --raw`). */
export interface CharonIkeAlgs {
  readonly encrAlg: string;
  readonly encrKeysize?: number;
  readonly integAlg: string;
  readonly prfAlg: string;
  readonly dhGroup: string;
}
export interface CharonEspAlgs {
  readonly encrAlg: string;
  readonly encrKeysize?: number;
  readonly integAlg: string;
  readonly dhGroup?: string;
}

export interface Scenario {
  /** IKE proposal on both sides, e.g. `aes128-sha256-modp2048`. */
  readonly proposals: string;
  readonly esp: string;
  readonly aggressive?: boolean;
  readonly iketsPsk?: string;
  readonly charonPsk?: string;
  /** What ikets reports as its suite (`curve25519` where the proposal said `x25519`). */
  readonly iketsProposal?: string;
  readonly charonIke?: CharonIkeAlgs;
  readonly charonEsp?: CharonEspAlgs;
  /** Extra keys for charon's connection and child sections (e.g. `dpd_delay`, `rekey_time`). */
  readonly charonConn?: SwanctlSection;
  readonly charonChild?: SwanctlSection;
  /** charon's own proposals where they differ from ikets' (`proposals`, `esp`). */
  readonly charonProposals?: string;
  readonly charonEspProposals?: string;
  /** ikets' traffic selectors (default dynamic); charon's come with `charonChild`. */
  readonly iketsTs?: { readonly local: string; readonly remote: string };
  /** Run over IPv6 (fd31::1 <-> fd31::2) instead of IPv4. */
  readonly ipv6?: boolean;
  /** Extra lines for ikets' connection section. */
  readonly iketsConn?: string;
  /** Extra lines for ikets' child section (e.g. `rekey_time = 4s`). */
  readonly iketsChild?: string;
  /** Extra keys for the `charon` section of charon's strongswan.conf (e.g. `fragment_size`). */
  readonly charonSettings?: SwanctlSection;
  /** ikets' engine settings over FAST_SETTINGS (e.g. `fragmentSize`). */
  readonly iketsSettings?: Readonly<Record<string, number>>;
  /** ikets' remote_addrs where it is not charon's address (charon behind a NAT: the public one). */
  readonly iketsRemoteAddr?: string;
}

export const AES128_SHA256: Omit<CharonIkeAlgs, 'dhGroup'> = {
  encrAlg: 'AES_CBC',
  encrKeysize: 128,
  integAlg: 'HMAC_SHA2_256_128',
  prfAlg: 'PRF_HMAC_SHA2_256',
};
export const ESP_AES128_SHA256: CharonEspAlgs = {
  encrAlg: 'AES_CBC',
  encrKeysize: 128,
  integAlg: 'HMAC_SHA2_256_128',
};

/** ikets' swanctl.conf for the scenario (ikets' own parser reads it). */
export function iketsConfig(pair: NetnsPair, s: Scenario): string {
  return `connections {
  ${CONN} {
    version = 1
    aggressive = ${s.aggressive ? 'yes' : 'no'}
    local_addrs = ${s.ipv6 ? pair.a.ipv6 : pair.a.ipv4}
    remote_addrs = ${s.iketsRemoteAddr ?? (s.ipv6 ? pair.b.ipv6 : pair.b.ipv4)}
    proposals = ${s.proposals}
    ${s.iketsConn ?? ''}
    local {
      auth = psk
      id = a.ikets.test
    }
    remote {
      auth = psk
      id = b.ikets.test
    }
    children {
      ${CONN} {
        esp_proposals = ${s.esp}
        local_ts = ${s.iketsTs?.local ?? 'dynamic'}
        remote_ts = ${s.iketsTs?.remote ?? 'dynamic'}
        mode = tunnel
        ${s.iketsChild ?? ''}
      }
    }
  }
}
secrets {
  ike-gw {
    id-a = a.ikets.test
    id-b = b.ikets.test
    secret = "${s.iketsPsk ?? PSK}"
  }
}
`;
}

export interface Peers {
  readonly charon: Charon;
  readonly ikets: IketsPeer;
  stop(): Promise<void>;
}

/** Short retransmissions and half-open timeout, so failure cases end within a few seconds. */
export const FAST_SETTINGS = {
  retransmitTimeout: 1000,
  retransmitBase: 1.4,
  retransmitTries: 2,
  halfOpenTimeout: 3000,
};

/** Starts charon in b and ikets in a, both configured for the scenario. */
export async function startPeers(pair: NetnsPair, s: Scenario): Promise<Peers> {
  const charon = await startCharon({
    name: 'b',
    netns: pair.b.ns,
    log: { ike: 2, cfg: 1 },
    ...(s.charonSettings === undefined ? {} : { charon: s.charonSettings }),
    swanctl: hostToHost({
      name: CONN,
      version: 1,
      localAddr: s.ipv6 ? pair.b.ipv6 : pair.b.ipv4,
      remoteAddr: s.ipv6 ? pair.a.ipv6 : pair.a.ipv4,
      localId: 'b.ikets.test',
      remoteId: 'a.ikets.test',
      auth: 'psk',
      psk: s.charonPsk ?? PSK,
      proposals: s.charonProposals ?? s.proposals,
      espProposals: s.charonEspProposals ?? s.esp,
      aggressive: s.aggressive,
      ...(s.charonConn === undefined ? {} : { extra: s.charonConn }),
      ...(s.charonChild === undefined ? {} : { childExtra: s.charonChild }),
    }),
  });
  let ikets: IketsPeer;
  try {
    ikets = await IketsPeer.start({
      netns: pair.a.ns,
      address: s.ipv6 ? pair.a.ipv6 : pair.a.ipv4,
      config: iketsConfig(pair, s),
      settings: { ...FAST_SETTINGS, ...s.iketsSettings },
    });
  } catch (error) {
    await charon.stop();
    throw error;
  }
  return {
    charon,
    ikets,
    async stop() {
      await ikets.stop();
      await charon.stop();
    },
  };
}

/** Both logs, for assertion messages. */
export function logsOf(p: Peers): string {
  const charon = p.charon
    .readLog()
    .split('\n')
    .filter((l) => /\[(IKE|NET|CFG)\]/.test(l) && !/vici|CFG\] {3}/.test(l))
    .join('\n');
  return `--- ikets ---\n${p.ikets.logs()}\n--- charon ---\n${charon}`;
}

/** Waits for charon to list an IKE SA with a CHILD SA installed (or none, with `empty`). */
export async function charonSas(charon: Charon, empty = false, timeoutMs = 3000): Promise<SaListing> {
  let listing: SaListing = { ikeSas: [] };
  await waitUntil(async () => {
    listing = await charon.listSas();
    return empty
      ? listing.ikeSas.length === 0
      : listing.ikeSas[0]?.childSas.some((c) => c.state === 'INSTALLED') === true;
  }, timeoutMs);
  return listing;
}

function checkIke(ike: PeerIkeSa, sw: IkeSaInfo, s: Scenario, iketsInitiates: boolean, why: string): void {
  assert.equal(ike.state, 'established', why);
  assert.equal(sw.state, 'ESTABLISHED', why);
  assert.equal(sw.version, 1);
  assert.equal(ike.role, iketsInitiates ? 'initiator' : 'responder');
  assert.equal(sw.initiator, !iketsInitiates);
  assert.equal(ike.exchange, s.aggressive ? 'aggressive' : 'main');
  assert.equal(ike.initiatorCookie, sw.initiatorSpi, 'initiator cookie');
  assert.equal(ike.responderCookie, sw.responderSpi, 'responder cookie');
  assert.equal(ike.localId, 'a.ikets.test');
  assert.equal(ike.remoteId, 'b.ikets.test');
  assert.equal(sw.localId, 'b.ikets.test');
  assert.equal(sw.remoteId, 'a.ikets.test');
  assert.equal(ike.suite?.proposal, s.iketsProposal ?? s.proposals);
  if (s.charonIke !== undefined) {
    assert.equal(sw.encrAlg, s.charonIke.encrAlg);
    assert.equal(sw.encrKeysize, s.charonIke.encrKeysize);
    assert.equal(sw.integAlg, s.charonIke.integAlg);
    assert.equal(sw.prfAlg, s.charonIke.prfAlg);
    assert.equal(sw.dhGroup, s.charonIke.dhGroup);
  }
  // charon with kernel-libipsec fakes a NAT: both sides float to 4500 (RFC 3947 section 4)
  assert.ok(ike.nat.encapsulated, 'ikets floated to NAT-T');
  assert.ok(ike.nat.remote, 'ikets sees the faked NAT on charon’s side');
  assert.equal(sw.raw['nat-fake'], 'yes', 'charon fakes its own NAT');
  assert.ok(sw.natAny);
  assert.deepEqual([ike.local.port, ike.remote.port], [4500, 4500]);
  assert.deepEqual([sw.localPort, sw.remotePort], [4500, 4500]);
  assert.equal(sw.localHost, ike.remote.address);
  assert.equal(sw.remoteHost, ike.local.address);
}

function checkChild(child: PeerChildSa, sw: IkeSaInfo, s: Scenario): void {
  const swChild = sw.childSas[0];
  assert.ok(swChild, 'charon lists a CHILD SA');
  assert.equal(swChild.state, 'INSTALLED');
  assert.equal(swChild.protocol, 'ESP');
  assert.equal(swChild.mode, 'TUNNEL');
  assert.equal(swChild.encap, true, 'charon: TUNNEL-in-UDP');
  assert.equal(child.protocol, 'esp');
  assert.equal(child.mode, 'tunnel');
  assert.equal(child.encapsulation, true);
  assert.equal(child.spiIn, swChild.spiOut, 'ikets inbound SPI == charon outbound SPI');
  assert.equal(child.spiOut, swChild.spiIn, 'ikets outbound SPI == charon inbound SPI');
  assert.equal(child.proposal, s.esp);
  if (s.charonEsp !== undefined) {
    assert.equal(swChild.encrAlg, s.charonEsp.encrAlg);
    assert.equal(swChild.encrKeysize, s.charonEsp.encrKeysize);
    assert.equal(swChild.integAlg, s.charonEsp.integAlg);
    assert.equal(swChild.dhGroup, s.charonEsp.dhGroup);
  }
  assert.deepEqual(child.localTs, swChild.remoteTs);
  assert.deepEqual(child.remoteTs, swChild.localTs);
}

/** Asserts that ikets and charon list the same ISAKMP SA and CHILD SA. */
export async function assertAgree(p: Peers, s: Scenario, iketsInitiates: boolean): Promise<void> {
  const listing = await charonSas(p.charon);
  const mine = await p.ikets.list();
  const why = logsOf(p);
  assert.equal(listing.ikeSas.length, 1, `charon lists one IKE SA\n${why}`);
  assert.equal(mine.ike.length, 1, `ikets lists one ISAKMP SA\n${why}`);
  const [ike, sw] = [mine.ike[0], listing.ikeSas[0]];
  assert.ok(ike && sw);
  checkIke(ike, sw, s, iketsInitiates, why);
  assert.equal(mine.children.length, 1, `ikets lists one CHILD SA\n${why}`);
  const child = mine.children[0];
  assert.ok(child);
  assert.equal(child.ikeSaId, ike.id);
  checkChild(child, sw, s);
}

/** Brings the tunnel up from `who` and waits until ikets has installed the CHILD SA. */
export async function establish(p: Peers, who: 'ikets' | 'charon'): Promise<void> {
  const from = p.ikets.events.length;
  if (who === 'ikets') p.ikets.initiate(CONN, CONN);
  else await p.charon.initiate(CONN, { timeoutS: 10 });
  try {
    await p.ikets.waitFor((e) => e.type === 'child-sa-up', 10_000, from);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${logsOf(p)}`);
  }
}
