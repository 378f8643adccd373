/**
 * A CHILD SA's SPIs and keys (RFC 2409 section 5.5: KEYMAT per direction) in one latin1 string of
 * its own (own-bytes.ts). It is the `keys` of the CHILD SA's snapshot (`ChildSaInfo`, which the SA
 * database keeps for the SA's life): the hex of a key is made when it is read (`list-sas
 * --show-keys`, Wireshark, the data plane installing the SA), where the snapshot kept four hex
 * strings, about 250 bytes an SA, beside an ArrayBuffer of the SPIs (issue 12: memory per SA).
 *
 * Reading `encryptionIn` and the others gives what the plain object gave; `JSON.stringify` gives
 * the same JSON (`toJSON`). Unlike the plain object, the four are not own properties:
 * `Object.keys`/`Object.values` and a spread do not list them.
 */
import type { SaKeys } from '../../crypto/index.js';
import type { ChildSaKeys } from '../../sa/types.js';
import { keptBytes, keptView } from './own-bytes.js';

export class ChildSaBytes implements ChildSaKeys {
  /** SPI in | SPI out | encryption in | integrity in | encryption out | integrity out. */
  readonly #bytes: string;
  /** The four lengths, a byte each: SPI in, SPI out, encryption key, integrity key. */
  readonly #lengths: number;

  constructor(spiIn: Uint8Array, spiOut: Uint8Array, inbound: SaKeys, outbound: SaKeys) {
    const encryption = inbound.encryption.length;
    const integrity = inbound.integrity.length;
    if (
      [spiIn.length, spiOut.length, encryption, integrity].some((n) => n > 0x7f) ||
      outbound.encryption.length !== encryption ||
      outbound.integrity.length !== integrity
    )
      throw new RangeError('CHILD SA keys of unexpected lengths');
    this.#bytes = keptBytes(
      Buffer.concat([
        spiIn,
        spiOut,
        inbound.encryption,
        inbound.integrity,
        outbound.encryption,
        outbound.integrity,
      ]),
    );
    this.#lengths = spiIn.length | (spiOut.length << 8) | (encryption << 16) | (integrity << 24);
  }

  /** Our SPI (the inbound SA's), as bytes. */
  get spiIn(): Buffer {
    return this.#part(0, this.#lengths & 0x7f);
  }

  /** The peer's SPI (the outbound SA's), as bytes. */
  get spiOut(): Buffer {
    return this.#part(this.#lengths & 0x7f, (this.#lengths >> 8) & 0x7f);
  }

  get encryptionIn(): string {
    return this.#hex(0, 0);
  }

  get integrityIn(): string {
    return this.#hex(0, 1);
  }

  get encryptionOut(): string {
    return this.#hex(1, 0);
  }

  get integrityOut(): string {
    return this.#hex(1, 1);
  }

  /** The keys as the plain object the snapshot carried, for `JSON.stringify` (list-sas --json). */
  toJSON(): ChildSaKeys {
    return {
      encryptionIn: this.encryptionIn,
      integrityIn: this.integrityIn,
      encryptionOut: this.encryptionOut,
      integrityOut: this.integrityOut,
    };
  }

  #part(at: number, length: number): Buffer {
    return keptView(this.#bytes).subarray(at, at + length);
  }

  /** Direction 0 (in) or 1 (out), key 0 (encryption) or 1 (integrity), in hex ('' when empty). */
  #hex(direction: number, key: number): string {
    const n = this.#lengths;
    const encryption = (n >> 16) & 0x7f;
    const integrity = (n >> 24) & 0x7f;
    const at = (n & 0x7f) + ((n >> 8) & 0x7f) + direction * (encryption + integrity) + key * encryption;
    const length = key === 0 ? encryption : integrity;
    return length === 0 ? '' : keptView(this.#bytes).toString('hex', at, at + length);
  }
}
