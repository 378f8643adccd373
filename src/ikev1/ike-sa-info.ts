/**
 * The snapshot of an ISAKMP SA that events, `list-sas` and the SAD carry (IkeSaInfo): its state,
 * cookies, addresses, identities, suite, NAT and DPD, timers, and the keys for the key log.
 */
import { formatIdentity } from '../config/identity.js';
import type { IkeSaInfo } from '../sa/types.js';
import { authMethodName } from './phase1/auth/methods.js';
import { localIdentity } from './phase1/phase1-common.js';
import { suiteName } from './phase1/phase1-proposal.js';
import type { IkeSa } from './sa/ike-sa.js';
import { snapshotState } from './states.js';

export function ikeSaInfo(sa: IkeSa): IkeSaInfo {
  const keys = sa.keys;
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
    localId: sa.localIdText || formatIdentity(localIdentity(sa)),
    remoteId:
      sa.remoteIdText ||
      (sa.connection.remote.id === undefined ? '' : formatIdentity(sa.connection.remote.id)),
    suite:
      sa.suite === undefined
        ? undefined
        : {
            encryption: sa.suite.encryption.keyword,
            hash: sa.suite.hash.keyword,
            dhGroup: sa.suite.group.keyword,
            auth: authMethodName(sa.suite.authMethod),
            proposal: suiteName(sa.suite),
          },
    nat: { local: sa.localBehindNat, remote: sa.remoteBehindNat, encapsulated: sa.floated },
    dpd: sa.peerDpd && sa.connection.dpdDelay > 0,
    establishedAt: sa.establishedAt,
    lifetime: sa.suite?.lifeSeconds ?? 0,
    rekeyAt: sa.rekeyAt,
    expiresAt: sa.expiresAt,
    failure: sa.failure,
    failureCode: sa.failureCode,
    keys:
      keys === undefined
        ? undefined
        : {
            skeyidD: keys.skeyid.skeyidD.toString('hex'),
            skeyidA: keys.skeyid.skeyidA.toString('hex'),
            skeyidE: keys.skeyid.skeyidE.toString('hex'),
            encryptionKey: keys.ka.toString('hex'),
          },
  };
}
