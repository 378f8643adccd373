/**
 * The userspace data plane (strongSwan's kernel-libipsec is the model): IP packets the host routes
 * into a packet device (TUN) are matched against the SPD, protected with ESP and sent as ESP-in-UDP
 * from the daemon's NAT-T socket (RFC 3948); ESP-in-UDP the daemon receives is verified, decrypted,
 * checked and written back to the device. Without a raw ESP socket every SA must be
 * UDP-encapsulated, and AH (which RFC 3948 cannot carry) is refused. docs/dataplane.md.
 */
import { formatIpv4, formatIpv6 } from '../../codec/address.js';
import { TypedEmitter } from '../../sad/emitter.js';
import {
  type BackendEvents,
  type DataplaneBackend,
  DataplaneError,
  type EspInUdpPort,
  type IpsecSaParams,
  type PolicyParams,
  type SaAddressChange,
  type SaCounters,
  type SaId,
  type UdpAddress,
} from '../backend.js';
import { type DropReason, isDrop } from '../esp/drop.js';
import { espProtect, espSpi, espUnprotect } from '../esp/esp.js';
import { packetFlow } from '../esp/ip.js';
import { classifyNattPayload } from '../esp/natt.js';
import { IpsecSa, type IvSource } from '../esp/sa.js';
import type { HostRouting, PacketDevice } from './host.js';
import { LogLimiter } from './log-limiter.js';
import { type PolicyKey, PolicyTable } from './policy-table.js';
import { pooledRandom } from './random-pool.js';
import { RouteTable } from './route-table.js';

export interface UserspaceBackendOptions {
  readonly device: PacketDevice;
  readonly routing: HostRouting;
  readonly port: EspInUdpPort;
  /** ms on the daemon's clock. */
  readonly clock: () => number;
  /** Fills CBC IVs (default: node:crypto's CSPRNG through a pool). */
  readonly random?: IvSource;
  /** A trap/protect policy without an SA asks again after this long (XFRM's acquire expiry: 30 s). */
  readonly acquireRetryMs?: number;
  /** One log line per kind of drop per interval (default 10 s). */
  readonly logIntervalMs?: number;
  /**
   * Receive buffer of the daemon's NAT-T sockets, in bytes (default 2 MiB; the kernel doubles it).
   * The default 208 KiB holds some 90 full-size ESP packets: a single-threaded daemon descheduled
   * for a few milliseconds on a busy host lost 15% of a TCP transfer's packets there
   * (docs/benchmarks.md).
   */
  readonly nattReceiveBuffer?: number;
  /** close() also closes the routing and the device (the backend owns them, as `ikets start` builds it). */
  readonly ownsHost?: boolean;
}

/** Drops that no SA can be charged with (a type, not an interface: it is a `Record<string, number>`). */
export type UnattributedDrops = {
  /** ESP-in-UDP whose SPI names no inbound SA. */
  unknownSpi: number;
  /** Not an ESP packet or not an IP packet. */
  malformed: number;
  /** A packet from the device that no outbound policy matches, or a drop / bypass policy. */
  noPolicy: number;
  /**
   * A packet of a trap or protect policy without an SA that could not wait: beyond the few queued
   * per acquire, or queued and the SA never came.
   */
  noSa: number;
};

interface SaEntry {
  readonly params: IpsecSaParams;
  readonly sa: IpsecSa;
  encapsulation: NonNullable<IpsecSaParams['encapsulation']>;
  /** The peer's last address and port (RFC 3948 section 3.3), to report a mapping change once. */
  mappedAddress: string;
  mappedPort: number;
}

/** Packets kept per pending acquire until its SA arrives (the device's own buffer is copied). */
const QUEUED_PER_ACQUIRE = 4;

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

function addressText(p: Uint8Array, offset: number, family: 4 | 6): string {
  return family === 4
    ? formatIpv4(p.subarray(offset, offset + 4))
    : formatIpv6(p.subarray(offset, offset + 16));
}

