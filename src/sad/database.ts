/**
 * The security association database: every ISAKMP SA and IPsec SA the engine reports, in one store,
 * built only from the engine's events (src/sa/types.ts). Lookups serve the daemon's listings and
 * the future data plane (inbound SPI -> SA, RFC 4301 section 4.4.2); change events tell the data plane
 * what to install and remove. Pure: no I/O, no clock (times are the engine's, on the caller's clock).
 */
import { MultiIndex } from '../sa/multi-index.js';
import type { ChildSaInfo, DeleteReason, EndpointEvent, IkeSaInfo, IpsecProtocol } from '../sa/types.js';
import { TypedEmitter } from './emitter.js';

/** One entry of the SAD: an ISAKMP SA or an IPsec SA pair. */
export type SadEntry =
  | { readonly kind: 'ike'; readonly sa: IkeSaInfo }
  | { readonly kind: 'child'; readonly sa: ChildSaInfo };

/** What listeners of the SAD receive. */
export interface SadEvents {
  /** A new ISAKMP SA is established, or a new IPsec SA pair installed (not a rekeying). */
  readonly added: SadEntry;
  /** A new IPsec SA pair replaces `old` (RFC 2409 section 5.5 rekeying); `old` stays until its own removal. */
  readonly rekeyed: { readonly sa: ChildSaInfo; readonly old: ChildSaInfo | undefined };
  /** An SA reached its hard lifetime and is gone. */
  readonly expired: SadEntry;
  /** An SA was deleted for any other reason (a Delete sent or received, a rekeying finished, a failure). */
  readonly deleted: SadEntry & { readonly reason: DeleteReason };
}

/** What a name lookup finds: the IKE SAs of a connection and the IPsec SAs of a connection or child. */
export interface SadMatch {
  readonly ike: readonly IkeSaInfo[];
  readonly child: readonly ChildSaInfo[];
}

export class SecurityAssociationDatabase {
  readonly events = new TypedEmitter<SadEvents>();
  readonly #ike = new Map<number, IkeSaInfo>();
  readonly #child = new Map<number, ChildSaInfo>();
  /**
   * Inbound SPI -> child SA id, one table per protocol, keyed by the SPI as a signed 32-bit number
   * (a small integer in V8: no key string, no heap number per SA; issue 12: memory per SA).
   */
  readonly #bySpiIn = { esp: new Map<number, number>(), ah: new Map<number, number>() };
  /**
   * Initiator cookie (16 hex digits, the snapshot's own string) -> IKE SA ids; the responder cookie
   * picks among them. No key string of its own per SA (issue 12: memory per SA).
   */
  readonly #byCookies = new MultiIndex<string, number>();
  /** Ids by connection name, child name and ISAKMP SA, so name lookups scan no other SA (issue 12). */
  readonly #ikeByConnection = new MultiIndex<string, number>();
  readonly #childByConnection = new MultiIndex<string, number>();
  readonly #childByName = new MultiIndex<string, number>();
  readonly #childByIkeSa = new MultiIndex<number, number>();

  /** Applies one engine event; log events and events of unknown SAs are ignored where harmless. */
  apply(event: EndpointEvent): void {
    if (event.type === 'ike-sa-up') this.#putIke(event.sa);
    else if (event.type === 'ike-sa-down') this.#removeIke(event.sa, event.reason);
    else if (event.type === 'child-sa-up') this.#putChild(event.sa, event.rekeyOf);
    else if (event.type === 'child-sa-down') this.#removeChild(event.sa, event.reason);
    // A successor ISAKMP SA adopted the child: same SA, new owner (no added/rekeyed event).
    else if (event.type === 'child-sa-updated') this.#putChild(event.sa, undefined);
  }

