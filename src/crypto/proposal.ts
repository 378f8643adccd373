import { InvalidProposalError, UnknownProposalKeywordError, UnsupportedAlgorithmError } from './errors.js';
import {
  type DhTransform,
  type EncryptionTransform,
  type EsnTransform,
  type IntegrityTransform,
  type PrfTransform,
  type Transform,
  transformByKeyword,
} from './registry.js';

// strongSwan proposal strings (swanctl.conf `proposals`, `esp_proposals`, `ah_proposals`; see
// docs.strongswan.org "Algorithm Proposals (Cipher Suites)"): algorithm keywords joined by '-',
// proposals separated by ','. Several algorithms of one kind in a proposal form a preference list
// (first preferred); the order of kinds does not matter. IKEv1 carries a single algorithm of each
// kind per transform: strongSwan then uses the first of each kind ("additional algorithms are
// implicitly stripped"); `ikev1Suites(p, 'expand')` instead offers every combination.

export type ProposalProtocol = 'ike' | 'esp' | 'ah';

export interface Proposal {
  readonly protocol: ProposalProtocol;
  readonly encryption: readonly EncryptionTransform[];
  readonly integrity: readonly IntegrityTransform[];
  /** Explicit PRFs; IKEv1 takes its PRF from the hash (integrity) keyword instead. */
  readonly prf: readonly PrfTransform[];
  /** Key exchange groups; for ESP/AH the PFS groups (may be empty). */
  readonly dh: readonly DhTransform[];
  readonly esn: readonly EsnTransform[];
}

/** Parses one proposal (`aes128-sha256-modp2048`). */
export function parseProposal(text: string, protocol: ProposalProtocol): Proposal {
  const source = text.trim();
  if (source === '') throw new InvalidProposalError(text, 'empty proposal');
  const encryption: EncryptionTransform[] = [];
  const integrity: IntegrityTransform[] = [];
  const prf: PrfTransform[] = [];
  const dh: DhTransform[] = [];
  const esn: EsnTransform[] = [];
  for (const raw of source.split('-')) {
    const keyword = raw.trim();
    const t: Transform | undefined = keyword === '' ? undefined : transformByKeyword(keyword);
    if (t === undefined) throw new UnknownProposalKeywordError(keyword, source);
    const push = <T extends Transform>(list: T[], item: T): void => {
      if (!list.includes(item)) list.push(item);
    };
    switch (t.kind) {
      case 'encryption':
        push(encryption, t);
        break;
      case 'integrity':
        push(integrity, t);
        break;
      case 'prf':
        push(prf, t);
        break;
      case 'dh':
        push(dh, t);
        break;
      case 'esn':
        push(esn, t);
        break;
    }
  }
  const proposal: Proposal = { protocol, encryption, integrity, prf, dh, esn };
  validate(proposal, source);
  return proposal;
}

/** Parses a comma-separated list of proposals. */
export function parseProposals(text: string, protocol: ProposalProtocol): Proposal[] {
  return text.split(',').map((p) => parseProposal(p, protocol));
}

function validate(p: Proposal, source: string): void {
  const aead = p.encryption.filter((e) => e.aead);
  if (aead.length > 0 && aead.length < p.encryption.length) {
    throw new InvalidProposalError(source, 'AEAD and non-AEAD encryption must be separate proposals');
  }
  const isAead = aead.length > 0;
  switch (p.protocol) {
    case 'ike':
      if (p.encryption.length === 0) throw new InvalidProposalError(source, 'no encryption algorithm');
      if (p.dh.length === 0) throw new InvalidProposalError(source, 'no key exchange method');
      if (!isAead && p.integrity.length === 0)
        throw new InvalidProposalError(source, 'no integrity algorithm');
      // An AEAD IKE proposal without a PRF (`aes256gcm16-ecp384`) is accepted here; IKEv1 cannot
      // use AEAD for phase 1 anyway (ikev1Suites refuses it), an IKEv2 user must add a PRF.
      if (p.esn.length > 0) throw new InvalidProposalError(source, 'esn/noesn is for ESP and AH');
      if (p.encryption.some((e) => e.ikeId === undefined && !e.aead)) {
        throw new InvalidProposalError(source, 'encryption algorithm not usable for IKE');
      }
      break;
    case 'esp':
      if (p.encryption.length === 0) throw new InvalidProposalError(source, 'no encryption algorithm');
      if (p.encryption.some((e) => e.espId === undefined)) {
        throw new InvalidProposalError(source, 'encryption algorithm not usable for ESP');
      }
      if (isAead && p.integrity.length > 0) throw new InvalidProposalError(source, 'AEAD with integrity');
      if (p.encryption.some((e) => e.keyword === 'null') && p.integrity.length === 0) {
        throw new InvalidProposalError(source, 'ESP with null encryption needs integrity');
      }
      if (p.prf.length > 0) throw new InvalidProposalError(source, 'a PRF is for IKE');
      break;
    case 'ah':
      if (p.encryption.length > 0) throw new InvalidProposalError(source, 'AH has no encryption');
      if (p.integrity.length === 0) throw new InvalidProposalError(source, 'no integrity algorithm');
      if (p.prf.length > 0) throw new InvalidProposalError(source, 'a PRF is for IKE');
      break;
  }
}

/** Formats a proposal with canonical keywords: encryption, integrity, PRF, groups, ESN. */
export function formatProposal(p: Proposal): string {
  return [...p.encryption, ...p.integrity, ...p.prf, ...p.dh, ...p.esn].map((t) => t.keyword).join('-');
}

export function formatProposals(list: readonly Proposal[]): string {
  return list.map(formatProposal).join(',');
}

/** One IKEv1 transform's worth of algorithms: a single algorithm of each kind. */
export interface Ikev1Suite {
  readonly protocol: ProposalProtocol;
  readonly encryption?: EncryptionTransform;
  readonly integrity?: IntegrityTransform;
  readonly dh?: DhTransform;
  readonly esn?: EsnTransform;
}

/**
 * The IKEv1 suites of a proposal: 'strip' keeps the first algorithm of each kind (strongSwan's
 * IKEv1 behaviour); 'expand' gives the cross product in preference order, so e.g.
 * `aes128-aes256-sha256-sha1-modp2048-modp1024` becomes 8 transforms. For IKE, the PRF is the
 * HMAC of the hash (RFC 2409 section 4), so explicit PRFs and AEAD ciphers are refused.
 */
export function ikev1Suites(p: Proposal, mode: 'strip' | 'expand' = 'strip'): Ikev1Suite[] {
  if (p.protocol === 'ike') {
    if (p.encryption.some((e) => e.aead))
      throw new UnsupportedAlgorithmError('AEAD ciphers in IKEv1 phase 1');
    if (p.integrity.some((i) => i.ikeHashId === undefined)) {
      throw new UnsupportedAlgorithmError('integrity algorithm without an IKEv1 hash');
    }
  }
  const pick = <T>(list: readonly T[]): (T | undefined)[] => {
    if (list.length === 0) return [undefined];
    return mode === 'strip' ? [list[0]] : [...list];
  };
  const out: Ikev1Suite[] = [];
  for (const encryption of pick(p.encryption))
    for (const integrity of pick(p.integrity))
      for (const dh of pick(p.dh))
        for (const esn of pick(p.esn)) {
          out.push({
            protocol: p.protocol,
            ...(encryption && { encryption }),
            ...(integrity && { integrity }),
            ...(dh && { dh }),
            ...(esn && { esn }),
          });
        }
  return out;
}
