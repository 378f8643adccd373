/**
 * What the two SKEME public-key encryption methods share (RFC 2409 sections 5.2 and 5.3): the
 * state of one exchange, the choice of keys (ours by HASH(1), the peer's by its identity), HASH(1)
 * itself, and the RSA sealing of a payload body. docs/ikev1-engine.md ("SKEME public-key
 * encryption: ambiguities and readings") gives the reading taken at each point the RFC leaves open.
 *
 * Nothing here may let what is sent depend on whether a decryption's padding was right: a PKCS#1
 * v1.5 padding that does not check gives a synthetic message (rsa-implicit-rejection.ts) and the
 * exchange goes on, to fail at HASH_I / HASH_R like any wrong key. What went wrong is kept in
 * `notes`, for our log once the exchange has failed.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeIdentification } from '../../../codec/identification.js';
import type { IdentificationPayload, Payload } from '../../../codec/index.js';
import { formatIdentity, identityMatches } from '../../../config/identity.js';
import type { ConnectionConfig } from '../../../config/swanctl.js';
import { type HashName, hash, rsaDecryptDetailed, rsaEncrypt } from '../../../crypto/index.js';
import type { ExchangeContext } from '../../context.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import { addressIdentity, identificationPayload, identityOf } from '../identity.js';
import { payloadBody } from '../phase1-common.js';
import { settleCandidates } from './connection-settle.js';
import type { LocalCredential, PeerPublicKey } from './credentials.js';

/** Typed causes of a SKEME exchange's failure (`ike-sa-down`'s `failureCode`). */
export type SkemeFailure =
  /** The peer's nonce did not decrypt under our key: its PKCS#1 padding was rejected. */
  | 'nonce-rejected'
  /** Section 5.2: the peer's ID did not decrypt under our key. */
  | 'id-rejected'
  /** The decrypted ID body is not an ID payload body. */
  | 'id-unreadable'
  /** Section 5.3: a Ke-encrypted body's padding is wrong (a wrong nonce, or a tampered payload). */
  | 'ke-padding'
  /** Section 5.3: the decrypted KE is not a public value of the group. */
  | 'ke-unusable'
  /** HASH(1) names none of our keys: the peer encrypted to a key we do not hold. */
  | 'hash1-unknown'
  /** HASH_I / HASH_R does not verify. */
  | 'bad-hash'
  /** The authenticated identity is not the configured one. */
  | 'identity-refused'
  /** A message of the peer did not decrypt under the phase 1 keys: the nonces differ. */
  | 'keys-differ'
  /** Our ID does not fit in one RSA block of the peer's key. */
  | 'id-too-long';

export interface SkemeNote {
  readonly code: SkemeFailure;
  readonly text: string;
}

/** One SKEME exchange: replaced, never changed in place (IkeSa.snapshot restores the reference). */
export interface SkemeExchange {
  /** Section 5.3 (RSA_REVISED_ENCRYPTION) rather than 5.2. */
  readonly revised: boolean;
  /** Our credential: its private key decrypts the peer's nonce (a responder's chosen by HASH(1)). */
  readonly own: LocalCredential;
  /** The connection this exchange works for; a responder's is chosen by the decrypted ID. */
  readonly connection: ConnectionConfig;
  /** The key we encrypt to. */
  readonly peerKey: PeerPublicKey;
  /** The peer's ID payload body as decrypted: what HASH_I / HASH_R cover (RFC 2409 section 5). */
  readonly peerIdBody: Uint8Array;
  /** What went wrong so far, for the log line of a failed exchange; never for what is sent. */
  readonly notes: readonly SkemeNote[];
}

/** Whether the SA's method (or, before it is negotiated, its configuration) is section 5.3's. */
export function isRevised(sa: IkeSa): boolean {
  const method = sa.suite?.authMethod;
  return method === undefined ? sa.connection.local.auth === 'pke-revised' : method === 5;
}

/** The hash of HASH(1): the negotiated one, or in Aggressive Mode message 1 the one offered. */
export function skemeHash(sa: IkeSa): HashName {
  const suite = sa.suite ?? sa.offeredSuites[0];
  if (suite === undefined) throw new Error('SKEME exchange without a suite');
  return suite.hash.hash;
}

const spkiCache = new WeakMap<KeyObject, Buffer>();

/** The DER SubjectPublicKeyInfo of a key (of a private key: of its public half). */
export function spkiDer(key: KeyObject): Buffer {
  let der = spkiCache.get(key);
  if (der === undefined) {
    der = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
    spkiCache.set(key, der);
  }
  return der;
}

/**
 * HASH(1) (sections 5.2 and 5.3): the hash of the certificate we encrypt to; for a raw public key,
 * which has no certificate, the hash of its DER SubjectPublicKeyInfo (our reading).
 */
export function hash1Of(hashName: HashName, key: PeerPublicKey): Buffer {
  return hash(hashName, key.certificate ?? spkiDer(key.publicKey));
}

/** Whether HASH(1) names our credential: its certificate, or its public key as a raw key. */
function namesOwn(hashName: HashName, received: Uint8Array, own: LocalCredential): boolean {
  const cert = own.certificates[0];
  const candidates = [spkiDer(own.privateKey), ...(cert === undefined ? [] : [cert])];
  return candidates.some((der) => hash(hashName, der).equals(received));
}

