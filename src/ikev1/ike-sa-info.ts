/**
 * The snapshot of an ISAKMP SA that events, listings and the SA database carry (IkeSaInfo,
 * src/sa/types.ts). The SA database keeps one per established SA for its life, so what many SAs
 * have alike (the suite, the NAT flags, the local identity) is one shared frozen object or string,
 * not a copy each (issue 12: memory per SA); the keys are read from the engine when asked for.
 */
import { formatIdentity } from '../config/identity.js';
import type { IkeSaInfo, IkeSaKeys, IkeSuiteInfo } from '../sa/types.js';
import { authMethodName } from './phase1/auth/methods.js';
import { localIdentity } from './phase1/phase1-common.js';
import { type Phase1Suite, suiteName } from './phase1/phase1-proposal.js';
import type { IkeSa } from './sa/ike-sa.js';
import { Shared, sharedText } from './sa/shared.js';
import { snapshotState } from './states.js';

const suites = new Shared<IkeSuiteInfo>();

const NAT: readonly IkeSaInfo['nat'][] = [0, 1, 2, 3, 4, 5, 6, 7].map((n) =>
  Object.freeze({ local: (n & 1) !== 0, remote: (n & 2) !== 0, encapsulated: (n & 4) !== 0 }),
);

function suiteInfo(suite: Phase1Suite): IkeSuiteInfo {
  const auth = authMethodName(suite.authMethod);
  const proposal = suiteName(suite);
  return suites.get(`${proposal}/${auth}`, () =>
    Object.freeze({
      encryption: suite.encryption.keyword,
      hash: suite.hash.keyword,
      dhGroup: suite.group.keyword,
      auth,
      proposal,
    }),
  );
}

/** SKEYID_d, _a, _e and Ka in hex, for `list-sas --show-keys` and Wireshark; never logged. */
export function ikeSaKeys(sa: IkeSa): IkeSaKeys | undefined {
  const keys = sa.keys;
  if (keys === undefined) return undefined;
  return {
    skeyidD: keys.skeyid.skeyidD.toString('hex'),
    skeyidA: keys.skeyid.skeyidA.toString('hex'),
    skeyidE: keys.skeyid.skeyidE.toString('hex'),
    encryptionKey: keys.ka.toString('hex'),
  };
}

export function ikeSaInfo(sa: IkeSa): IkeSaInfo {
  return {
    id: sa.id,
    connection: sa.connection.name,
    role: sa.role,
    exchange: sa.exchange,
    state: snapshotState(sa.state),
    initiatorCookie: sa.initiatorCookie.toString('hex'),
    responderCookie: sa.responderCookie.toString('hex'),
    local: sa.local,
    remote: sa.remote,
    // Before the ID payloads are exchanged, the identities the connection will use, not '%any'.
    localId: sharedText(sa.localIdText || formatIdentity(localIdentity(sa))),
    remoteId:
      sa.remoteIdText ||
      (sa.connection.remote.id === undefined ? '' : formatIdentity(sa.connection.remote.id)),
    suite: sa.suite === undefined ? undefined : suiteInfo(sa.suite),
    nat: NAT[
      (sa.localBehindNat ? 1 : 0) | (sa.remoteBehindNat ? 2 : 0) | (sa.floated ? 4 : 0)
    ] as IkeSaInfo['nat'],
    dpd: sa.peerDpd && sa.connection.dpdDelay > 0,
    establishedAt: sa.establishedAt,
    lifetime: sa.suite?.lifeSeconds ?? 0,
    rekeyAt: sa.rekeyAt,
    expiresAt: sa.expiresAt,
    failure: sa.failure,
    failureCode: sa.failureCode,
    keys: ikeSaKeys(sa),
  };
}