export class UserspaceBackend implements DataplaneBackend {
  readonly name = 'userspace';
  /** No raw ESP socket: ESP goes over UDP only, as with strongSwan's kernel-libipsec. */
  readonly requiresUdpEncapsulation = true;
  readonly events = new TypedEmitter<BackendEvents>();
  readonly drops: UnattributedDrops = { unknownSpi: 0, malformed: 0, noPolicy: 0, noSa: 0 };
  readonly #o: UserspaceBackendOptions;
  readonly #random: IvSource;
  readonly #sas = new Map<string, SaEntry>();
  readonly #inbound = new Map<number, SaEntry>();
  /** Outbound SAs per reqid, oldest first: the newest serves (after a rekey the new SA takes over). */
  readonly #outbound = new Map<number, SaEntry[]>();
  readonly #policies = new PolicyTable();
  readonly #routes: RouteTable;
  /** Per reqid: when the pending acquire was emitted and the packets waiting for its SA. */
  readonly #acquires = new Map<number, { at: number; queued: Buffer[] }>();
  readonly #log: LogLimiter;
  #closed = false;

  constructor(options: UserspaceBackendOptions) {
    this.#o = options;
    this.#random = options.random ?? pooledRandom();
    this.#routes = new RouteTable(options.routing);
    this.#log = new LogLimiter(options.logIntervalMs ?? 10_000, (level, message) =>
      this.events.emit('log', { level, message }),
    );
    options.device.onPacket((packet) => this.#outboundPacket(packet));
  }

