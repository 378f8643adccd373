import { createHmac } from 'node:crypto';
import { InvalidLengthError } from './errors.js';
import { equalMacs, type HashName } from './prf.js';
import { aesXcbcMac96 } from './xcbc.js';

// Integrity transforms of ESP and AH: HMAC-MD5-96 (RFC 2403), HMAC-SHA1-96 (RFC 2404),
// HMAC-SHA2-256-128 / -384-192 / -512-256 (RFC 4868 section 2.1: key length = hash output length,
// ICV = half of it), AES-XCBC-MAC-96 (RFC 3566, 16-byte key).

export interface IntegrityAlgorithm {
  /** strongSwan keyword, e.g. `sha256`, `aesxcbc`. */
  readonly name: string;
  readonly keyLength: number;
  readonly icvLength: number;
  compute(key: Uint8Array, data: Uint8Array): Buffer;
  /** Constant-time check of a received ICV. */
  verify(key: Uint8Array, data: Uint8Array, icv: Uint8Array): boolean;
}

function make(
  name: string,
  keyLength: number,
  icvLength: number,
  mac: (key: Uint8Array, data: Uint8Array) => Buffer,
) {
  const compute = (key: Uint8Array, data: Uint8Array): Buffer => {
    if (key.length !== keyLength) throw new InvalidLengthError(`${name} key`, key.length, `${keyLength}`);
    return mac(key, data).subarray(0, icvLength);
  };
  return {
    name,
    keyLength,
    icvLength,
    compute,
    verify: (key: Uint8Array, data: Uint8Array, icv: Uint8Array) => equalMacs(compute(key, data), icv),
  };
}

function hmac(hash: HashName): (key: Uint8Array, data: Uint8Array) => Buffer {
  return (key, data) => createHmac(hash, key).update(data).digest();
}

export const INTEGRITY_ALGORITHMS: readonly IntegrityAlgorithm[] = [
  make('md5', 16, 12, hmac('md5')),
  make('sha1', 20, 12, hmac('sha1')),
  make('sha256', 32, 16, hmac('sha256')),
  make('sha384', 48, 24, hmac('sha384')),
  make('sha512', 64, 32, hmac('sha512')),
  make('aesxcbc', 16, 12, aesXcbcMac96),
];

const BY_NAME = new Map(INTEGRITY_ALGORITHMS.map((a) => [a.name, a]));

export function integrityAlgorithm(name: string): IntegrityAlgorithm | undefined {
  return BY_NAME.get(name);
}
