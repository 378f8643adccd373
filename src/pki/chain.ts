/**
 * Certificate path validation (RFC 5280 section 6, the parts IKE peers use; RFC 4945 section 5): from
 * the peer's end-entity certificate through the intermediates it sent or we hold, up to a configured
 * trust anchor. Pure: certificates, CRLs and the time come in, a verdict comes out.
 */
import { rdnsMatch } from '../config/distinguished-name.js';
import type { Certificate } from './certificate.js';
import { type Crl, crlCurrent, crlSignedBy } from './crl.js';

/** swanctl.conf's `revocation` (strongSwan's meaning, see checkRevocation). */
export type RevocationPolicy = 'strict' | 'ifuri' | 'relaxed';

export type ChainFailure =
  /** No path to a trust anchor: an issuer is neither an anchor nor a known intermediate. */
  | 'unknown-ca'
  /** A certificate's signature does not verify with its issuer's key. */
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  /** An issuer is not a CA (basicConstraints cA not set). */
  | 'not-a-ca'
  /** A CA without keyCertSign, or an end entity without digitalSignature/nonRepudiation. */
  | 'key-usage'
  /** More intermediates below a CA than its pathLenConstraint allows. */
  | 'path-length'
  | 'revoked'
  /** The policy wants a revocation status that the CRLs at hand cannot give. */
  | 'revocation-unknown'
  /** The path would be longer than allowed. */
  | 'too-long';

export interface ChainInput {
  readonly end: Certificate;
  /** Intermediates the peer sent or we hold, in any order; the end entity may be among them. */
  readonly intermediates: readonly Certificate[];
  readonly anchors: readonly Certificate[];
  readonly crls: readonly Crl[];
  readonly now: Date;
  readonly revocation: RevocationPolicy;
  /** Most certificates in a path, anchor included; 8 unless given (strongSwan's MAX_TRUST_PATH_LEN is 7). */
  readonly maxLength?: number;
}

export type ChainResult =
  | { readonly ok: true; readonly chain: Certificate[] }
  | { readonly ok: false; readonly code: ChainFailure; readonly detail: string };

type Failure = { readonly ok: false; readonly code: ChainFailure; readonly detail: string };

/** Failure codes from the most to the least telling, for attempts that got as far. */
const FAILURE_RANK: readonly ChainFailure[] = [
  'revoked',
  'expired',
  'not-yet-valid',
  'path-length',
  'key-usage',
  'not-a-ca',
  'revocation-unknown',
  'too-long',
  'unknown-ca',
  // A same-named certificate that did not sign is most often another CA's: the least telling.
  'bad-signature',
];

/** Signature checks one validation may spend: bounds the work a peer's pile of certificates causes. */
const MAX_SIGNATURE_CHECKS = 32;

/**
 * The path from `end` to a trust anchor, each link checked: signature by the issuer's key, validity
 * at `now` (anchors too), the issuer a CA (basicConstraints) with keyCertSign when it has keyUsage,
 * its pathLenConstraint, and the revocation status of each non-anchor certificate per the policy.
 * Paths are searched depth first (anchors before intermediates); when none holds, the failure of
 * the attempt that verified the most links is reported (ties: the more telling code), so "expired
 * intermediate" wins over "unknown CA", whatever order the certificates came in.
 */
export function verifyChain(input: ChainInput): ChainResult {
  const { end, now } = input;
  const dated = checkDates(end, now, 'the end-entity certificate');
  if (dated) return dated;
  if (
    end.keyUsage !== undefined &&
    !end.keyUsage.some((u) => u === 'digitalSignature' || u === 'nonRepudiation')
  ) {
    return fail(
      'key-usage',
      `'${end.subject}' has keyUsage without digitalSignature (RFC 4945 section 5.1.3.2)`,
    );
  }
  if (input.anchors.some((a) => sameCert(a, end))) return { ok: true, chain: [end] };
  const search = new Search(input);
  const result = search.extend([end]);
  return result ?? search.bestFailure();
}

