/**
 * The IPsec SAs an endpoint negotiated, by inbound SPI, and the SPIs it has handed out for Quick
 * Modes still in progress, so every inbound SPI is unique (RFC 4301 section 4.1).
 */
import type { ChildConfig } from '../../config/swanctl.js';
import type { RandomSource } from '../../crypto/index.js';
import type { ChildSaInfo } from '../../sa/types.js';
import { type ChildSaState, enterChildSa } from '../states.js';
import type { IkeSa } from './ike-sa.js';

export interface ChildSa {
  info: ChildSaInfo;
  /** The ISAKMP SA that protects its Deletes and rekeying; a successor adopts it (lifecycle.ts). */
  ikeSa: IkeSa;
  readonly config: ChildConfig;
  readonly spiIn: Buffer;
  readonly spiOut: Buffer;
  /** states.ts; changed only by `enterChildSa`. */
  state: ChildSaState;
}

export class ChildSaTable {
  readonly #bySpiIn = new Map<number, ChildSa>();
  /** The children of each ISAKMP SA, so per-SA work does not scan every child. */
  readonly #byIkeSa = new Map<IkeSa, Set<ChildSa>>();
  readonly #reserved = new Set<number>();
  readonly #random: RandomSource;
  #nextId = 1;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  nextId(): number {
    return this.#nextId++;
  }

  /** A fresh inbound SPI; 1-255 are reserved (RFC 4303 section 2.1). */
  allocateSpi(): Buffer {
    for (;;) {
      const spi = this.#random.bytes(4);
      const value = spi.readUInt32BE(0);
      if (value >= 256 && !this.#bySpiIn.has(value) && !this.#reserved.has(value)) {
        this.#reserved.add(value);
        return spi;
      }
    }
  }

  /** Gives back an SPI of a Quick Mode that did not complete. */
  releaseSpi(spi: Uint8Array): void {
    this.#reserved.delete(Buffer.from(spi).readUInt32BE(0));
  }

  add(child: ChildSa): void {
    const value = child.spiIn.readUInt32BE(0);
    this.#reserved.delete(value);
    this.#bySpiIn.set(value, child);
    this.#file(child);
  }

  #file(child: ChildSa): void {
    const set = this.#byIkeSa.get(child.ikeSa);
    if (set === undefined) this.#byIkeSa.set(child.ikeSa, new Set([child]));
    else set.add(child);
  }

  #unfile(child: ChildSa): void {
    const set = this.#byIkeSa.get(child.ikeSa);
    set?.delete(child);
    if (set?.size === 0) this.#byIkeSa.delete(child.ikeSa);
  }

  /** Hands a child to another ISAKMP SA (the successor of its own). */
  move(child: ChildSa, heir: IkeSa): void {
    this.#unfile(child);
    child.ikeSa = heir;
    this.#file(child);
  }

  remove(child: ChildSa): void {
    this.#bySpiIn.delete(child.spiIn.readUInt32BE(0));
    this.#unfile(child);
    enterChildSa(child, 'deleted');
  }

  bySpiIn(spi: number): ChildSa | undefined {
    return this.#bySpiIn.get(spi);
  }

  /** The child whose outbound SPI (the peer's inbound) is `spi`, as a peer's Delete names it. */
  bySpiOut(ikeSa: IkeSa, protocol: string, spi: Uint8Array): ChildSa | undefined {
    const wanted = Buffer.from(spi);
    return this.ofIkeSa(ikeSa).find((c) => c.info.protocol === protocol && c.spiOut.equals(wanted));
  }

  ofIkeSa(ikeSa: IkeSa): ChildSa[] {
    return [...(this.#byIkeSa.get(ikeSa) ?? [])];
  }

  all(): ChildSa[] {
    return [...this.#bySpiIn.values()];
  }

  byId(id: number): ChildSa | undefined {
    return this.all().find((c) => c.info.id === id);
  }
}
