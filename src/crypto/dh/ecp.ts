import { createECDH, type ECDH } from 'node:crypto';
import { CryptoError, InvalidPublicValueError } from '../errors.js';
import { cryptoRandom, type RandomSource } from '../random.js';
import type { DhGroup, DhKeyPair } from './group.js';

// ECP groups 19, 20, 21 (RFC 5903): NIST P-256, P-384, P-521 through OpenSSL's ECDH.
// Encoding (RFC 5903 section 7): the KE payload holds x | y, each left-padded to the field length,
// with no 0x04 point-format prefix; the shared secret g^xy is the x coordinate only (section 9).

interface EcpParams {
  readonly id: number;
  readonly name: string;
  readonly curve: string;
  readonly fieldBytes: number;
  /** Bits of the group order; private scalars are drawn with that many bits and rejected if >= n. */
  readonly orderBits: number;
}

const PARAMS: readonly EcpParams[] = [
  { id: 19, name: 'ecp256', curve: 'prime256v1', fieldBytes: 32, orderBits: 256 },
  { id: 20, name: 'ecp384', curve: 'secp384r1', fieldBytes: 48, orderBits: 384 },
  { id: 21, name: 'ecp521', curve: 'secp521r1', fieldBytes: 66, orderBits: 521 },
];

class EcpGroup implements DhGroup {
  readonly kind = 'ecp' as const;
  readonly id: number;
  readonly name: string;
  readonly curve: string;
  readonly publicLength: number;
  readonly secretLength: number;
  readonly #params: EcpParams;

  constructor(params: EcpParams) {
    this.#params = params;
    this.id = params.id;
    this.name = params.name;
    this.curve = params.curve;
    this.publicLength = 2 * params.fieldBytes;
    this.secretLength = params.fieldBytes;
  }

  generate(random: RandomSource = cryptoRandom): DhKeyPair {
    const bytes = Math.ceil(this.#params.orderBits / 8);
    const excess = bytes * 8 - this.#params.orderBits;
    // Rejection sampling: OpenSSL refuses a scalar of 0 or >= n in setPrivateKey; redraw then.
    // At most a handful of draws are ever needed (the probability of rejection is < 2^-32).
    for (let attempt = 0; attempt < 16; attempt++) {
      const d = random.bytes(bytes);
      d[0] = (d[0] ?? 0) & (0xff >> excess);
      try {
        return this.fromPrivate(d);
      } catch {
        // out of range: draw again
      }
    }
    throw new CryptoError('ERR_IKE_RANDOM', 'random source keeps returning invalid EC scalars');
  }

  fromPrivate(privateValue: Uint8Array): DhKeyPair {
    const ecdh = createECDH(this.curve);
    ecdh.setPrivateKey(Buffer.from(privateValue));
    // Drop the 0x04 uncompressed-point prefix (RFC 5903 section 7).
    const publicValue = ecdh.getPublicKey().subarray(1);
    return new EcpKeyPair(this, ecdh, publicValue);
  }
}

class EcpKeyPair implements DhKeyPair {
  readonly group: EcpGroup;
  readonly publicValue: Buffer;
  /** OpenSSL's ECDH object holding the private scalar (kept: setting a scalar costs a point multiplication). */
  readonly #ecdh: ECDH;

  constructor(group: EcpGroup, ecdh: ECDH, publicValue: Buffer) {
    this.group = group;
    this.#ecdh = ecdh;
    this.publicValue = publicValue;
  }

  computeSecret(peerPublic: Uint8Array): Buffer {
    const g = this.group;
    if (peerPublic.length !== g.publicLength) {
      throw new InvalidPublicValueError(g.id, `length ${peerPublic.length}, expected ${g.publicLength}`);
    }
    // RFC 6989 section 2.3: the point must be on the curve and not the point at infinity. The
    // infinity point has no x | y encoding, and OpenSSL's point decoding rejects off-curve points
    // and coordinates >= p; those are reported as InvalidPublicValueError.
    try {
      return this.#ecdh.computeSecret(Buffer.concat([Buffer.from([0x04]), peerPublic]));
    } catch {
      throw new InvalidPublicValueError(g.id, 'not a point on the curve');
    }
  }
}

export const ECP_GROUPS: readonly DhGroup[] = PARAMS.map((p) => new EcpGroup(p));
