/**
 * The data plane backend: the small interface between the SA database / SPD and whatever protects
 * packets (the Linux kernel's XFRM, ikets' userspace ESP over a TUN device, or nothing). Modelled on
 * strongSwan's `kernel_ipsec_t`: add/update/delete an SA, add/delete a policy, query an SA's counters,
 * and events back (ACQUIRE of a trap policy, soft/hard expiry by bytes or packets, a NAT mapping
 * change). RFC 4301 section 4.4 names the databases: the SPD (policies) and the SAD (SAs).
 *
 * The backend is I/O: it talks to the kernel or owns sockets and a TUN device. The sans-I/O engine
 * never sees it; the daemon turns backend events into engine inputs (docs/dataplane.md).
 */
import type { TypedEmitter } from '../sad/emitter.js';

export type IpsecProtocolName = 'esp' | 'ah';
export type IpsecMode = 'tunnel' | 'transport';

/**
 * A traffic selector as the data plane matches it (RFC 4301 section 4.4.1.1): an address range of
 * one family, an IP protocol (0 = any) and a port (0 = any). Kernel backends that match only
 * prefixes cover a range with the smallest prefix containing it, as strongSwan does.
 */
export interface Selector {
  readonly family: 4 | 6;
  readonly start: bigint;
  readonly end: bigint;
  readonly protocol: number;
  readonly port: number;
}

/** Byte and packet limits of one SA (swanctl.conf rekey_/life_ bytes and packets); 0n = none. */
export interface SaLimits {
  readonly softBytes: bigint;
  readonly hardBytes: bigint;
  readonly softPackets: bigint;
  readonly hardPackets: bigint;
}

/** One IPsec SA, one direction (RFC 4301 section 4.4.2.1): what the backend installs. */
export interface IpsecSaParams {
  /** Ties SAs to the policies whose template names the same reqid (as XFRM does). */
  readonly reqid: number;
  readonly direction: 'in' | 'out';
  readonly protocol: IpsecProtocolName;
  /** The SPI, chosen by the receiver of this SA's packets (ours for `in`). */
  readonly spi: number;
  readonly mode: IpsecMode;
  /** Outer addresses: the IKE addresses of the sender and receiver of this SA's packets. */
  readonly source: string;
  readonly destination: string;
  /** UDP encapsulation (RFC 3948) with these ports, after NAT-T. */
  readonly encapsulation: { readonly sourcePort: number; readonly destinationPort: number } | undefined;
  /** strongSwan keyword (`aes128`, `aes256gcm16`, `3des`, `null`) and key (salt included for AEAD). */
  readonly encryption: { readonly name: string; readonly key: Buffer } | undefined;
  /** strongSwan keyword (`sha1`, `sha256`, ...) and key; undefined with an AEAD cipher. */
  readonly integrity: { readonly name: string; readonly key: Buffer } | undefined;
  /** Anti-replay window in packets (RFC 4303 section 3.4.3); 0 disables it. Inbound only. */
  readonly replayWindow: number;
  readonly limits: SaLimits;
  /** The selectors the SA carries (transport-mode kernels use them as the SA's selector). */
  readonly localTs: Selector;
  readonly remoteTs: Selector;
}

/** New outer addresses and encapsulation ports of an SA (a NAT mapping change, RFC 3948 section 3.3). */
export interface SaAddressChange {
  readonly source: string;
  readonly destination: string;
  readonly encapsulation: IpsecSaParams['encapsulation'];
}

/** Names one installed SA (RFC 4301 section 4.4.2: SPI, destination and protocol). */
export interface SaId {
  readonly spi: number;
  readonly protocol: IpsecProtocolName;
  readonly destination: string;
}

export type PolicyDirection = 'in' | 'out' | 'fwd';
export type PolicyAction = 'protect' | 'trap' | 'bypass' | 'drop';

/** One SPD entry (RFC 4301 section 4.4.1). */
export interface PolicyParams {
  readonly direction: PolicyDirection;
  readonly source: Selector;
  readonly destination: Selector;
  readonly action: PolicyAction;
  /** Lower value wins (XFRM's convention; strongSwan's computation in spd/priority.ts). */
  readonly priority: number;
  /** For protect and trap: the SA template the policy requires. */
  readonly template:
    | {
        readonly reqid: number;
        readonly protocol: IpsecProtocolName;
        readonly mode: IpsecMode;
        /** Tunnel endpoints (tunnel mode); the packet's own addresses in transport mode. */
        readonly source: string;
        readonly destination: string;
      }
    | undefined;
}