  get size(): { readonly ike: number; readonly child: number } {
    return { ike: this.#ike.size, child: this.#child.size };
  }

  ikeSas(): IkeSaInfo[] {
    return [...this.#ike.values()].sort((a, b) => a.id - b.id);
  }

  childSas(): ChildSaInfo[] {
    return [...this.#child.values()].sort((a, b) => a.id - b.id);
  }

  ikeSa(id: number): IkeSaInfo | undefined {
    return this.#ike.get(id);
  }

  childSa(id: number): ChildSaInfo | undefined {
    return this.#child.get(id);
  }

  /** The IPsec SAs negotiated by one ISAKMP SA (or adopted by it), by id. */
  childrenOf(ikeSaId: number): ChildSaInfo[] {
    return this.#children(this.#childByIkeSa.get(ikeSaId));
  }

  /** The SA an inbound packet belongs to: our SPI (a number, or hex with or without 0x) and protocol. */
  byInboundSpi(spi: number | string, protocol: IpsecProtocol = 'esp'): ChildSaInfo | undefined {
    const key = spiKey(spi);
    const id = key === undefined ? undefined : this.#bySpiIn[protocol]?.get(key);
    return id === undefined ? undefined : this.#child.get(id);
  }

  /** The ISAKMP SA with this cookie pair (16 hex digits each, as in IkeSaInfo). */
  byCookies(initiatorCookie: string, responderCookie: string): IkeSaInfo | undefined {
    const responder = lower(responderCookie);
    const id = this.#byCookies.find(
      lower(initiatorCookie),
      (id) => lower(this.#ike.get(id)?.responderCookie ?? '') === responder,
    );
    return id === undefined ? undefined : this.#ike.get(id);
  }

  /** Every SA with this peer IP address. */
  byPeer(address: string): SadMatch {
    const same = (a: string) => normalizeAddress(a) === normalizeAddress(address);
    return {
      ike: this.ikeSas().filter((s) => same(s.remote.address)),
      child: this.childSas().filter((s) => same(s.remote.address)),
    };
  }

  /** The SAs of a connection (its IKE SAs and all its children), or of a child name. */
  byName(name: string): SadMatch {
    const ike = this.#ikeByConnection
      .get(name)
      .map((id) => this.#ike.get(id))
      .filter((s) => s !== undefined)
      .sort((a, b) => a.id - b.id);
    const ids = new Set([...this.#childByConnection.get(name), ...this.#childByName.get(name)]);
    return { ike, child: this.#children([...ids]) };
  }

  #children(ids: readonly number[]): ChildSaInfo[] {
    return ids
      .map((id) => this.#child.get(id))
      .filter((c) => c !== undefined)
      .sort((a, b) => a.id - b.id);
  }

  #putIke(event: IkeSaInfo): void {
    // The keys stay in the engine (listings with keys ask it, list-sas.ts): a copy of them in hex
    // for each SA held was about 340 bytes (issue 12: memory per SA).
    const sa = event.keys === undefined ? event : { ...event, keys: undefined };
    const old = this.#ike.get(sa.id);
    if (old !== undefined) this.#byCookies.delete(lower(old.initiatorCookie), old.id);
    if (old !== undefined) this.#ikeByConnection.delete(old.connection, old.id);
    this.#ike.set(sa.id, sa);
    this.#ikeByConnection.add(sa.connection, sa.id);
    this.#byCookies.add(lower(sa.initiatorCookie), sa.id);
    if (old === undefined) this.events.emit('added', { kind: 'ike', sa: event });
  }

  #removeIke(sa: IkeSaInfo, reason: DeleteReason): void {
    const known = this.#ike.get(sa.id);
    if (known === undefined) return;
    this.#ike.delete(sa.id);
    this.#ikeByConnection.delete(known.connection, known.id);
    this.#byCookies.delete(lower(known.initiatorCookie), known.id);
    this.#announceRemoval({ kind: 'ike', sa }, reason);
  }

  #putChild(sa: ChildSaInfo, rekeyOf: number | undefined): void {
    const old = this.#child.get(sa.id);
    if (old !== undefined) this.#bySpiIn[old.protocol].delete(spiKey(old.spiIn) as number);
    const key = spiKey(sa.spiIn);
    if (key === undefined)
      throw new SadError('ERR_SAD_SPI', `child SA #${sa.id}: '${sa.spiIn}' is not an SPI`);
    const clash = this.#bySpiIn[sa.protocol].get(key);
    if (clash !== undefined && clash !== sa.id)
      throw new SadError(
        'ERR_SAD_SPI',
        `child SA #${sa.id}: inbound SPI ${sa.protocol}:${(key >>> 0).toString(16).padStart(8, '0')} is already SA #${clash}'s`,
      );
    if (old !== undefined) this.#unfileChild(old);
    this.#child.set(sa.id, sa);
    this.#bySpiIn[sa.protocol].set(key, sa.id);
    this.#childByConnection.add(sa.connection, sa.id);
    this.#childByName.add(sa.child, sa.id);
    this.#childByIkeSa.add(sa.ikeSaId, sa.id);
    if (old !== undefined) return;
    if (rekeyOf !== undefined) this.events.emit('rekeyed', { sa, old: this.#child.get(rekeyOf) });
    else this.events.emit('added', { kind: 'child', sa });
  }

  #removeChild(sa: ChildSaInfo, reason: DeleteReason): void {
    const known = this.#child.get(sa.id);
    if (known === undefined) return;
    this.#child.delete(sa.id);
    this.#bySpiIn[known.protocol].delete(spiKey(known.spiIn) as number);
    this.#unfileChild(known);
    this.#announceRemoval({ kind: 'child', sa }, reason);
  }

  #unfileChild(sa: ChildSaInfo): void {
    this.#childByConnection.delete(sa.connection, sa.id);
    this.#childByName.delete(sa.child, sa.id);
    this.#childByIkeSa.delete(sa.ikeSaId, sa.id);
  }

  #announceRemoval(entry: SadEntry, reason: DeleteReason): void {
    if (reason === 'expired') this.events.emit('expired', entry);
    else this.events.emit('deleted', { ...entry, reason });
  }
}

export class SadError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SadError';
    this.code = code;
  }
}

/** The SPI as a signed 32-bit number (`| 0`), or undefined when `spi` is not a 32-bit SPI. */
function spiKey(spi: number | string): number | undefined {
  let value: number;
  if (typeof spi === 'number') value = spi;
  else {
    const hex = spi.replace(/^0x/i, '');
    if (!/^[0-9a-f]{1,8}$/i.test(hex)) return undefined;
    value = Number.parseInt(hex, 16);
  }
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) return undefined;
  return value | 0;
}

/** Hex in lower case; the engine's already is, and keeps its string (no copy per SA). */
const lower = (hex: string) => (/[A-F]/.test(hex) ? hex.toLowerCase() : hex);

/** `::ffff:10.0.0.1` and `10.0.0.1` are one peer; IPv6 text is compared in lower case. */
function normalizeAddress(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}
