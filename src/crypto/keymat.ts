import { CryptoError, InvalidLengthError } from './errors.js';
import { type HashName, prf } from './prf.js';

// KEYMAT for the SAs negotiated in Quick Mode (RFC 2409 section 5.5).

export interface KeymatInput {
  readonly prf: HashName;
  readonly skeyidD: Uint8Array;
  /** The protocol id of the SA (RFC 2407 section 4.4.1: 2 = AH, 3 = ESP, 4 = IPCOMP). */
  readonly protocol: number;
  /**
   * The 4-byte SPI of the SA being keyed: the SPI chosen by the *receiving* side of that SA
   * (inbound SA: our SPI; outbound SA: the peer's SPI).
   */
  readonly spi: Uint8Array;
  /** Ni_b, Nr_b of the Quick Mode. */
  readonly nonceI: Uint8Array;
  readonly nonceR: Uint8Array;
  /** g(qm)^xy with PFS (the Quick Mode KE payloads); absent without PFS. */
  readonly gxy?: Uint8Array;
  /** Bytes of key material wanted. */
  readonly length: number;
}

/**
 * KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), expanded for any length as
 * K1 | K2 | ... with Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * (RFC 2409 section 5.5).
 */
export function deriveKeymat(input: KeymatInput): Buffer {
  const { spi, length } = input;
  if (spi.length !== 4) throw new InvalidLengthError('SPI', spi.length, '4');
  if (!Number.isInteger(input.protocol) || input.protocol < 0 || input.protocol > 255) {
    throw new CryptoError('ERR_IKE_KEYMAT', `protocol id ${input.protocol} is not one octet`);
  }
  if (!Number.isInteger(length) || length < 0)
    throw new CryptoError('ERR_IKE_KEYMAT', `bad length ${length}`);
  const seed = Buffer.concat([
    input.gxy ?? Buffer.alloc(0),
    Buffer.from([input.protocol]),
    spi,
    input.nonceI,
    input.nonceR,
  ]);
  const blocks: Buffer[] = [];
  let total = 0;
  let previous: Buffer | undefined;
  while (total < length) {
    previous =
      previous === undefined
        ? prf(input.prf, input.skeyidD, seed)
        : prf(input.prf, input.skeyidD, previous, seed);
    blocks.push(previous);
    total += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** The keys of one direction of an SA. */
export interface SaKeys {
  /** Encryption key material (for AES-GCM / ChaCha20-Poly1305: key followed by the 4-byte salt). */
  readonly encryption: Buffer;
  readonly integrity: Buffer;
}

/**
 * Splits KEYMAT into the encryption key, then the integrity key: the order strongSwan uses
 * (keymat_v1.c derive_child_keys draws enc_size then int_size bytes from the stream).
 */
export function splitKeymat(keymat: Uint8Array, encryptionLength: number, integrityLength: number): SaKeys {
  if (keymat.length < encryptionLength + integrityLength) {
    throw new InvalidLengthError('KEYMAT', keymat.length, `at least ${encryptionLength + integrityLength}`);
  }
  return {
    encryption: Buffer.from(keymat.subarray(0, encryptionLength)),
    integrity: Buffer.from(keymat.subarray(encryptionLength, encryptionLength + integrityLength)),
  };
}

export interface SaKeyInput extends Omit<KeymatInput, 'spi' | 'length'> {
  /** Our SPI (we receive with it) and the peer's SPI (we send with it). */
  readonly localSpi: Uint8Array;
  readonly remoteSpi: Uint8Array;
  readonly encryptionLength: number;
  readonly integrityLength: number;
}

/**
 * Both directions of one Quick Mode SA: KEYMAT is computed with the SPI of the receiving side
 * (RFC 2409 section 5.5: "the SPI chosen by the destination of the SA is used"), so inbound uses
 * our SPI and outbound the peer's.
 */
export function deriveSaKeys(input: SaKeyInput): { inbound: SaKeys; outbound: SaKeys } {
  const length = input.encryptionLength + input.integrityLength;
  const inbound = deriveKeymat({ ...input, spi: input.localSpi, length });
  const outbound = deriveKeymat({ ...input, spi: input.remoteSpi, length });
  return {
    inbound: splitKeymat(inbound, input.encryptionLength, input.integrityLength),
    outbound: splitKeymat(outbound, input.encryptionLength, input.integrityLength),
  };
}
