import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { InvalidPublicValueError } from '../errors.js';
import { cryptoRandom, type RandomSource } from '../random.js';
import type { DhGroup, DhKeyPair } from './group.js';

// Curve25519 (group 31) and Curve448 (group 32) per RFC 8031 with X25519/X448 of RFC 7748.
// Encoding (RFC 8031 section 2): the KE payload holds the 32 (56) byte little-endian u-coordinate;
// the private value is 32 (56) random bytes, clamped inside X25519/X448 (RFC 7748 section 5).
// Check (RFC 8031 section 2, RFC 7748 section 6): an all-zero shared secret (low-order peer point)
// must be rejected.
//
// Node has no raw-key import for these curves, so keys are wrapped in their fixed DER prefixes
// (RFC 8410: PKCS#8 and SubjectPublicKeyInfo with OID 1.3.101.110 / 1.3.101.111).

interface CurveParams {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  readonly pkcs8Prefix: Buffer;
  readonly spkiPrefix: Buffer;
}

const PARAMS: readonly CurveParams[] = [
  {
    id: 31,
    name: 'curve25519',
    size: 32,
    pkcs8Prefix: Buffer.from('302e020100300506032b656e04220420', 'hex'),
    spkiPrefix: Buffer.from('302a300506032b656e032100', 'hex'),
  },
  {
    id: 32,
    name: 'curve448',
    size: 56,
    pkcs8Prefix: Buffer.from('3046020100300506032b656f043a0438', 'hex'),
    spkiPrefix: Buffer.from('3042300506032b656f033900', 'hex'),
  },
];

export class CurveGroup implements DhGroup {
  readonly kind = 'curve' as const;
  readonly id: number;
  readonly name: string;
  readonly publicLength: number;
  readonly secretLength: number;
  readonly #params: CurveParams;

  constructor(params: CurveParams) {
    this.#params = params;
    this.id = params.id;
    this.name = params.name;
    this.publicLength = params.size;
    this.secretLength = params.size;
  }

  privateKey(scalar: Uint8Array): KeyObject {
    return createPrivateKey({
      key: Buffer.concat([this.#params.pkcs8Prefix, scalar]),
      format: 'der',
      type: 'pkcs8',
    });
  }

  publicKey(u: Uint8Array): KeyObject {
    return createPublicKey({ key: Buffer.concat([this.#params.spkiPrefix, u]), format: 'der', type: 'spki' });
  }

  generate(random: RandomSource = cryptoRandom): DhKeyPair {
    return this.fromPrivate(random.bytes(this.#params.size));
  }

  fromPrivate(privateValue: Uint8Array): DhKeyPair {
    if (privateValue.length !== this.#params.size) {
      throw new InvalidPublicValueError(this.id, `private value of ${privateValue.length} bytes`);
    }
    const key = this.privateKey(privateValue);
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    return new CurveKeyPair(this, key, spki.subarray(spki.length - this.#params.size));
  }

  /** X25519/X448(scalar, u) (RFC 7748 section 5), checking for the all-zero output. */
  scalarMult(key: KeyObject, u: Uint8Array): Buffer {
    if (u.length !== this.publicLength) {
      throw new InvalidPublicValueError(this.id, `length ${u.length}, expected ${this.publicLength}`);
    }
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: key, publicKey: this.publicKey(u) });
    } catch {
      // OpenSSL itself fails the derivation when the result is all zeros.
      throw new InvalidPublicValueError(this.id, 'low-order point (all-zero shared secret)');
    }
    if (shared.every((b) => b === 0)) {
      throw new InvalidPublicValueError(this.id, 'low-order point (all-zero shared secret)');
    }
    return shared;
  }
}

class CurveKeyPair implements DhKeyPair {
  readonly group: CurveGroup;
  readonly publicValue: Buffer;
  readonly #key: KeyObject;

  constructor(group: CurveGroup, key: KeyObject, publicValue: Buffer) {
    this.group = group;
    this.#key = key;
    this.publicValue = Buffer.from(publicValue);
  }

  computeSecret(peerPublic: Uint8Array): Buffer {
    return this.group.scalarMult(this.#key, peerPublic);
  }
}

export const CURVE_GROUPS: readonly CurveGroup[] = PARAMS.map((p) => new CurveGroup(p));
