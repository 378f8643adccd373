import { readFileSync } from 'node:fs';
import type { HashName } from '../../src/crypto/prf.js';

// Loads a known-answer vector file from test/fixtures/vectors (tests run from dist/test/crypto).
export interface VectorFile<C> {
  readonly source: string;
  readonly description: string;
  readonly cases: readonly C[];
}

export function loadVectors<C>(name: string): VectorFile<C> {
  const url = new URL(`../../../test/fixtures/vectors/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as VectorFile<C>;
}

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** A case of the NIST CAVP SP 800-135 IKEv1 KDF files (nist_cavp_ikev1_psk.json, nist_cavp_ikev1_dsa.json). */
export interface KdfCase {
  hash: string;
  count: number;
  cky_i: string;
  cky_r: string;
  ni: string;
  nr: string;
  g_xy: string;
  pre_shared_key?: string;
  skeyid: string;
  skeyid_d: string;
  skeyid_a: string;
  skeyid_e: string;
}

/** The PRF of a KDF case, by the hash the CAVP files name. */
export const KDF_PRF: Readonly<Record<string, HashName>> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