class Search {
  private checks = 0;
  private best: { failure: Failure; depth: number } | undefined;
  private readonly candidates: { cert: Certificate; anchor: boolean }[];

  constructor(private readonly input: ChainInput) {
    const seen = new Set<string>();
    const add = (cert: Certificate, anchor: boolean) => {
      const key = hex(cert.sha1);
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ cert, anchor }];
    };
    this.candidates = [
      ...input.anchors.flatMap((c) => add(c, true)),
      ...input.intermediates.flatMap((c) => add(c, false)),
    ];
  }

  /** Extends the path (end first) to an anchor; undefined when no extension holds. */
  extend(path: Certificate[]): ChainResult | undefined {
    const current = path[path.length - 1];
    if (current === undefined) return undefined;
    if (path.length > 1 && this.selfSigned(current)) {
      // A root we were not told to trust ends the path: nothing above it can help.
      this.note(path.length, fail('unknown-ca', `'${current.subject}' is a root CA that is not trusted`));
      return undefined;
    }
    const issuers = this.candidates.filter(
      (c) => !path.some((p) => sameCert(p, c.cert)) && issues(c.cert, current),
    );
    if (issuers.length === 0) {
      this.note(path.length, fail('unknown-ca', `no trusted CA certificate for issuer '${current.issuer}'`));
      return undefined;
    }
    for (const { cert: issuer, anchor } of issuers) {
      const failure = this.link(current, issuer, path.length);
      if (failure) {
        this.note(path.length, failure);
        continue;
      }
      if (anchor) return { ok: true, chain: [...path, issuer] };
      if (path.length + 2 > (this.input.maxLength ?? 8)) {
        this.note(path.length + 1, fail('too-long', `the path through '${issuer.subject}' is too long`));
        continue;
      }
      const found = this.extend([...path, issuer]);
      if (found) return found;
    }
    return undefined;
  }

  /** Checks one link: `subject` issued by `issuer`, which has `below` certificates under it. */
  private link(subject: Certificate, issuer: Certificate, below: number): Failure | undefined {
    if (this.checks >= MAX_SIGNATURE_CHECKS) {
      return fail('too-long', `more than ${MAX_SIGNATURE_CHECKS} candidate issuers examined`);
    }
    this.checks++;
    if (!verifiesWith(subject, issuer)) {
      return fail(
        'bad-signature',
        `the signature of '${subject.subject}' does not verify with '${issuer.subject}'`,
      );
    }
    if (!issuer.isCa) return fail('not-a-ca', `'${issuer.subject}' is not a CA (basicConstraints)`);
    if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('keyCertSign')) {
      return fail(
        'key-usage',
        `CA '${issuer.subject}' has keyUsage without keyCertSign (RFC 5280 section 4.2.1.3)`,
      );
    }
    const dated = checkDates(issuer, this.input.now, 'CA certificate');
    if (dated) return dated;
    // RFC 5280 section 4.2.1.9: the intermediates below this CA (the end entity not counted).
    const intermediatesBelow = below - 1;
    if (issuer.pathLen !== undefined && intermediatesBelow > issuer.pathLen) {
      return fail(
        'path-length',
        `'${issuer.subject}' allows ${issuer.pathLen} intermediate(s) below it, the path has ${intermediatesBelow}`,
      );
    }
    return checkRevocation(subject, issuer, this.input.crls, this.input.now, this.input.revocation);
  }

  private selfSigned(cert: Certificate): boolean {
    if (!rdnsMatch(cert.issuerRdns, cert.subjectRdns, false) || this.checks >= MAX_SIGNATURE_CHECKS)
      return false;
    this.checks++;
    return verifiesWith(cert, cert);
  }

  /**
   * Keeps the failure of the attempt that verified the most links (`depth`), so that the verdict names
   * the real path's problem; between attempts as deep, the more specific code (FAILURE_RANK), so the
   * verdict does not depend on the order certificates arrived in.
   */
  private note(depth: number, failure: Failure): void {
    const rank = FAILURE_RANK.indexOf(failure.code);
    const best = this.best;
    if (
      best === undefined ||
      depth > best.depth ||
      (depth === best.depth && rank < FAILURE_RANK.indexOf(best.failure.code))
    )
      this.best = { failure, depth };
  }

  bestFailure(): Failure {
    return this.best?.failure ?? fail('unknown-ca', 'no path to a trusted CA');
  }
}

