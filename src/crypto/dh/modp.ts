import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { CryptoError, InvalidPublicValueError } from '../errors.js';
import { cryptoRandom, type RandomSource } from '../random.js';
import { type DhGroup, type DhKeyPair, leftPad, type PrecomputedKeyPair } from './group.js';
import { MODP_PRIMES } from './modp-primes.js';

// MODP groups (RFC 2409 section 6, RFC 3526).
//
// Speed. `crypto.getDiffieHellman('modp2').generateKeys()` costs ~50 ms here versus ~0.5 ms for
// modp14. Measured (Node 20.20, OpenSSL 3.0.19, this machine): almost all of it is the
// *constructor*, not the exponentiation: Node's DiffieHellman constructor runs OpenSSL DH_check()
// to fill `verifyError`. OpenSSL 3 skips the check for primes it knows as named groups (the RFC 3526
// primes of groups 5 and 14-18, the RFC 7919 ffdhe primes) but runs the full safe-prime test (two
// probabilistic primality proofs, of p and of (p-1)/2) for the RFC 2409 primes of groups 1 and 2:
// ~30 ms for modp768, ~50 ms for modp1024. On top of that OpenSSL picks a full-length private
// exponent (768/1024 bits) for those unnamed groups instead of the short one it uses for named groups
// (200-330 bits), which costs a few ms more per key.
//
// Fast path, for every group: one DiffieHellman object per group, built once per process (so the
// DH_check cost is paid once, not per key), and per key `setPrivateKey(x)` + `generateKeys()` with
// our own exponent x drawn from the injected CSPRNG. The exponent length is twice the upper
// strength estimate of RFC 3526 section 8 (NIST SP 800-56A: a private exponent of at least twice
// the security strength), and never below 256 bits. JavaScript is single-threaded and every call
// below is synchronous, so sharing the object between key pairs cannot interleave.
// (`generateKeyPairSync('dh', { group })` + `diffieHellman()` was also measured: key generation is
// fast, but deriving through KeyObjects validates the peer key with a full-length exponentiation,
// ~180 ms for modp8192; see docs/crypto.md.)

interface ModpParams {
  readonly id: number;
  readonly name: string;
  readonly bits: number;
  /** Private exponent length in bytes (see above). */
  readonly exponentBytes: number;
}

// RFC 3526 section 8 strength estimates (upper column) doubled: 1536: 2*120=240 -> 256 bits,
// 2048: 2*160=320, 3072: 2*210=420, 4096: 2*240=480, 6144: 2*270=540, 8192: 2*310=620 bits.
// Groups 1 and 2 (below 80 bits of strength) get the 256-bit floor.
const PARAMS: readonly ModpParams[] = [
  { id: 1, name: 'modp768', bits: 768, exponentBytes: 32 },
  { id: 2, name: 'modp1024', bits: 1024, exponentBytes: 32 },
  { id: 5, name: 'modp1536', bits: 1536, exponentBytes: 32 },
  { id: 14, name: 'modp2048', bits: 2048, exponentBytes: 40 },
  { id: 15, name: 'modp3072', bits: 3072, exponentBytes: 53 },
  { id: 16, name: 'modp4096', bits: 4096, exponentBytes: 60 },
  { id: 17, name: 'modp6144', bits: 6144, exponentBytes: 68 },
  { id: 18, name: 'modp8192', bits: 8192, exponentBytes: 78 },
];

const GENERATOR = Buffer.from([2]);

class ModpGroup implements DhGroup {
  readonly kind = 'modp' as const;
  readonly id: number;
  readonly name: string;
  readonly publicLength: number;
  readonly secretLength: number;
  readonly exponentBytes: number;
  readonly prime: Buffer;
  readonly #pMinus1: Buffer;
  #engine: DiffieHellman | undefined;

