/**
 * Authentication with public-key encryption, SKEME style (RFC 2409 section 5.2, RSA_ENCRYPTION)
 * and its revised mode (section 5.3, RSA_REVISED_ENCRYPTION): SKEYID = prf(hash(Ni_b | Nr_b),
 * CKY-I | CKY-R), so only who decrypted the nonces has the keys; HASH_I / HASH_R prove it.
 *
 *   5.2  MM 3 / AM 1: [HASH(1)], KE, <IDii_b>PubKey_r, <Ni_b>PubKey_r      (MM 4 / AM 2 alike, no HASH(1))
 *   5.3  MM 3 / AM 1: [HASH(1)], <Ni_b>PubKey_r, <KE_b>Ke_i, <IDii_b>Ke_i [, <Cert-I_b>Ke_i]
 *   both MM 5 / 6, AM 2 (with the offer) / AM 3: HASH_I / HASH_R alone
 *
 * The ID travels with the nonce, so Main Mode's messages 5 and 6 carry no ID; the responder picks
 * its private key by HASH(1), its connection (and so the peer's key to answer with) by the
 * decrypted ID, and settles on that connection once HASH_I verified. skeme.ts has the shared parts,
 * pke-revised.ts the symmetric ones; docs/ikev1-engine.md the readings of what the RFC leaves open.
 */
import { type IdentificationPayload, type Payload, PayloadType } from '../../../codec/index.js';
import { formatIdentity, identityMatches } from '../../../config/identity.js';
import { equalMacs, hashI, hashR } from '../../../crypto/index.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import { identityOf } from '../identity.js';
import { findPayload, ourHash, phase1HashInput } from '../phase1-common.js';
import type { PeerProof, Phase1Authenticator } from './authenticator.js';
import { keChain } from './pke-revised.js';
import {
  chooseOwnKey,
  connectionForId,
  hash1Of,
  openRsa,
  peerKeyOf,
  readIdBody,
  receivedBody,
  type SkemeExchange,
  type SkemeFailure,
  type SkemeNote,
  sealRsa,
  skemeHash,
  skemeLocalId,
} from './skeme.js';

const EMPTY = new Uint8Array(0);

/** An ID body that does not read as an ID, as a payload for the flow (it matches no identity). */
function unreadableId(body: Uint8Array): IdentificationPayload {
  return { type: 'identification', protocolId: 0, port: 0, id: { kind: 'unknown', idType: 0, data: body } };
}

function refused(
  notify: Extract<PeerProof, { kind: 'refused' }>['notify'],
  reason: string,
  code: SkemeFailure,
): PeerProof {
  // The message decrypted under keys only our nonce partner has: its proof really failed.
  return { kind: 'refused', notify, reason, code, definitive: true };
}

/** Why a message of the peer did not decrypt under the phase 1 keys, for our log only. */
export function skemeDiagnosis(sa: IkeSa): SkemeNote {
  return (
    sa.skeme?.notes[0] ?? {
      code: 'keys-differ',
      text: "the nonces differ: ours did not decrypt under the peer's key, or a nonce or KE was changed on the way",
    }
  );
}

