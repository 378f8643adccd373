import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { InvalidLengthError, InvalidPublicValueError } from '../errors.js';
import { cryptoRandom, type RandomSource } from '../random.js';
import type { DhGroup, DhKeyPair, PrecomputedKeyPair } from './group.js';

// Curve25519 (group 31) and Curve448 (group 32) per RFC 8031 with X25519/X448 of RFC 7748.
// Encoding (RFC 8031 section 3.1): the KE payload holds the 32 (56) byte little-endian u-coordinate;
// the private value is 32 (56) random bytes, clamped inside X25519/X448 (RFC 7748 section 5).
// Checks: RFC 8031 section 3.2 (mask the top bit of an X25519 u, accept non-canonical values:
// OpenSSL does both) and RFC 7748 section 6.1/6.2: an all-zero shared secret (low-order peer point)
// is rejected.
//
// Node has no raw-key import for these curves. Keys go in as JWK (RFC 8037 OKP keys): that path
// maps to OpenSSL's raw-key functions and is ~50x faster than DER, which runs OpenSSL 3's generic
// decoder (~0.8 ms per key here). A private JWK must carry `x`, but Node derives the public key from
// `d` and ignores the `x` given (checked in tests through the RFC vectors); should a later Node
// check `x`, the import falls back to PKCS#8 DER (RFC 8410, OID 1.3.101.110 / 1.3.101.111).

interface CurveParams {
  readonly id: number;
  readonly name: string;
  readonly crv: 'X25519' | 'X448';
  readonly size: number;
  readonly pkcs8Prefix: Buffer;
  /** The `x` a private JWK must carry, which Node ignores (above): zeros, base64url. */
  readonly placeholder: string;
}

const PARAMS: readonly CurveParams[] = [
  {
    id: 31,
    name: 'curve25519',
    crv: 'X25519',
    size: 32,
    pkcs8Prefix: Buffer.from('302e020100300506032b656e04220420', 'hex'),
    placeholder: Buffer.alloc(32).toString('base64url'),
  },
  {
    id: 32,
    name: 'curve448',
    crv: 'X448',
    size: 56,
    pkcs8Prefix: Buffer.from('3046020100300506032b656f043a0438', 'hex'),
    placeholder: Buffer.alloc(56).toString('base64url'),
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
    const { crv, placeholder } = this.#params;
    try {
      const d = Buffer.from(scalar.buffer, scalar.byteOffset, scalar.length).toString('base64url');
      return createPrivateKey({ key: { kty: 'OKP', crv, d, x: placeholder }, format: 'jwk' });
    } catch {
      return createPrivateKey({
        key: Buffer.concat([this.#params.pkcs8Prefix, scalar]),
        format: 'der',
        type: 'pkcs8',
      });
    }
  }

  publicKey(u: Uint8Array): KeyObject {
    return createPublicKey({
      key: {
        kty: 'OKP',
        crv: this.#params.crv,
        x: Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64url'),
      },
      format: 'jwk',
    });
  }

  /**
   * The public value (u-coordinate) of a private key: the `x` of its JWK, which OpenSSL computed
   * when the key was imported (without a public KeyObject of its own: issue 12, CPU per setup).
   */
  publicValueOf(key: KeyObject): Buffer {
    const x = key.export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new InvalidPublicValueError(this.id, 'no public key');
    return Buffer.from(x, 'base64url');
  }

  generate(random: RandomSource = cryptoRandom): DhKeyPair {
    return this.fromPrivate(this.drawPrivate(random));
  }

  drawPrivate(random: RandomSource): Buffer {
    return random.bytes(this.#params.size);
  }

  precompute(privateValue: Uint8Array): PrecomputedKeyPair {
    const key = this.privateKey(this.#checkLength(privateValue));
    return {
      group: this.id,
      privateValue: Buffer.from(privateValue),
      publicValue: this.publicValueOf(key),
      key,
    };
  }

  fromPrecomputed(p: PrecomputedKeyPair): DhKeyPair {
    const { key } = p;
    if (p.group !== this.id || key === undefined || p.publicValue.length !== this.publicLength)
      throw new InvalidLengthError(
        `precomputed ${this.name} key pair`,
        p.publicValue.length,
        `${this.publicLength}`,
      );
    return new CurveKeyPair(this, key, Buffer.from(p.publicValue));
  }

  #checkLength(privateValue: Uint8Array): Uint8Array {
    if (privateValue.length !== this.#params.size) {
      throw new InvalidLengthError(`${this.name} private value`, privateValue.length, `${this.#params.size}`);
    }
    return privateValue;
  }

  fromPrivate(privateValue: Uint8Array): DhKeyPair {
    if (privateValue.length !== this.#params.size) {
      throw new InvalidLengthError(`${this.name} private value`, privateValue.length, `${this.#params.size}`);
    }
    const key = this.privateKey(privateValue);
    return new CurveKeyPair(this, key, this.publicValueOf(key));
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
    // Its own already (callers make it fresh): not copied again.
    this.publicValue = publicValue;
  }

  computeSecret(peerPublic: Uint8Array): Buffer {
    return this.group.scalarMult(this.#key, peerPublic);
  }

  /** OpenSSL's key crosses threads by postMessage; the scalar is not needed to rebuild the pair. */
  transferable(): PrecomputedKeyPair {
    return {
      group: this.group.id,
      privateValue: new Uint8Array(0),
      publicValue: this.publicValue,
      key: this.#key,
    };
  }
}

export const CURVE_GROUPS: readonly CurveGroup[] = PARAMS.map((p) => new CurveGroup(p));
