/**
 * Signature authentication (RFC 2409 section 5.1; RSA, DSS, and ECDSA of RFC 4754): SKEYID =
 * prf(Ni_b | Nr_b, g^xy); each side sends its ID, its certificates (RFC 4945) and SIG_I / SIG_R, a
 * signature over HASH_I / HASH_R. CERT-REQ payloads with the offer name the CAs we trust.
 */
import type { KeyObject } from 'node:crypto';
import type { IdentificationPayload, Payload } from '../../../codec/index.js';
import { formatIdentity, identityMatches } from '../../../config/identity.js';
import {
  dssSignHash,
  dssVerifyHash,
  ecdsaSignHash,
  ecdsaVerifyHash,
  hashI,
  hashR,
  rsaSignHash,
  rsaVerifyHash,
  type SignatureMethod,
  signatureHashPrf,
} from '../../../crypto/index.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import { identificationPayload, identityOf } from '../identity.js';
import { findPayload, payloadBody, phase1HashInput } from '../phase1-common.js';
import { fail } from '../phase1-outcome.js';
import type { PeerProof, Phase1Authenticator } from './authenticator.js';
import { certificatePayloads, certificateRequests, notifyFor, peerCertificates } from './certificates.js';
import { settleCandidates } from './connection-settle.js';
import type { LocalCredential } from './credentials.js';
import { authMethodOfKey, signatureMethod } from './methods.js';

/** Our ID payload: `local.id`, or our certificate's subject as an ID_DER_ASN1_DN (as strongSwan). */
function ourSignatureId(sa: IkeSa, credential: LocalCredential): IdentificationPayload {
  const configured = sa.connection.local.id;
  const payload: IdentificationPayload =
    configured === undefined
      ? {
          type: 'identification',
          protocolId: 0,
          port: 0,
          id: { kind: 'ID_DER_ASN1_DN', data: credential.subjectDer },
        }
      : identificationPayload(configured);
  sa.localIdBody = payloadBody(payload);
  sa.localIdText = configured === undefined ? credential.subject : formatIdentity(configured);
  return payload;
}

function negotiated(sa: IkeSa): SignatureMethod {
  const method = sa.suite === undefined ? undefined : signatureMethod(sa.suite.authMethod);
  if (method === undefined) throw new Error('signature authentication without a signature method');
  return method;
}

/** HASH_I or HASH_R, computed with the HMAC of the signature's hash when one is tied (RFC 2409 5.1). */
function signedHash(sa: IkeSa, idBody: Uint8Array, ofInitiator: boolean): Buffer {
  const input = phase1HashInput(sa, idBody, signatureHashPrf(negotiated(sa), sa.suite!.hash.hash));
  return ofInitiator ? hashI(input) : hashR(input);
}

function signHash(method: SignatureMethod, key: KeyObject, hash: Buffer): Buffer {
  switch (method) {
    case 'rsa':
      return rsaSignHash(key, hash);
    case 'dss':
      return dssSignHash(key, hash);
    default:
      return ecdsaSignHash(key, hash);
  }
}

function verifyHash(method: SignatureMethod, key: KeyObject, hash: Buffer, signature: Uint8Array): boolean {
  switch (method) {
    case 'rsa':
      return rsaVerifyHash(key, hash, signature);
    case 'dss':
      return dssVerifyHash(key, hash, signature);
    default:
      return ecdsaVerifyHash(key, hash, signature);
  }
}

