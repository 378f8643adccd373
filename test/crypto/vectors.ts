import { readFileSync } from 'node:fs';

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
