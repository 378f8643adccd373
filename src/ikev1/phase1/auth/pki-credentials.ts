/**
 * The engine's credentials over the swanctl credential set (src/pki): our certificate named by
 * `local.certs` with its private key and the intermediates that issue it, CERT-REQ names from the
 * connection's `cacerts` (or every CA in x509ca/), and the peer's chain verified with `verifyChain`
 * (dates, key usage, path length, CRLs as `revocation` says) and its ID with
 * `certificateMatchesIdentity`. Pure: the credential set was loaded by the shell.
 */
import type { IdentificationData } from '../../../codec/index.js';
import type { ConnectionConfig } from '../../../config/swanctl.js';
import {
  type Certificate,
  type ChainFailure,
  type CredentialSet,
  certificateMatchesIdentity,
  parseCertificate,
  verifyChain,
} from '../../../pki/index.js';
import { identityOf } from '../identity.js';
import type {
  CertificateFailure,
  LocalCredential,
  PeerVerification,
  Phase1Credentials,
} from './credentials.js';

/** Intermediates sent after our certificate, at most (RFC 4945 section 3.3 asks for the chain). */
const MAX_SENT_INTERMEDIATES = 4;

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function chainFailure(code: ChainFailure): CertificateFailure {
  switch (code) {
    case 'expired':
    case 'not-yet-valid':
      return 'expired';
    case 'revoked':
      return 'revoked';
    case 'revocation-unknown':
      return 'revocation-unknown';
    default:
      return 'untrusted';
  }
}

/**
 * `epoch` is added to the engine's time to get the date certificates are checked at: 0 when the
 * engine runs on the wall clock (the daemon's `Date.now`), a start date for simulated time.
 */
export function pkiCredentials(
  set: CredentialSet,
  options: { readonly epoch?: number } = {},
): Phase1Credentials {
  const epoch = options.epoch ?? 0;
  const locals = new WeakMap<ConnectionConfig, LocalCredential | null>();

  /** The CAs (not self-signed) in x509/ that issue `cert`, nearest first. */
  function intermediatesOf(cert: Certificate): Certificate[] {
    const out: Certificate[] = [];
    let current = cert;
    while (out.length < MAX_SENT_INTERMEDIATES && !sameBytes(current.issuerDer, current.subjectDer)) {
      const issuer = set.certificates.find(
        (c) => c.isCa && sameBytes(c.subjectDer, current.issuerDer) && !out.includes(c) && c !== cert,
      );
      if (issuer === undefined || sameBytes(issuer.issuerDer, issuer.subjectDer)) break;
      out.push(issuer);
      current = issuer;
    }
    return out;
  }

  function anchorsOf(connection: ConnectionConfig): Certificate[] {
    if (connection.remote.cacerts.length === 0) return set.authorities;
    return connection.remote.cacerts.flatMap((file) => {
      const cert = set.findCertificate(file, 'x509ca') ?? set.findCertificate(file, 'x509');
      return cert === undefined ? [] : [cert];
    });
  }

  return {
    peerPublicKeys(connection) {
      // The certificates of `remote.certs` (x509/), then the raw keys of `remote.pubkeys` (pubkey/);
      // a file that is not loaded gives no key (the daemon warned at load, src/pki/config-checks.ts).
      const fromCerts = connection.remote.certs.flatMap((file) => {
        const cert = set.findCertificate(file);
        return cert === undefined
          ? []
          : [{ publicKey: cert.publicKey, certificate: cert.der, description: `${file} (${cert.subject})` }];
      });
      const raw = connection.remote.pubkeys.flatMap((file) => {
        const entry = set.findPublicKey(file);
        return entry === undefined
          ? []
          : [
              {
                publicKey: entry.key,
                certificate: undefined,
                description: file.startsWith('/') ? file : `pubkey/${file}`,
              },
            ];
      });
      return [...fromCerts, ...raw];
    },
    local(connection) {
      const cached = locals.get(connection);
      if (cached !== undefined) return cached ?? undefined;
      const [first, ...more] = connection.local.certs;
      const cert = first === undefined ? undefined : set.findCertificate(first);
      const key = cert === undefined ? undefined : set.privateKeyFor(cert);
      let credential: LocalCredential | null = null;
      if (cert !== undefined && key !== undefined) {
        const listed = more.flatMap((f) => {
          const c = set.findCertificate(f);
          return c === undefined ? [] : [c];
        });
        const chain = listed.length > 0 ? listed : intermediatesOf(cert);
        credential = {
          privateKey: key,
          certificates: [cert.der, ...chain.map((c) => c.der)],
          subjectDer: cert.subjectDer,
          subject: cert.subject,
        };
      }
      locals.set(connection, credential);
      return credential ?? undefined;
    },

    certificateAuthorities: (connection) => anchorsOf(connection).map((c) => c.subjectDer),

    verifyPeer(connection, peer): PeerVerification {
      const refuse = (failure: CertificateFailure, detail: string): PeerVerification => ({
        ok: false,
        failure,
        detail,
      });
      const received: Certificate[] = [];
      for (const der of peer.certificates) {
        try {
          received.push(parseCertificate(der));
        } catch (error) {
          return refuse('malformed', `a CERT payload does not parse: ${(error as Error).message}`);
        }
      }
      // RFC 4945 section 3.3: the end-entity certificate comes first; without any, a pinned peer
      // certificate (`remote.certs`) may stand in, as strongSwan's.
      const pinned = connection.remote.certs.flatMap((f) => {
        const c = set.findCertificate(f);
        return c === undefined ? [] : [c];
      });
      const end = received[0] ?? pinned[0];
      if (end === undefined)
        return refuse('no-certificate', 'the peer sent no certificate and none is configured');
      if (pinned.length > 0 && !pinned.some((c) => sameBytes(c.der, end.der)))
        return refuse('untrusted', `'${end.subject}' is not the certificate configured in remote.certs`);
      const result = verifyChain({
        end,
        intermediates: [...received.slice(1), ...set.certificates],
        anchors: anchorsOf(connection),
        crls: set.crls,
        now: new Date(epoch + peer.now),
        revocation: connection.remote.revocation,
      });
      if (!result.ok) return refuse(chainFailure(result.code), `${result.code}: ${result.detail}`);
      const id = identityOf({
        type: 'identification',
        protocolId: 0,
        port: 0,
        id: peer.id as IdentificationData,
      });
      if (id === undefined || !certificateMatchesIdentity(end, id))
        return refuse(
          'identity-mismatch',
          `the certificate of '${end.subject}' does not carry the peer's ID`,
        );
      return { ok: true, publicKey: end.publicKey, subject: end.subject };
    },
  };
}
