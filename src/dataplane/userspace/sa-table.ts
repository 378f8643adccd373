/**
 * The userspace data plane's SAD: its IPsec SAs by (protocol, SPI, destination) as XFRM names them,
 * inbound ones by SPI for the receive path, outbound ones per reqid, oldest first (after a rekey the
 * newest serves). docs/dataplane.md.
 */
import { DataplaneError, type IpsecSaParams, type SaAddressChange, type SaId } from '../backend.js';
import { IpsecSa } from '../esp/sa.js';

export interface SaEntry {
  readonly params: IpsecSaParams;
  readonly sa: IpsecSa;
  encapsulation: NonNullable<IpsecSaParams['encapsulation']>;
  /** The peer's last address and port (RFC 3948 section 3.3), to report a mapping change once. */
  mappedAddress: string;
  mappedPort: number;
}

const saKey = (protocol: string, spi: number, destination: string): string =>
  `${protocol}/${spi >>> 0}/${destination}`;

/** An IpsecSa, its failures as typed backend errors (a weak 3DES key, a bad address). */
function buildSa(spec: ConstructorParameters<typeof IpsecSa>[0]): IpsecSa {
  try {
    return new IpsecSa(spec);
  } catch (error) {
    if (error instanceof DataplaneError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new DataplaneError(
      typeof code === 'string' && code.startsWith('ERR_IKE') ? 'ERR_DATAPLANE_ALGORITHM' : 'ERR_DATAPLANE_IO',
      `SA ${spec.spi.toString(16)}: ${(error as Error).message}`,
    );
  }
}

export class UserspaceSaTable {
  readonly #sas = new Map<string, SaEntry>();
  readonly #inbound = new Map<number, SaEntry>();
  readonly #outbound = new Map<number, SaEntry[]>();

  /**
   * Builds the SA (UDP-encapsulated: `encapsulation` is given) and files it; `onExpire` hears of its
   * soft and hard limits. ERR_DATAPLANE_EXISTS when its SPI is taken.
   */
  add(
    params: IpsecSaParams,
    encapsulation: SaEntry['encapsulation'],
    onExpire: (sa: IpsecSa, hard: boolean) => void,
  ): SaEntry {
    const key = saKey(params.protocol, params.spi, params.destination);
    if (this.#sas.has(key) || (params.direction === 'in' && this.#inbound.has(params.spi >>> 0))) {
      throw new DataplaneError('ERR_DATAPLANE_EXISTS', `SA ${params.spi.toString(16)} is installed already`);
    }
    const sa = buildSa({
      protocol: params.protocol,
      direction: params.direction,
      mode: params.mode,
      spi: params.spi,
      source: params.source,
      destination: params.destination,
      encryption: params.encryption,
      integrity: params.integrity,
      replayWindow: params.replayWindow,
      limits: params.limits,
      // IpsecSaParams gives the selectors from this host's side, as ChildSaInfo does.
      localTs: [params.localTs],
      remoteTs: [params.remoteTs],
    });
    const entry: SaEntry = {
      params,
      sa,
      encapsulation,
      mappedAddress: params.source,
      mappedPort: encapsulation.sourcePort,
    };
    sa.onExpire = (hard) => onExpire(sa, hard);
    this.#sas.set(key, entry);
    if (params.direction === 'in') this.#inbound.set(sa.spi, entry);
    else {
      const list = this.#outbound.get(params.reqid) ?? [];
      list.push(entry);
      this.#outbound.set(params.reqid, list);
    }
    return entry;
  }

  /** The SA `id` names; ERR_DATAPLANE_NOT_FOUND without one. */
  entry(id: SaId): SaEntry {
    const entry = this.#sas.get(saKey(id.protocol, id.spi, id.destination));
    if (entry === undefined)
      throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no SA ${id.spi.toString(16)}`);
    return entry;
  }

  /** New addresses and UDP ports (the peer moved, RFC 3948 section 3.3): refiled by its new destination. */
  move(id: SaId, change: SaAddressChange & { encapsulation: SaEntry['encapsulation'] }): void {
    const entry = this.entry(id);
    try {
      entry.sa.setAddresses(change.source, change.destination);
    } catch (error) {
      throw new DataplaneError('ERR_DATAPLANE_IO', (error as Error).message);
    }
    this.#sas.delete(saKey(id.protocol, id.spi, id.destination));
    entry.encapsulation = change.encapsulation;
    entry.mappedAddress = change.source;
    entry.mappedPort = change.encapsulation.sourcePort;
    this.#sas.set(saKey(id.protocol, id.spi, change.destination), entry);
  }

  delete(id: SaId): void {
    const entry = this.entry(id);
    this.#sas.delete(saKey(id.protocol, id.spi, id.destination));
    entry.sa.onExpire = undefined;
    if (entry.params.direction === 'in') this.#inbound.delete(entry.sa.spi);
    else {
      const list = (this.#outbound.get(entry.params.reqid) ?? []).filter((e) => e !== entry);
      if (list.length === 0) this.#outbound.delete(entry.params.reqid);
      else this.#outbound.set(entry.params.reqid, list);
    }
  }

  /** The inbound SA with this SPI. */
  inbound(spi: number): SaEntry | undefined {
    return this.#inbound.get(spi);
  }

  /** The outbound SA that serves `reqid`: the newest. */
  outbound(reqid: number): SaEntry | undefined {
    return this.#outbound.get(reqid)?.at(-1);
  }

  clear(): void {
    this.#sas.clear();
    this.#inbound.clear();
    this.#outbound.clear();
  }
}