function skemeAuthenticator(revised: boolean): Phase1Authenticator {
  const name = revised ? 'pke-revised' : 'pke';
  return {
    family: 'pke',

    offerPayloads(sa, ctx, { ke, nonce }) {
      let x = sa.skeme;
      if (x === undefined) {
        // The initiator: our key and the peer's, both configured in advance (section 5.2).
        const own = ctx.credentials.local(sa.connection);
        if (own === undefined || own.privateKey.asymmetricKeyType !== 'rsa')
          return `no RSA private key for connection '${sa.connection.name}'`;
        const peerKey = peerKeyOf(ctx, sa.connection);
        if (peerKey === undefined)
          return `no RSA public key of the peer for connection '${sa.connection.name}' (remote certs or pubkeys)`;
        x = { revised, own, connection: sa.connection, peerKey, peerIdBody: EMPTY, notes: [] };
        sa.skeme = x;
      }
      skemeLocalId(sa, x.connection, x.own);
      const out: Payload[] = [];
      if (sa.isInitiator) out.push({ type: 'hash', data: hash1Of(skemeHash(sa), x.peerKey) });
      const sealedNonce = sealRsa(x.peerKey, nonce);
      if (typeof sealedNonce === 'string') return sealedNonce;
      if (!revised) {
        const sealedId = sealRsa(x.peerKey, sa.localIdBody);
        if (typeof sealedId === 'string') return `our ID: ${sealedId}`;
        out.push(
          { type: 'key_exchange', data: ke },
          { type: 'sealed', payloadType: PayloadType.IDENTIFICATION, data: sealedId },
          { type: 'nonce', data: sealedNonce },
        );
        return out;
      }
      const chain = keChain(sa, sa.isInitiator, nonce);
      out.push(
        { type: 'nonce', data: sealedNonce },
        { type: 'key_exchange', data: chain.seal(ke) },
        { type: 'sealed', payloadType: PayloadType.IDENTIFICATION, data: chain.seal(sa.localIdBody) },
      );
      // Section 5.3: the initiator "may optionally send a certificate payload" (here: send_cert = always).
      const cert = x.own.certificates[0];
      if (sa.isInitiator && cert !== undefined && sa.connection.sendCert === 'always') {
        const sealed = chain.seal(Buffer.concat([Buffer.from([4]), cert]));
        out.push({ type: 'certificate', encoding: sealed[0] ?? 0, data: sealed.subarray(1) });
      }
      return out;
    },

    peerOffer(sa, ctx, payloads) {
      const noncePayload = findPayload(payloads, 'nonce');
      const idPayload = payloads.find((p) => p.type === 'identification' || p.type === 'sealed');
      if (noncePayload === undefined || idPayload === undefined) return 'no Nonce and ID payloads';
      const notes: SkemeNote[] = [...(sa.skeme?.notes ?? [])];
      let own = sa.skeme?.own;
      let connections = sa.skeme === undefined ? undefined : [sa.skeme.connection];
      if (own === undefined) {
        if (sa.isInitiator) return 'no SKEME exchange in progress';
        const chosen = chooseOwnKey(sa, ctx, findPayload(payloads, 'hash')?.data);
        if (chosen === undefined) return `no RSA private key for connection '${sa.connection.name}'`;
        own = chosen.own;
        connections = chosen.connections;
        if (chosen.note !== undefined) notes.push(chosen.note);
      }
      const nonce = openRsa(own, noncePayload.data);
      if (nonce.rejected)
        notes.push({
          code: 'nonce-rejected',
          text: "the peer's nonce did not decrypt under our key (its PKCS#1 v1.5 padding is wrong)",
        });
      let idBody: Uint8Array = EMPTY;
      let ke = findPayload(payloads, 'key_exchange')?.data;
      let certificate: Uint8Array | undefined;
      if (!revised) {
        const id = openRsa(own, receivedBody(idPayload));
        if (id.rejected)
          notes.push({ code: 'id-rejected', text: "the peer's ID did not decrypt under our key" });
        idBody = id.body;
      } else {
        // Our reading of "all payloads following the encrypted nonce": KE, ID and CERT, in the
        // order they come (Vendor IDs, NAT-D and notifies travel in the clear).
        const chain = keChain(sa, !sa.isInitiator, nonce.body);
        let padded = true;
        for (const p of payloads) {
          if (
            p.type !== 'key_exchange' &&
            p.type !== 'identification' &&
            p.type !== 'sealed' &&
            p.type !== 'certificate'
          )
            continue;
          const opened = chain.open(p.type === 'key_exchange' ? p.data : receivedBody(p));
          if (opened === undefined) return `a ${p.type} body that is not a whole number of cipher blocks`;
          padded &&= opened.padded;
          if (p.type === 'key_exchange') ke = opened.body;
          else if (p.type === 'certificate') certificate = opened.body;
          else idBody = opened.body;
        }
        if (!padded)
          notes.push({
            code: 'ke-padding',
            text: `a payload under ${sa.isInitiator ? 'Ke_r' : 'Ke_i'} has a wrong padding (a wrong nonce, or a changed payload)`,
          });
      }
      const parsed = readIdBody(idBody);
      if (parsed === undefined)
        notes.push({ code: 'id-unreadable', text: "the peer's ID did not decrypt to an ID payload body" });
      let x: SkemeExchange;
      if (sa.skeme === undefined) {
        const connection = connectionForId(connections ?? [], parsed);
        const sent = certificate?.[0] === 4 ? certificate.subarray(1) : undefined;
        const peerKey = connection === undefined ? undefined : peerKeyOf(ctx, connection, sent);
        if (connection === undefined || peerKey === undefined)
          return `no RSA public key of the peer for connection '${sa.connection.name}'`;
        x = { revised, own, connection, peerKey, peerIdBody: idBody, notes };
      } else {
        x = { ...sa.skeme, peerIdBody: idBody, notes };
      }
      sa.skeme = x;
      sa.peerOfferedId = parsed ?? unreadableId(idBody);
      // For our log when the exchange is given up; nothing sent depends on it.
      const first = notes[0];
      if (first !== undefined) {
        sa.failure = `phase 1 cannot complete: ${first.text}`;
        sa.failureCode = first.code;
      }
      return { nonce: nonce.body, id: sa.peerOfferedId, ke };
    },

    skeyidSecret() {
      return { auth: 'pke' };
    },

    proofPayloads(sa) {
      return [ourHash(sa)];
    },

    // The identity is checked once HASH_I / HASH_R verified, in verifyPeer: a refusal before would
    // tell whether the ID decrypted (a padding oracle).
    acceptIdentity() {
      return undefined;
    },

    verifyPeer(sa, ctx, payloads) {
      const x = sa.skeme;
      const received = findPayload(payloads, 'hash');
      if (x === undefined || received === undefined) return { kind: 'missing', reason: 'no HASH payload' };
      const input = phase1HashInput(sa, x.peerIdBody);
      const which = sa.isInitiator ? 'HASH_R' : 'HASH_I';
      if (!equalMacs(sa.isInitiator ? hashR(input) : hashI(input), received.data)) {
        const why = x.notes[0];
        return refused(
          'AUTHENTICATION_FAILED',
          `${which} does not verify: ${why?.text ?? "the peer's ID or KE did not arrive as sent"}`,
          why?.code ?? 'bad-hash',
        );
      }
      const parsed = readIdBody(x.peerIdBody);
      const claimed = parsed === undefined ? undefined : identityOf(parsed);
      if (parsed === undefined || claimed === undefined)
        return refused(
          'INVALID_ID_INFORMATION',
          "the peer's ID is of a type ikets does not use",
          'id-unreadable',
        );
      const expected = x.connection.remote.id;
      if (expected !== undefined && !identityMatches(expected, claimed))
        return refused(
          'INVALID_ID_INFORMATION',
          `peer identity '${formatIdentity(claimed)}' is not the configured '${formatIdentity(expected)}'`,
          'identity-refused',
        );
      if (!sa.isInitiator && x.connection !== sa.connection) {
        ctx.log(
          'info',
          `peer '${formatIdentity(claimed)}' authenticated: switching to connection '${x.connection.name}'`,
          sa,
        );
        sa.settleConnection(x.connection);
      }
      sa.remoteIdText = formatIdentity(claimed);
      sa.peerIdPayload = parsed;
      ctx.log(
        'info',
        `authentication of '${sa.remoteIdText}' with ${name} successful (key ${x.peerKey.description})`,
        sa,
      );
      return { kind: 'verified' };
    },
  };
}

export const pkeAuthenticator = skemeAuthenticator(false);
export const pkeRevisedAuthenticator = skemeAuthenticator(true);
