/**
 * Pre-shared key authentication (RFC 2409 sections 5 and 5.4): SKEYID = prf(pre-shared-key, Ni_b |
 * Nr_b); each side proves itself with HASH_I / HASH_R after its ID.
 */
import type { IdentificationPayload, Payload } from '../../../codec/index.js';
import { formatIdentity, type IdentityConfig } from '../../../config/identity.js';
import type { ExchangeContext } from '../../context.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import {
  acceptPeerId,
  expectedRemoteIdentity,
  findPayload,
  localIdentity,
  lookupPsk,
  ourHash,
  ourIdPayload,
  verifyPeerHash,
} from '../phase1-common.js';
import { fail } from '../phase1-outcome.js';
import type { Phase1Authenticator } from './authenticator.js';

export const pskAuthenticator: Phase1Authenticator = {
  family: 'psk',

  offerPayloads(sa, _ctx, { ke, nonce, withId }) {
    const out: Payload[] = [
      { type: 'key_exchange', data: ke },
      { type: 'nonce', data: nonce },
    ];
    if (withId) out.push(ourIdPayload(sa));
    return out;
  },

  peerOffer(_sa, _ctx, payloads) {
    const nonce = findPayload(payloads, 'nonce');
    if (nonce === undefined) return 'no Nonce payload';
    const ke = findPayload(payloads, 'key_exchange')?.data;
    return { nonce: nonce.data, id: findPayload(payloads, 'identification'), ke };
  },

  /**
   * The PSK is found by `remoteId` when the peer's identity is known (Aggressive Mode), else by the
   * configured remote identity or the peer's address (RFC 2409 section 5.4: Main Mode needs the key
   * before the ID arrives). `decoy` (random) stands in for it when an Aggressive Mode responder
   * must not reveal that it has none.
   */
  skeyidSecret(sa: IkeSa, ctx: ExchangeContext, remoteId?: IdentityConfig, decoy?: Buffer) {
    const psk = decoy ?? lookupPsk(sa, ctx, remoteId);
    if (psk === undefined) {
      const who = formatIdentity(remoteId ?? expectedRemoteIdentity(sa));
      return fail(
        'AUTHENTICATION_FAILED',
        `no pre-shared key for '${sa.localIdText || formatIdentity(localIdentity(sa))}' and '${who}'`,
      );
    }
    return { auth: 'psk', psk };
  },

  proofPayloads(sa, _ctx, withId) {
    return withId ? [ourIdPayload(sa), ourHash(sa)] : [ourHash(sa)];
  },

  acceptIdentity(sa: IkeSa, id: IdentificationPayload) {
    return acceptPeerId(sa, id);
  },

  verifyPeer(sa, _ctx, payloads, id) {
    const hash = findPayload(payloads, 'hash');
    if (hash === undefined) return { kind: 'missing', reason: 'the pre-shared keys probably differ' };
    if (sa.state === 'am-wait-3-decoy' || !verifyPeerHash(sa, id, hash.data)) {
      return {
        kind: 'refused',
        notify: 'AUTHENTICATION_FAILED',
        reason: `${sa.isInitiator ? 'HASH_R' : 'HASH_I'} does not verify: the pre-shared keys differ`,
        code: 'bad-hash',
        definitive: false,
      };
    }
    return { kind: 'verified' };
  },
};