  async addSa(params: IpsecSaParams): Promise<void> {
    if (params.protocol !== 'esp') {
      throw new DataplaneError(
        'ERR_DATAPLANE_UNSUPPORTED',
        'the userspace data plane carries ESP only: AH cannot be UDP-encapsulated (RFC 3948) and there is no raw IP socket',
      );
    }
    if (params.encapsulation === undefined) {
      throw new DataplaneError(
        'ERR_DATAPLANE_UNSUPPORTED',
        `SA ${params.spi.toString(16)}: the userspace data plane sends ESP only in UDP (RFC 3948); the SA needs NAT-T encapsulation`,
      );
    }
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
      encapsulation: params.encapsulation,
      mappedAddress: params.source,
      mappedPort: params.encapsulation.sourcePort,
    };
    sa.onExpire = (hard) =>
      this.events.emit('expire', {
        spi: sa.spi,
        protocol: params.protocol,
        destination: sa.destination,
        hard,
      });
    this.#sas.set(key, entry);
    if (params.direction === 'in') this.#inbound.set(sa.spi, entry);
    else {
      const list = this.#outbound.get(params.reqid) ?? [];
      list.push(entry);
      this.#outbound.set(params.reqid, list);
      // The packets that triggered the acquire leave with the new SA.
      const pending = this.#acquires.get(params.reqid);
      this.#acquires.delete(params.reqid);
      const now = this.#o.clock();
      for (const packet of pending?.queued ?? []) this.#protectAndSend(entry, packet, now);
    }
  }

  #entry(id: SaId): SaEntry {
    const entry = this.#sas.get(saKey(id.protocol, id.spi, id.destination));
    if (entry === undefined)
      throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no SA ${id.spi.toString(16)}`);
    return entry;
  }

  async updateSa(id: SaId, change: SaAddressChange): Promise<void> {
    const entry = this.#entry(id);
    if (change.encapsulation === undefined) {
      throw new DataplaneError(
        'ERR_DATAPLANE_UNSUPPORTED',
        'the userspace data plane needs UDP encapsulation',
      );
    }
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

  async deleteSa(id: SaId): Promise<void> {
    const entry = this.#entry(id);
    this.#sas.delete(saKey(id.protocol, id.spi, id.destination));
    entry.sa.onExpire = undefined;
    if (entry.params.direction === 'in') this.#inbound.delete(entry.sa.spi);
    else {
      const list = (this.#outbound.get(entry.params.reqid) ?? []).filter((e) => e !== entry);
      if (list.length === 0) this.#outbound.delete(entry.params.reqid);
      else this.#outbound.set(entry.params.reqid, list);
    }
  }

  async querySa(id: SaId): Promise<SaCounters> {
    const { sa } = this.#entry(id);
    return {
      bytes: BigInt(sa.bytes),
      packets: BigInt(sa.packets),
      lastUsedAt: sa.lastUsedAt,
      dropped: BigInt(sa.dropped),
      dropReasons: Object.fromEntries(Object.entries(sa.drops).filter(([, n]) => n > 0)),
    };
  }

  /** Drops of one SA by reason (for `list-sas` and the tests). */
  saDrops(id: SaId): Readonly<Record<DropReason, number>> {
    return { ...this.#entry(id).sa.drops };
  }

  /** Installs the policy or replaces the one with the same direction and selectors (XFRM's update). */
  async addPolicy(policy: PolicyParams): Promise<void> {
    const replaced = this.#policies.add(policy);
    if (this.#routed(policy)) {
      try {
        await this.#routes.add(policy);
      } catch (error) {
        this.#policies.remove(policy);
        if (replaced !== undefined) this.#policies.add(replaced);
        throw error;
      }
    }
    // The new policy took its reference first, so a route both want is never removed in between.
    if (replaced !== undefined && this.#routed(replaced)) await this.#routes.remove(replaced.destination);
  }

  async deletePolicy(policy: PolicyKey): Promise<void> {
    const removed = this.#policies.remove(policy);
    if (removed === undefined) throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', 'no such policy');
    if (this.#routed(removed)) await this.#routes.remove(removed.destination);
  }

  /** Outbound protect and trap policies steer their destination into the device (kernel-libipsec does the same). */
  #routed(p: PolicyParams): boolean {
    return p.direction === 'out' && (p.action === 'protect' || p.action === 'trap');
  }

  async bypassSocket(socket: {
    readonly fd: number;
    readonly family: 4 | 6;
    readonly natt: boolean;
  }): Promise<void> {
    this.#o.routing.markSocket(socket.fd);
    if (socket.natt) this.#o.routing.enlargeReceiveBuffer?.(socket.fd, this.#o.nattReceiveBuffer ?? 2 << 20);
  }

  /** A packet the host routed into the device: SPD lookup, then ESP in UDP (RFC 4301 section 5.1). */
  #outboundPacket(packet: Uint8Array): void {
    if (this.#closed) return;
    const now = this.#o.clock();
    const flow = packetFlow(packet);
    if (flow === undefined) {
      this.drops.malformed++;
      return;
    }
    const policy = this.#policies.lookup('out', flow);
    if (
      policy === undefined ||
      policy.action === 'drop' ||
      policy.action === 'bypass' ||
      policy.template === undefined
    ) {
      // A bypass policy routed into the device is a routing mistake: the packet cannot leave
      // unprotected from here, so it is dropped and counted like one without a policy.
      this.drops.noPolicy++;
      this.#log.note(
        'no-policy',
        now,
        'debug',
        () => 'dropped a packet routed into the device that no protect policy matches',
      );
      return;
    }
    const reqid = policy.template.reqid;
    const entry = this.#outbound.get(reqid)?.at(-1);
    if (entry === undefined) {
      this.#acquire(reqid, packet, flow.family, now);
      return;
    }
    this.#protectAndSend(entry, packet, now);
  }

  #protectAndSend(entry: SaEntry, packet: Uint8Array, now: number): void {
    const esp = espProtect(entry.sa, packet, now, this.#random);
    if (isDrop(esp)) {
      this.#log.note(
        esp,
        now,
        'warn',
        () => `SA ${entry.sa.spi.toString(16)}: outbound packet dropped (${esp})`,
      );
      return;
    }
    const local: UdpAddress = { address: entry.sa.source, port: entry.encapsulation.sourcePort };
    const remote: UdpAddress = { address: entry.sa.destination, port: entry.encapsulation.destinationPort };
    this.#o.port.send(local, remote, esp);
  }

  /**
   * No SA for a policy yet: one acquire per reqid (again after `acquireRetryMs` while none came),
   * and up to QUEUED_PER_ACQUIRE packets kept for the SA (Linux XFRM queues too); a new round
   * drops the packets of the last one.
   */
  #acquire(reqid: number, packet: Uint8Array, family: 4 | 6, now: number): void {
    const pending = this.#acquires.get(reqid);
    if (pending !== undefined && now - pending.at < (this.#o.acquireRetryMs ?? 30_000)) {
      if (pending.queued.length < QUEUED_PER_ACQUIRE) pending.queued.push(Buffer.from(packet));
      else this.drops.noSa++;
      return;
    }
    if (pending !== undefined) this.drops.noSa += pending.queued.length;
    this.#acquires.set(reqid, { at: now, queued: [Buffer.from(packet)] });
    const [src, dst] = family === 4 ? [12, 16] : [8, 24];
    this.events.emit('acquire', {
      reqid,
      source: addressText(packet, src, family),
      destination: addressText(packet, dst, family),
    });
  }

  /** ESP-in-UDP from the NAT-T socket (RFC 3948 section 3.2 / RFC 4301 section 5.2). */
  receiveEspInUdp(datagram: {
    readonly local: UdpAddress;
    readonly remote: UdpAddress;
    readonly data: Uint8Array;
  }): void {
    if (this.#closed) return;
    const data = datagram.data;
    const kind = classifyNattPayload(data);
    if (kind === 'keepalive' || kind === 'ike') return;
    const now = this.#o.clock();
    const spi = kind === 'esp' ? espSpi(data) : undefined;
    if (spi === undefined) {
      this.drops.malformed++;
      return;
    }
    const entry = this.#inbound.get(spi);
    if (entry === undefined) {
      this.drops.unknownSpi++;
      this.#log.note(
        'unknown-spi',
        now,
        'debug',
        () => `dropped ESP with unknown SPI ${spi.toString(16).padStart(8, '0')}`,
      );
      return;
    }
    const sa = entry.sa;
    const inner = espUnprotect(sa, data, now);
    if (isDrop(inner)) {
      this.#log.note(
        inner,
        now,
        'warn',
        () => `SA ${sa.spi.toString(16)}: inbound packet dropped (${inner})`,
      );
      return;
    }
    // Authentic: a new source address or port is a NAT mapping change (RFC 3948 section 3.3).
    const remote = datagram.remote;
    if (remote.port !== entry.mappedPort || remote.address !== entry.mappedAddress) {
      entry.mappedAddress = remote.address;
      entry.mappedPort = remote.port;
      this.events.emit('mapping', {
        spi: sa.spi,
        protocol: 'esp',
        destination: sa.destination,
        address: datagram.remote.address,
        port: datagram.remote.port,
      });
    }
    if (inner.length === 0) return; // dummy packet (RFC 4303 section 2.6)
    if (!this.#inboundPolicyAllows(entry, inner)) {
      sa.drops['selector-mismatch']++;
      this.#log.note(
        'policy',
        now,
        'warn',
        () => `SA ${sa.spi.toString(16)}: inbound packet outside its policy`,
      );
      return;
    }
    this.#o.device.write(inner);
  }

  /**
   * The inbound policy check after decapsulation (RFC 4301 section 5.2 step 4, XFRM's policy check):
   * the first matching `in` policy must require this SA's reqid. No matching policy: the SA's own
   * selectors (checked by the ESP engine) decide.
   */
  #inboundPolicyAllows(entry: SaEntry, inner: Uint8Array): boolean {
    const flow = packetFlow(inner);
    if (flow === undefined) return false;
    const policy = this.#policies.lookup('in', flow);
    if (policy === undefined) return true;
    return (
      (policy.action === 'protect' || policy.action === 'trap') &&
      policy.template?.reqid === entry.params.reqid
    );
  }

  /** Installed policies (for `list-pols` and tests). */
  policies(): PolicyParams[] {
    return this.#policies.all();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#policies.clear();
    this.#sas.clear();
    this.#inbound.clear();
    this.#outbound.clear();
    this.#acquires.clear();
    await this.#routes.clear();
    if (this.#o.ownsHost === true) {
      await this.#o.routing.close();
      await this.#o.device.close();
    }
  }
}
