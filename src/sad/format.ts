/**
 * The SAD as text, in the spirit of `swanctl --list-sas`: one block per ISAKMP SA with its IPsec SAs
 * indented below. Keys appear only with `showKeys`. Times are relative to `now` (the clock the SAs'
 * times are on), in whole seconds.
 */
import type { Address, ChildSaInfo, IkeSaInfo } from '../sa/types.js';

export interface ListingOptions {
  /** The current time on the SAs' clock (ms). */
  readonly now: number;
  /** Add SKEYID_d/_a/_e, Ka and the IPsec keys. */
  readonly showKeys?: boolean;
  /** Bytes, packets and last use of each child (by id), from the data plane. */
  readonly traffic?: Readonly<Record<string, TrafficLine>>;
}

/** What the listing shows of a child's traffic (control-protocol.ts ChildTraffic). */
export interface TrafficLine {
  readonly bytesIn: number;
  readonly packetsIn: number;
  readonly bytesOut: number;
  readonly packetsOut: number;
  readonly lastInAt: number | undefined;
  readonly lastOutAt: number | undefined;
  readonly droppedIn: number;
  readonly dropsIn?: Readonly<Record<string, number>>;
}

/** The whole listing; the empty string when there is no SA. */
export function formatSaListing(
  ikeSas: readonly IkeSaInfo[],
  childSas: readonly ChildSaInfo[],
  options: ListingOptions,
): string {
  const lines: string[] = [];
  const ikeIds = new Set(ikeSas.map((s) => s.id));
  for (const ike of [...ikeSas].sort((a, b) => a.id - b.id)) {
    lines.push(...ikeLines(ike, options));
    for (const child of childSas.filter((c) => c.ikeSaId === ike.id).sort((a, b) => a.id - b.id))
      lines.push(...childLines(child, options));
  }
  // In IKEv1 an IPsec SA outlives the ISAKMP SA that negotiated it (RFC 2409 section 5.5).
  const orphans = childSas.filter((c) => !ikeIds.has(c.ikeSaId)).sort((a, b) => a.id - b.id);
  for (const connection of new Set(orphans.map((c) => c.connection))) {
    lines.push(`${connection}: no ISAKMP SA`);
    for (const child of orphans.filter((c) => c.connection === connection))
      lines.push(...childLines(child, options));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * The listing one SA at a time, in the order `formatSaListing` prints (each ISAKMP SA, its IPsec
 * SAs below it, then the IPsec SAs whose ISAKMP SA is gone under a line per connection), for a
 * listing that arrives as a stream (`ikets list-sas` of 100,000 SAs prints as it reads).
 */
export class SaListingWriter {
  #ikeId: number | undefined;
  #orphansOf: string | undefined;

  constructor(private readonly options: ListingOptions) {}

  ike(sa: IkeSaInfo): string {
    this.#ikeId = sa.id;
    this.#orphansOf = undefined;
    return `${ikeLines(sa, this.options).join('\n')}\n`;
  }

  /** A child after its ISAKMP SA, or (any other ikeSaId) one whose ISAKMP SA is gone. */
  child(sa: ChildSaInfo, traffic?: TrafficLine): string {
    const options = traffic === undefined ? this.options : { ...this.options, traffic: { [sa.id]: traffic } };
    const lines = childLines(sa, options);
    if (sa.ikeSaId !== this.#ikeId && sa.connection !== this.#orphansOf) {
      this.#ikeId = undefined;
      this.#orphansOf = sa.connection;
      lines.unshift(`${sa.connection}: no ISAKMP SA`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function ikeLines(sa: IkeSaInfo, options: ListingOptions): string[] {
  const mine = (role: 'initiator' | 'responder') => (sa.role === role ? '*' : '');
  const cookies = `${sa.initiatorCookie}_i${mine('initiator')} ${sa.responderCookie}_r${mine('responder')}`;
  const lines = [
    `${sa.connection}: #${sa.id}, ${sa.state.toUpperCase()}, IKEv1, ${cookies}`,
    `  local  '${sa.localId || '%any'}' @ ${endpoint(sa.local)}`,
    `  remote '${sa.remoteId || '%any'}' @ ${endpoint(sa.remote)}`,
  ];
  const details = [
    sa.suite?.proposal ?? 'no proposal yet',
    sa.exchange === 'main' ? 'Main Mode' : 'Aggressive Mode',
    sa.suite?.auth ?? 'psk',
  ];
  if (sa.dpd) details.push('DPD');
  lines.push(`  ${details.join(', ')}`);
  const nat = [sa.nat.local && 'local behind NAT', sa.nat.remote && 'remote behind NAT'].filter(Boolean);
  if (nat.length > 0 || sa.nat.encapsulated)
    lines.push(
      `  NAT-T: ${nat.length > 0 ? nat.join(', ') : 'no NAT'}${sa.nat.encapsulated ? ', UDP-encapsulated' : ''}`,
    );
  const times: string[] = [];
  if (sa.establishedAt !== undefined) times.push(`established ${ago(sa.establishedAt, options.now)}s ago`);
  if (sa.rekeyAt !== undefined) times.push(`rekeying in ${until(sa.rekeyAt, options.now)}s`);
  if (sa.expiresAt !== undefined) times.push(`expires in ${until(sa.expiresAt, options.now)}s`);
  if (times.length > 0) lines.push(`  ${times.join(', ')}`);
  if (options.showKeys && sa.keys !== undefined) {
    lines.push(
      `  SKEYID_d ${sa.keys.skeyidD}`,
      `  SKEYID_a ${sa.keys.skeyidA}`,
      `  SKEYID_e ${sa.keys.skeyidE}`,
      `  Ka       ${sa.keys.encryptionKey}`,
    );
  }
  return lines;
}

function childLines(sa: ChildSaInfo, options: ListingOptions): string[] {
  const mode = sa.mode === 'tunnel' ? 'TUNNEL' : 'TRANSPORT';
  const lines = [
    `  ${sa.child}: #${sa.id}, INSTALLED, ${mode}${sa.encapsulation ? '-in-UDP' : ''}, ${sa.protocol.toUpperCase()}:${sa.proposal}`,
  ];
  const times = [`installed ${ago(sa.installedAt, options.now)}s ago`];
  if (sa.rekeyAt !== undefined) times.push(`rekeying in ${until(sa.rekeyAt, options.now)}s`);
  times.push(`expires in ${until(sa.expiresAt, options.now)}s`);
  if (sa.lifetime.kilobytes !== undefined) times.push(`or after ${sa.lifetime.kilobytes} KB`);
  lines.push(`    ${times.join(', ')}`);
  const traffic = options.traffic?.[sa.id];
  if (traffic === undefined) lines.push(`    in  ${sa.spiIn}, out ${sa.spiOut}`);
  else {
    // swanctl --list-sas: bytes, packets and the last use of each direction.
    const used = (at: number | undefined) => (at === undefined ? '' : `, ${ago(at, options.now)}s ago`);
    const reasons = Object.entries(traffic.dropsIn ?? {}).map(([reason, n]) => `${n} ${reason}`);
    const why = reasons.length > 0 ? ` (${reasons.join(', ')})` : '';
    const dropped = traffic.droppedIn > 0 ? `, ${traffic.droppedIn} dropped${why}` : '';
    lines.push(
      `    in  ${sa.spiIn}, ${traffic.bytesIn} bytes, ${traffic.packetsIn} packets${used(traffic.lastInAt)}${dropped}`,
      `    out ${sa.spiOut}, ${traffic.bytesOut} bytes, ${traffic.packetsOut} packets${used(traffic.lastOutAt)}`,
    );
  }
  if (options.showKeys) {
    lines.push(
      `    in  encryption key ${sa.keys.encryptionIn || 'none'}, integrity key ${sa.keys.integrityIn || 'none'}`,
      `    out encryption key ${sa.keys.encryptionOut || 'none'}, integrity key ${sa.keys.integrityOut || 'none'}`,
    );
  }
  lines.push(`    ${sa.localTs.join(' ')} === ${sa.remoteTs.join(' ')}`);
  return lines;
}

/** swanctl's `address[port]`, unambiguous for IPv6 too. */
export function endpoint(a: Address): string {
  return `${a.address}[${a.port}]`;
}

function ago(time: number, now: number): number {
  return Math.max(0, Math.floor((now - time) / 1000));
}

function until(time: number, now: number): number {
  return Math.max(0, Math.floor((time - now) / 1000));
}
