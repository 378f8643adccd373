/**
 * The userspace data plane (strongSwan's kernel-libipsec is the model): IP packets the host routes
 * into a packet device (TUN) are matched against the SPD, protected with ESP and sent as ESP-in-UDP
 * from the daemon's NAT-T socket (RFC 3948); ESP-in-UDP the daemon receives is verified, decrypted,
 * checked and written back to the device. Without a raw ESP socket every SA must be
 * UDP-encapsulated, and AH (which RFC 3948 cannot carry) is refused. docs/dataplane.md.
 */
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
import type { IvSource } from '../esp/sa.js';
import { PendingAcquires } from './acquires.js';
import type { HostRouting, PacketDevice } from './host.js';
import { LogLimiter } from './log-limiter.js';
import { type PolicyKey, PolicyTable } from './policy-table.js';
import { pooledRandom } from './random-pool.js';
import { RouteTable } from './route-table.js';
import { type SaEntry, UserspaceSaTable } from './sa-table.js';

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

export class UserspaceBackend implements DataplaneBackend {
  readonly name = 'userspace';
  /** No raw ESP socket: ESP goes over UDP only, as with strongSwan's kernel-libipsec. */
  readonly requiresUdpEncapsulation = true;
  readonly events = new TypedEmitter<BackendEvents>();
  readonly drops: UnattributedDrops = { unknownSpi: 0, malformed: 0, noPolicy: 0, noSa: 0 };
  readonly #o: UserspaceBackendOptions;
  readonly #random: IvSource;
  readonly #sas = new UserspaceSaTable();
  readonly #policies = new PolicyTable();
  readonly #routes: RouteTable;
  readonly #acquires: PendingAcquires;
  readonly #log: LogLimiter;
  #closed = false;

  constructor(options: UserspaceBackendOptions) {
    this.#o = options;
    this.#random = options.random ?? pooledRandom();
    this.#routes = new RouteTable(options.routing);
    this.#acquires = new PendingAcquires(options.acquireRetryMs ?? 30_000, this.drops);
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
    const entry = this.#sas.add(params, params.encapsulation, (sa, hard) =>
      this.events.emit('expire', {
        spi: sa.spi,
        protocol: params.protocol,
        destination: sa.destination,
        hard,
      }),
    );
    if (params.direction === 'out') {
      // The packets that triggered the acquire leave with the new SA.
      const now = this.#o.clock();
      for (const packet of this.#acquires.take(params.reqid)) this.#protectAndSend(entry, packet, now);
    }
  }

  async updateSa(id: SaId, change: SaAddressChange): Promise<void> {
    this.#sas.entry(id);
    const encapsulation = change.encapsulation;
    if (encapsulation === undefined) {
      throw new DataplaneError(
        'ERR_DATAPLANE_UNSUPPORTED',
        'the userspace data plane needs UDP encapsulation',
      );
    }
    this.#sas.move(id, { ...change, encapsulation });
  }

  async deleteSa(id: SaId): Promise<void> {
    this.#sas.delete(id);
  }

  async querySa(id: SaId): Promise<SaCounters> {
    const { sa } = this.#sas.entry(id);
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
    return { ...this.#sas.entry(id).sa.drops };
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
    const entry = this.#sas.outbound(reqid);
    if (entry === undefined) {
      const acquire = this.#acquires.packet(reqid, packet, flow.family, now);
      if (acquire !== undefined) this.events.emit('acquire', acquire);
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
    const entry = this.#sas.inbound(spi);
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
    this.#acquires.clear();
    await this.#routes.clear();
    if (this.#o.ownsHost === true) {
      await this.#o.routing.close();
      await this.#o.device.close();
    }
  }
}