/** An RSA private key of ours that can decrypt (the connection's `local` credential). */
function ownCredential(ctx: ExchangeContext, c: ConnectionConfig): LocalCredential | undefined {
  const own = ctx.credentials.local(c);
  return own?.privateKey.asymmetricKeyType === 'rsa' ? own : undefined;
}

/**
 * A responder's key for the peer's offer (section 5.2: "the responder can determine which
 * corresponding private key to use"): the first candidate connection whose key HASH(1) names;
 * without HASH(1), or when it names none of ours, the key of the connection message 1 chose. The
 * connections that share that key come back with it, the SA's own first.
 */
export function chooseOwnKey(
  sa: IkeSa,
  ctx: ExchangeContext,
  hash1: Uint8Array | undefined,
): { own: LocalCredential; connections: ConnectionConfig[]; note?: SkemeNote } | undefined {
  const candidates = settleCandidates(sa, ctx, true).flatMap((c) => {
    const own = ownCredential(ctx, c);
    return own === undefined ? [] : [{ c, own }];
  });
  const fallback = candidates[0];
  if (fallback === undefined) return undefined;
  const named =
    hash1 === undefined ? fallback : candidates.find((x) => namesOwn(skemeHash(sa), hash1, x.own));
  const chosen = named ?? fallback;
  const connections = candidates.filter((x) => x.own.privateKey === chosen.own.privateKey).map((x) => x.c);
  if (named !== undefined) return { own: chosen.own, connections };
  return {
    own: chosen.own,
    connections,
    note: {
      code: 'hash1-unknown',
      text: 'HASH(1) names none of our keys: the peer encrypted to a key we do not hold',
    },
  };
}

/**
 * A responder's connection for the decrypted ID: the first (of those using our chosen key) whose
 * `remote.id` accepts it, else the first. An ID that does not read (a wrong key, a tampered body)
 * matches none, and the exchange goes on to fail at HASH_I.
 */
export function connectionForId(
  connections: readonly ConnectionConfig[],
  id: IdentificationPayload | undefined,
): ConnectionConfig | undefined {
  const claimed = id === undefined ? undefined : identityOf(id);
  const fits = (c: ConnectionConfig) =>
    c.remote.id === undefined || (claimed !== undefined && identityMatches(c.remote.id, claimed));
  return connections.find(fits) ?? connections[0];
}

/**
 * The peer's key for `connection`: the configured one whose certificate the peer sent us (section
 * 5.3's optional Cert-I, which only chooses among configured keys: a key must be known in
 * advance), else the first configured one.
 */
export function peerKeyOf(
  ctx: ExchangeContext,
  connection: ConnectionConfig,
  sentCertificate?: Uint8Array,
): PeerPublicKey | undefined {
  const keys = ctx.credentials
    .peerPublicKeys(connection)
    .filter((k) => k.publicKey.asymmetricKeyType === 'rsa');
  const sent =
    sentCertificate === undefined
      ? undefined
      : keys.find((k) => k.certificate !== undefined && Buffer.from(k.certificate).equals(sentCertificate));
  return sent ?? keys[0];
}

/** Our ID for a SKEME exchange on `connection`: `local.id`, else the certificate's subject. */
export function skemeLocalId(
  sa: IkeSa,
  connection: ConnectionConfig,
  own: LocalCredential,
): IdentificationPayload {
  const configured = connection.local.id;
  const payload: IdentificationPayload =
    configured !== undefined
      ? identificationPayload(configured)
      : own.certificates.length > 0
        ? {
            type: 'identification',
            protocolId: 0,
            port: 0,
            id: { kind: 'ID_DER_ASN1_DN', data: own.subjectDer },
          }
        : identificationPayload(addressIdentity(sa.local.address));
  sa.localIdBody = payloadBody(payload);
  sa.localIdText =
    configured !== undefined
      ? formatIdentity(configured)
      : own.certificates.length > 0
        ? own.subject
        : sa.local.address;
  return payload;
}

/** The body of an ID payload as received: sealed (it did not read as an ID) or re-encoded. */
export function receivedBody(p: Payload): Uint8Array {
  if (p.type === 'sealed') return p.data;
  if (p.type === 'certificate') return Buffer.concat([Buffer.from([p.encoding]), p.data]);
  return payloadBody(p);
}

/** An ID body as an ID payload, or undefined when it does not read as one. */
export function readIdBody(body: Uint8Array): IdentificationPayload | undefined {
  try {
    return decodeIdentification(body, 0, body.length);
  } catch {
    return undefined;
  }
}

/** Section 5.2: a payload body encrypted to the peer's key, PKCS#1 v1.5. */
export function sealRsa(peerKey: PeerPublicKey, body: Uint8Array): Buffer | string {
  const k = Math.ceil((peerKey.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (body.length > k - 11)
    return `a body of ${body.length} bytes does not fit one PKCS#1 v1.5 block of the peer's ${k * 8}-bit key (${peerKey.description})`;
  return rsaEncrypt(peerKey.publicKey, body);
}

/**
 * A body encrypted to our key, decrypted with implicit rejection. A ciphertext of the wrong length
 * (a public fact) gives an empty body, which fails at HASH as a wrong one does.
 */
export function openRsa(own: LocalCredential, ciphertext: Uint8Array): { body: Buffer; rejected: boolean } {
  try {
    const d = rsaDecryptDetailed(own.privateKey, ciphertext);
    return { body: d.message, rejected: d.rejected };
  } catch {
    return { body: Buffer.alloc(0), rejected: true };
  }
}