  constructor(params: ModpParams) {
    this.id = params.id;
    this.name = params.name;
    this.publicLength = params.bits / 8;
    this.secretLength = params.bits / 8;
    this.exponentBytes = params.exponentBytes;
    const hex = MODP_PRIMES[params.id];
    if (hex === undefined) throw new CryptoError('ERR_IKE_INTERNAL', `no prime for group ${params.id}`);
    this.prime = Buffer.from(hex, 'hex');
    const pMinus1 = Buffer.from(this.prime);
    // p is odd, so p-1 only clears the lowest bit.
    pMinus1[pMinus1.length - 1] = (pMinus1[pMinus1.length - 1] ?? 0) & 0xfe;
    this.#pMinus1 = pMinus1;
  }

  /** The per-group OpenSSL DH object, built on first use (DH_check runs once here). */
  engine(): DiffieHellman {
    this.#engine ??= createDiffieHellman(this.prime, GENERATOR);
    return this.#engine;
  }

  generate(random: RandomSource = cryptoRandom): DhKeyPair {
    return this.fromPrivate(this.drawPrivate(random));
  }

  drawPrivate(random: RandomSource): Buffer {
    for (let attempt = 0; attempt < 8; attempt++) {
      const x = random.bytes(this.exponentBytes);
      // x must be at least 2 (x = 0 or 1 gives g^x = 1 or g); anything else below p-1 is fine.
      if (!isBelowTwo(x)) return x;
    }
    throw new CryptoError('ERR_IKE_RANDOM', 'random source keeps returning a degenerate DH exponent');
  }

  precompute(privateValue: Uint8Array): PrecomputedKeyPair {
    const { publicValue } = this.fromPrivate(privateValue);
    return { group: this.id, privateValue: Buffer.from(privateValue), publicValue };
  }

  fromPrecomputed(p: PrecomputedKeyPair): DhKeyPair {
    if (p.group !== this.id || p.publicValue.length !== this.publicLength)
      throw new CryptoError('ERR_IKE_INTERNAL', `precomputed key pair is not one of ${this.name}`);
    return new ModpKeyPair(this, Buffer.from(p.privateValue), Buffer.from(p.publicValue));
  }

  fromPrivate(privateValue: Uint8Array): DhKeyPair {
    const dh = this.engine();
    dh.setPrivateKey(Buffer.from(privateValue));
    dh.generateKeys();
    const publicValue = leftPad(dh.getPublicKey(), this.publicLength);
    return new ModpKeyPair(this, Buffer.from(privateValue), publicValue);
  }

  /** RFC 6989 section 2.1: the peer's y must satisfy 1 < y < p-1, and have the prime's length. */
  checkPublic(peer: Uint8Array): void {
    if (peer.length !== this.publicLength) {
      throw new InvalidPublicValueError(this.id, `length ${peer.length}, expected ${this.publicLength}`);
    }
    if (isBelowTwo(peer)) throw new InvalidPublicValueError(this.id, 'y <= 1');
    if (Buffer.compare(Buffer.from(peer), this.#pMinus1) >= 0) {
      throw new InvalidPublicValueError(this.id, 'y >= p-1');
    }
  }
}

class ModpKeyPair implements DhKeyPair {
  readonly group: ModpGroup;
  readonly publicValue: Buffer;
  readonly #x: Buffer;

  constructor(group: ModpGroup, x: Buffer, publicValue: Buffer) {
    this.group = group;
    this.#x = x;
    this.publicValue = publicValue;
  }

  computeSecret(peerPublic: Uint8Array): Buffer {
    this.group.checkPublic(peerPublic);
    const dh = this.group.engine();
    dh.setPrivateKey(this.#x);
    // g^xy left-padded to the prime length: RFC 2409 uses g^xy "as is", but strongSwan, libreswan
    // and the NIST/RFC vectors all use the fixed-length (prime length) big-endian encoding.
    return leftPad(dh.computeSecret(Buffer.from(peerPublic)), this.group.secretLength);
  }

  transferable(): PrecomputedKeyPair {
    return { group: this.group.id, privateValue: this.#x, publicValue: this.publicValue };
  }
}

function isBelowTwo(value: Uint8Array): boolean {
  for (let i = 0; i < value.length - 1; i++) if (value[i] !== 0) return false;
  return (value[value.length - 1] ?? 0) < 2;
}

export const MODP_GROUPS: readonly DhGroup[] = PARAMS.map((p) => new ModpGroup(p));