/**
 * The revocation status of `subject` from CRLs signed by `issuer`, judged as strongSwan does
 * (revocation_validator and auth_cfg's constraint check): listed on a CRL of the issuer — revoked,
 * whatever the policy (a certificateHold too); a current CRL not listing it — good; otherwise
 * `strict` fails, `ifuri` fails when a CRL exists but is stale or the certificate names a CRL URI
 * (ikets fetches nothing: put the CRL in x509crl/), and `relaxed` accepts.
 */
export function checkRevocation(
  subject: Certificate,
  issuer: Certificate,
  crls: readonly Crl[],
  now: Date,
  policy: RevocationPolicy,
): Failure | undefined {
  const own = crls.filter(
    (crl) =>
      !crl.delta &&
      rdnsMatch(crl.issuerRdns, issuer.subjectRdns, false) &&
      (crl.authorityKeyId === undefined ||
        issuer.subjectKeyId === undefined ||
        bytesEqual(crl.authorityKeyId, issuer.subjectKeyId)) &&
      crlSignedBy(crl, issuer.publicKey),
  );
  for (const crl of own) {
    const entry = crl.revoked.get(subject.serial);
    if (entry) {
      const reason = entry.reason === undefined ? '' : ` (${entry.reason})`;
      return fail('revoked', `'${subject.subject}' was revoked on ${entry.date.toISOString()}${reason}`);
    }
  }
  if (own.some((crl) => crlCurrent(crl, now))) return undefined;
  if (policy === 'relaxed') return undefined;
  if (own.length > 0) {
    const next = own[0]?.nextUpdate?.toISOString() ?? 'none';
    return fail('revocation-unknown', `the CRL of '${issuer.subject}' is not current (nextUpdate ${next})`);
  }
  if (subject.crlUris.length > 0) {
    return fail(
      'revocation-unknown',
      `'${subject.subject}' names CRL ${subject.crlUris[0]} but x509crl/ holds no CRL of '${issuer.subject}'`,
    );
  }
  if (policy === 'strict') {
    return fail('revocation-unknown', `no CRL of '${issuer.subject}' (revocation = strict)`);
  }
  return undefined;
}

function checkDates(cert: Certificate, now: Date, what: string): Failure | undefined {
  if (now.getTime() < cert.notBefore.getTime()) {
    return fail(
      'not-yet-valid',
      `${what} '${cert.subject}' is not valid before ${cert.notBefore.toISOString()}`,
    );
  }
  if (now.getTime() > cert.notAfter.getTime()) {
    return fail('expired', `${what} '${cert.subject}' expired on ${cert.notAfter.toISOString()}`);
  }
  return undefined;
}

/** `issuer` may have issued `subject`: names agree, and key identifiers when both are present. */
function issues(issuer: Certificate, subject: Certificate): boolean {
  if (!rdnsMatch(subject.issuerRdns, issuer.subjectRdns, false)) return false;
  return (
    subject.authorityKeyId === undefined ||
    issuer.subjectKeyId === undefined ||
    bytesEqual(subject.authorityKeyId, issuer.subjectKeyId)
  );
}

function verifiesWith(subject: Certificate, issuer: Certificate): boolean {
  try {
    return subject.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function sameCert(a: Certificate, b: Certificate): boolean {
  return bytesEqual(a.sha1, b.sha1);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function fail(code: ChainFailure, detail: string): Failure {
  return { ok: false, code, detail };
}
