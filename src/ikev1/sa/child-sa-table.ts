/**
 * The IPsec SAs an endpoint negotiated, by inbound SPI, and the SPIs it has handed out for Quick
 * Modes still in progress, so every inbound SPI is unique (RFC 4301 section 4.1).
 */
import type { ChildConfig } from '../../config/swanctl.js';
import type { RandomSource } from '../../crypto/index.js';
import { MultiIndex } from '../../sa/multi-index.js';
import type { ChildSaInfo } from '../../sa/types.js';
import { type ChildSaState, enterChildSa } from '../states.js';
import type { ChildSaBytes } from './child-sa-bytes.js';
import { type IkeSa, peerKey } from './ike-sa.js';

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

/**
 * A CHILD SA as Quick Mode installs it: its SPIs live with its keys in the snapshot's `keys`
 * (child-sa-bytes.ts), Buffers made on use: a Buffer kept per SPI cost 96 bytes, a pool slice
 * pinned 8 kB, an ArrayBuffer of its own about 300 (issue 12: memory per SA).
 */
export class InstalledChildSa implements ChildSa {
  state: ChildSaState = 'installed';
  readonly #bytes: ChildSaBytes;

  constructor(
    public ikeSa: IkeSa,
    readonly config: ChildConfig,
    bytes: ChildSaBytes,
    public info: ChildSaInfo,
  ) {
    this.#bytes = bytes;
  }

  get spiIn(): Buffer {
    return this.#bytes.spiIn;
  }

  get spiOut(): Buffer {
    return this.#bytes.spiOut;
  }
}

export class ChildSaTable {
  readonly #bySpiIn = new Map<number, ChildSa>();
  readonly #byId = new Map<number, ChildSa>();
  /** The children of each ISAKMP SA, so per-SA work does not scan every child. */
  readonly #byIkeSa = new MultiIndex<IkeSa, ChildSa>();
  /** By child name, then connection name (`ikets up`/`down` of a child). */
  readonly #byName = new Map<string, MultiIndex<string, ChildSa>>();
  /**
   * By peer address and identity (the ISAKMP SA's `peerKey`, the string the SA and its table hold
   * already, so no key string per CHILD SA): with the connection and child name, the pairs a rekey
   * or a peer's Quick Mode is judged against (child-rekey.ts), without scanning every child (issue 12).
   */
  readonly #byPeer = new MultiIndex<string, ChildSa>();
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
    this.#byId.set(child.info.id, child);
    this.#file(child);
  }

  #file(child: ChildSa): void {
    const name = child.config.name;
    let byConnection = this.#byName.get(name);
    if (byConnection === undefined) {
      byConnection = new MultiIndex();
      this.#byName.set(name, byConnection);
    }
    byConnection.add(child.ikeSa.connection.name, child);
    this.#byIkeSa.add(child.ikeSa, child);
    this.#byPeer.add(child.ikeSa.peerKey, child);
  }

  #unfile(child: ChildSa, address = child.ikeSa.remote.address, identity = child.ikeSa.remoteIdText): void {
    const byConnection = this.#byName.get(child.config.name);
    byConnection?.delete(child.ikeSa.connection.name, child);
    if (byConnection?.keys === 0) this.#byName.delete(child.config.name);
    this.#byIkeSa.delete(child.ikeSa, child);
    this.#byPeer.delete(peerKey(address, identity), child);
  }

  /** The ISAKMP SA's peer moved from `oldAddress` (or was `oldId`): its children are filed under the new one. */
  peerMoved(ikeSa: IkeSa, oldAddress: string, oldId = ikeSa.remoteIdText): void {
    for (const child of this.#byIkeSa.get(ikeSa)) {
      this.#unfile(child, oldAddress, oldId);
      this.#file(child);
    }
  }

  /** Hands a child to another ISAKMP SA (the successor of its own). */
  move(child: ChildSa, heir: IkeSa): void {
    this.#unfile(child);
    child.ikeSa = heir;
    this.#file(child);
  }

  remove(child: ChildSa): void {
    const value = child.spiIn.readUInt32BE(0);
    if (this.#bySpiIn.get(value) !== child) {
      if (child.state !== 'deleted') enterChildSa(child, 'deleted');
      return;
    }
    this.#bySpiIn.delete(value);
    this.#byId.delete(child.info.id);
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
    return [...this.#byIkeSa.get(ikeSa)];
  }

  /** Whether the ISAKMP SA carries any CHILD SA. */
  carries(ikeSa: IkeSa): boolean {
    return this.#byIkeSa.count(ikeSa) > 0;
  }

  all(): ChildSa[] {
    return [...this.#bySpiIn.values()];
  }

  get size(): number {
    return this.#bySpiIn.size;
  }

  byId(id: number): ChildSa | undefined {
    return this.#byId.get(id);
  }

  /** The pairs of child `name` of a connection with the peer `identity` at `address` (installed ones and others). */
  kin(connection: string, name: string, address: string, identity: string): readonly ChildSa[] {
    return this.#byPeer
      .get(peerKey(address, identity))
      .filter((c) => c.config.name === name && c.ikeSa.connection.name === connection);
  }

  /** The CHILD SAs named `name`: of one connection, or of all. */
  byName(name: string, connection?: string): readonly ChildSa[] {
    const byConnection = this.#byName.get(name);
    if (byConnection === undefined) return [];
    if (connection !== undefined) return byConnection.get(connection);
    return this.all().filter((c) => c.config.name === name);
  }
}
