/**
 * Phase 1 authentication methods (RFC 2409 Appendix A, RFC 4754 section 4): which ones a connection
 * offers or accepts, and the suites it proposes with them.
 */
import type { KeyObject } from 'node:crypto';
import { IkeAuthMethod } from '../../../codec/index.js';
import type { ConnectionConfig } from '../../../config/swanctl.js';
import { ecdsaMethodOf, type SignatureMethod } from '../../../crypto/index.js';
import { type Phase1Suite, phase1Suites } from '../phase1-proposal.js';
import type { Phase1Credentials } from './credentials.js';

/** The signature methods by their Authentication Method attribute value. */
const SIGNATURE_METHODS: ReadonlyMap<number, SignatureMethod> = new Map([
  [IkeAuthMethod.DSS_SIGNATURES, 'dss'],
  [IkeAuthMethod.RSA_SIGNATURES, 'rsa'],
  [IkeAuthMethod.ECDSA_SHA256_P256, 'ecdsa256'],
  [IkeAuthMethod.ECDSA_SHA384_P384, 'ecdsa384'],
  [IkeAuthMethod.ECDSA_SHA512_P521, 'ecdsa521'],
]);

/** The signature method of an Authentication Method value, or undefined when it is no signature. */
export function signatureMethod(authMethod: number): SignatureMethod | undefined {
  return SIGNATURE_METHODS.get(authMethod);
}

/** The Authentication Method value a private (or public) key signs with, as strongSwan picks it. */
export function authMethodOfKey(key: KeyObject): number | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return IkeAuthMethod.RSA_SIGNATURES;
    case 'dsa':
      return IkeAuthMethod.DSS_SIGNATURES;
    case 'ec':
      switch (ecdsaMethodOf(key)) {
        case 'ecdsa256':
          return IkeAuthMethod.ECDSA_SHA256_P256;
        case 'ecdsa384':
          return IkeAuthMethod.ECDSA_SHA384_P384;
        case 'ecdsa521':
          return IkeAuthMethod.ECDSA_SHA512_P521;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

/** The name strongSwan's listings use for a method (`psk`, `rsa`, `ecdsa256`, ...). */
export function authMethodName(authMethod: number): string {
  if (authMethod === IkeAuthMethod.RSA_ENCRYPTION) return 'pke';
  if (authMethod === IkeAuthMethod.RSA_REVISED_ENCRYPTION) return 'pke-revised';
  return authMethod === IkeAuthMethod.PRE_SHARED_KEY ? 'psk' : (signatureMethod(authMethod) ?? 'unknown');
}

/**
 * The methods a connection proposes and accepts: PRE_SHARED_KEY for `auth = psk`; with `pubkey`,
 * the method of our own key (both ends sign with the one negotiated method, RFC 2409 section 5, so
 * as strongSwan's `get_pubkey_method` we can only agree to what our key can sign), restricted by
 * `auth = rsa` / `ecdsa`. Returns why there is none, as a string.
 */
export function connectionAuthMethods(
  connection: ConnectionConfig,
  credentials: Phase1Credentials,
): number[] | string {
  if (connection.local.auth === 'psk') return [IkeAuthMethod.PRE_SHARED_KEY];
  if (connection.local.auth === 'pke' || connection.local.auth === 'pke-revised') {
    // RFC 2409 sections 5.2/5.3: our RSA key decrypts the peer's nonce, the peer's (known in
    // advance) encrypts ours.
    const own = credentials.local(connection);
    if (own === undefined || own.privateKey.asymmetricKeyType !== 'rsa')
      return `no RSA private key loaded for connection '${connection.name}' (auth = ${connection.local.auth})`;
    if (!credentials.peerPublicKeys(connection).some((k) => k.publicKey.asymmetricKeyType === 'rsa'))
      return `no RSA public key of the peer for connection '${connection.name}' (remote certs or pubkeys)`;
    return [
      connection.local.auth === 'pke' ? IkeAuthMethod.RSA_ENCRYPTION : IkeAuthMethod.RSA_REVISED_ENCRYPTION,
    ];
  }
  const local = credentials.local(connection);
  if (local === undefined) return `no private key and certificate loaded for connection '${connection.name}'`;
  const method = authMethodOfKey(local.privateKey);
  if (method === undefined)
    return `the private key of connection '${connection.name}' cannot sign in IKEv1 (RSA, DSA, ECDSA P-256/384/521)`;
  const kind = signatureMethod(method) ?? '';
  const want = [connection.local.keyType, connection.remote.keyType];
  if (want.includes('rsa') && kind !== 'rsa')
    return `connection '${connection.name}' asks for 'auth = rsa' but its key signs ${kind}`;
  if (want.includes('ecdsa') && !kind.startsWith('ecdsa'))
    return `connection '${connection.name}' asks for 'auth = ecdsa' but its key signs ${kind}`;
  return [method];
}

/**
 * Each connection's phase 1 suites, parsed once per configuration and credentials (a reload brings
 * new connection objects): a first message costs no proposal parsing.
 */
const suitesOf = new WeakMap<Phase1Credentials, WeakMap<ConnectionConfig, readonly Phase1Suite[] | string>>();

/** The suites a connection offers (initiator) or accepts (responder), or why it has none. */
export function connectionSuites(
  connection: ConnectionConfig,
  credentials: Phase1Credentials,
): readonly Phase1Suite[] | string {
  let byConnection = suitesOf.get(credentials);
  if (byConnection === undefined) {
    byConnection = new WeakMap();
    suitesOf.set(credentials, byConnection);
  }
  let suites = byConnection.get(connection);
  if (suites === undefined) {
    const methods = connectionAuthMethods(connection, credentials);
    try {
      suites =
        typeof methods === 'string'
          ? methods
          : phase1Suites(connection.proposals, connection.rekeyTime + connection.overTime, methods);
    } catch (error) {
      suites = `connection '${connection.name}': ${(error as Error).message}`;
    }
    byConnection.set(connection, suites);
  }
  return suites;
}