export const signatureAuthenticator: Phase1Authenticator = {
  family: 'signature',

  offerPayloads(sa, ctx, { ke, nonce, withId }) {
    const out: Payload[] = [
      { type: 'key_exchange', data: ke },
      { type: 'nonce', data: nonce },
    ];
    if (withId) {
      const credential = ctx.credentials.local(sa.connection);
      if (credential === undefined)
        return `no private key and certificate for connection '${sa.connection.name}'`;
      out.push(ourSignatureId(sa, credential));
    }
    out.push(...certificateRequests(sa, ctx));
    return out;
  },

  peerOffer(sa, _ctx, payloads) {
    const nonce = findPayload(payloads, 'nonce');
    if (nonce === undefined) return 'no Nonce payload';
    if (payloads.some((p) => p.type === 'certificate_request')) sa.peerRequestedCerts = true;
    const ke = findPayload(payloads, 'key_exchange')?.data;
    return { nonce: nonce.data, id: findPayload(payloads, 'identification'), ke };
  },

  skeyidSecret() {
    return { auth: 'signature' };
  },

  proofPayloads(sa, ctx, withId) {
    const credential = ctx.credentials.local(sa.connection);
    if (credential === undefined || authMethodOfKey(credential.privateKey) !== sa.suite?.authMethod) {
      return fail(
        'AUTHENTICATION_FAILED',
        `no private key for the negotiated method on connection '${sa.connection.name}'`,
      );
    }
    const out: Payload[] = [];
    if (withId) out.push(ourSignatureId(sa, credential));
    out.push(...certificatePayloads(sa, credential));
    const hash = signedHash(sa, sa.localIdBody, sa.isInitiator);
    out.push({ type: 'signature', data: signHash(negotiated(sa), credential.privateKey, hash) });
    return out;
  },

  // The identity is checked with the certificate, in verifyPeer.
  acceptIdentity() {
    return undefined;
  },

  verifyPeer(sa, ctx, payloads, id) {
    // charon as initiator asks for our certificate in message 5, with its own (not in message 3).
    if (payloads.some((p) => p.type === 'certificate_request')) sa.peerRequestedCerts = true;
    const sig = findPayload(payloads, 'signature');
    if (sig === undefined) return { kind: 'missing', reason: 'no SIG payload' };
    const certs = peerCertificates(payloads);
    if (typeof certs !== 'object') return refused('CERT_TYPE_UNSUPPORTED', certs, 'unsupported-encoding');
    const method = negotiated(sa);
    const hash = signedHash(sa, payloadBody(id), !sa.isInitiator);
    const claimed = identityOf(id);
    let first: PeerProof | undefined;
    for (const connection of settleCandidates(sa, ctx)) {
      const expected = connection.remote.id;
      if (expected !== undefined && (claimed === undefined || !identityMatches(expected, claimed))) {
        first ??= refused(
          'INVALID_ID_INFORMATION',
          `peer identity '${claimed === undefined ? id.id.kind : formatIdentity(claimed)}' is not the configured '${formatIdentity(expected)}'`,
          'identity-refused',
        );
        continue;
      }
      const verdict = ctx.credentials.verifyPeer(connection, {
        certificates: certs,
        id: id.id,
        now: ctx.now,
      });
      if (!verdict.ok) {
        first ??= refused(
          notifyFor(verdict.failure),
          `certificate refused (${verdict.failure}): ${verdict.detail}`,
          verdict.failure,
        );
        continue;
      }
      if (authMethodOfKey(verdict.publicKey) !== sa.suite?.authMethod) {
        first ??= refused(
          'AUTHENTICATION_FAILED',
          `the certificate's key cannot make ${method} signatures`,
          'key-type',
        );
        continue;
      }
      if (!verifyHash(method, verdict.publicKey, hash, sig.data)) {
        first ??= refused(
          'INVALID_SIGNATURE',
          `${sa.isInitiator ? 'SIG_R' : 'SIG_I'} does not verify with the key of '${verdict.subject}'`,
          'bad-signature',
        );
        continue;
      }
      if (connection !== sa.connection) {
        ctx.log(
          'info',
          `peer '${verdict.subject}' authenticated: switching to connection '${connection.name}'`,
          sa,
        );
        sa.settleConnection(connection);
      }
      sa.remoteIdText = claimed === undefined ? verdict.subject : formatIdentity(claimed);
      sa.peerIdPayload = id;
      ctx.log('info', `authentication of '${sa.remoteIdText}' with ${method} successful`, sa);
      return { kind: 'verified' };
    }
    return first ?? refused('AUTHENTICATION_FAILED', 'no connection accepts the peer', 'no-connection');
  },
};

function refused(
  notify: Extract<PeerProof, { kind: 'refused' }>['notify'],
  reason: string,
  code: string,
): PeerProof {
  return { kind: 'refused', notify, reason, code, definitive: true };
}
