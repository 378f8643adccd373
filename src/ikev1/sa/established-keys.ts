/**
 * The keys an established ISAKMP SA keeps for its life (RFC 2409 section 5: SKEYID_d for KEYMAT,
 * SKEYID_a for the HASHes of phase 2 and Informationals, SKEYID_e and Ka shown by `list-sas
 * --show-keys`; Ka and the last phase 1 IV for its cipher, Appendix B), in one ArrayBuffer of the
 * SA's own. A Buffer view costs about 96 bytes and an
 * ArrayBuffer of its own about 230, so the four keys, kept as four Buffers, took about 1.2 kB an SA;
 * here a view is made when a key is used (a few times per exchange), and SKEYID itself is gone
 * (it served only to derive the others). Issue 12: memory per SA.
 */
import type { IsakmpCipher, Skeyid } from '../../crypto/index.js';
import type { Phase1Keys } from './ike-sa.js';
import { ownBytes } from './own-bytes.js';

const NO_SKEYID = Buffer.alloc(0);

export class EstablishedKeys implements Phase1Keys {
  readonly cipher: IsakmpCipher;
  /** SKEYID_d | SKEYID_a | SKEYID_e | Ka | the phase 1 IV (the last two are the cipher's). */
  readonly #bytes: Buffer;
  /** The length of each SKEYID_x (the PRF's output). */
  readonly #prfLength: number;
  readonly #kaLength: number;

  constructor(keys: Phase1Keys) {
    const { skeyidD, skeyidA, skeyidE } = keys.skeyid;
    if (skeyidA.length !== skeyidD.length || skeyidE.length !== skeyidD.length)
      throw new Error('SKEYID_d, _a and _e differ in length');
    this.cipher = keys.cipher;
    const n = skeyidD.length;
    const ka = keys.ka.length;
    const iv = keys.cipher.ivs.blockSize;
    this.#bytes = ownBytes(Buffer.concat([skeyidD, skeyidA, skeyidE, keys.ka, Buffer.alloc(iv)]));
    this.#prfLength = n;
    // The cipher's copy of Ka and the phase 1 IV (the base of every phase 2 IV) live here too.
    this.cipher.keepKeyIn(this.#bytes.subarray(3 * n, 3 * n + ka));
    this.cipher.ivs.keepPhase1IvIn(this.#bytes.subarray(3 * n + ka));
    this.#kaLength = ka;
  }

  get skeyid(): Skeyid {
    const n = this.#prfLength;
    const b = this.#bytes;
    return {
      skeyid: NO_SKEYID,
      skeyidD: b.subarray(0, n),
      skeyidA: b.subarray(n, 2 * n),
      skeyidE: b.subarray(2 * n, 3 * n),
    };
  }

  get ka(): Buffer {
    const at = 3 * this.#prfLength;
    return this.#bytes.subarray(at, at + this.#kaLength);
  }
}