/** Use and byte/packet counters of one SA (RFC 4301 section 4.4.2.1 "lifetime" bookkeeping). */
export interface SaCounters {
  readonly bytes: bigint;
  readonly packets: bigint;
  /**
   * ms on the daemon's clock of the last packet, undefined when never used. The kernel backend
   * before Linux 6.2 cannot tell the last packet's time: there it is the time of the query that
   * first saw the counters at their present values (src/dataplane/kernel/xfrm-usage.ts).
   */
  readonly lastUsedAt: number | undefined;
  /** Packets dropped: bad ICV, replayed, malformed (userspace backend; kernel: its statistics). */
  readonly dropped: bigint;
  /** The drops by reason (`replayed`, `bad-icv`, ...), those that happened, when the backend knows them. */
  readonly dropReasons?: Readonly<Record<string, number>>;
}

export interface BackendEvents {
  /** A packet matched a trap policy: start Quick Mode for the child with this reqid. */
  readonly acquire: { readonly reqid: number; readonly source: string; readonly destination: string };
  /** An SA reached its soft (rekey) or hard (delete) byte or packet limit. */
  readonly expire: SaId & { readonly hard: boolean };
  /** ESP-in-UDP arrived from another address or port than the SA's (RFC 3948 section 3.3). */
  readonly mapping: SaId & { readonly address: string; readonly port: number };
  /** Something the operator should know (a dropped packet, rate-limited by the backend). */
  readonly log: { readonly level: 'error' | 'warn' | 'info' | 'debug'; readonly message: string };
}

/** The typed failure of a backend operation. */
export class DataplaneError extends Error {
  readonly code: DataplaneErrorCode;
  constructor(code: DataplaneErrorCode, message: string) {
    super(message);
    this.name = 'DataplaneError';
    this.code = code;
  }
}

export type DataplaneErrorCode =
  | 'ERR_DATAPLANE_UNSUPPORTED' // the kernel lacks ESP/AH/XFRM, or no TUN device can be made
  | 'ERR_DATAPLANE_PERMISSION' // no CAP_NET_ADMIN
  | 'ERR_DATAPLANE_ALGORITHM' // a transform the backend cannot run
  | 'ERR_DATAPLANE_NOT_FOUND' // no such SA or policy
  | 'ERR_DATAPLANE_EXISTS' // already installed
  | 'ERR_DATAPLANE_IO'; // the kernel or the device refused for another reason

export interface UdpAddress {
  readonly address: string;
  readonly port: number;
}

/** How a userspace backend sends ESP-in-UDP: from the daemon's NAT-T socket bound to `local`. */
export interface EspInUdpPort {
  send(local: UdpAddress, remote: UdpAddress, data: Uint8Array): void;
}

export interface DataplaneBackend {
  /** `kernel`, `userspace` or `none`. */
  readonly name: string;
  /**
   * True when the backend carries only ESP-in-UDP (like strongSwan's kernel-libipsec): the daemon
   * then negotiates UDP encapsulation on every connection (`encap = yes`).
   */
  readonly requiresUdpEncapsulation?: boolean;
  readonly events: TypedEmitter<BackendEvents>;
  /** Packets dropped that no SA can be charged with (an unknown SPI, ...), by reason, if counted. */
  readonly drops?: Readonly<Record<string, number>>;
  addSa(sa: IpsecSaParams): Promise<void>;
  /** New outer addresses or encapsulation ports for an SA (a NAT mapping change, RFC 3948 section 3.3). */
  updateSa(id: SaId, change: SaAddressChange): Promise<void>;
  deleteSa(id: SaId): Promise<void>;
  querySa(id: SaId): Promise<SaCounters>;
  /** Installs the policy, or replaces the one with the same direction and selectors (XFRM update). */
  addPolicy(policy: PolicyParams): Promise<void>;
  deletePolicy(
    policy: Pick<PolicyParams, 'direction' | 'source' | 'destination' | 'priority'>,
  ): Promise<void>;
  /**
   * Lets IKE's own UDP sockets bypass IPsec (RFC 4301 section 5.1: the IKE traffic must not be
   * caught by a policy) and, for kernel ESP-in-UDP, turns on UDP_ENCAP on the NAT-T socket.
   */
  bypassSocket(socket: {
    readonly fd: number;
    readonly family: 4 | 6;
    readonly natt: boolean;
  }): Promise<void>;
  /**
   * Userspace backends only: ESP-in-UDP that arrived on one of the daemon's NAT-T sockets (RFC 3948
   * section 2.2: the first four bytes are a non-zero SPI). They send theirs through the `EspInUdpPort`
   * they were built with, so ESP shares the NAT-T socket with IKE as RFC 3948 requires.
   */
  receiveEspInUdp?(datagram: {
    readonly local: UdpAddress;
    readonly remote: UdpAddress;
    readonly data: Uint8Array;
  }): void;
  /** Removes everything the backend installed. */
  close(): Promise<void>;
}
