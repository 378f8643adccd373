/**
 * The vocabulary of security associations that is no protocol version's own: datagrams in and out,
 * log levels, snapshots of IKE SAs and CHILD SAs, and the events an engine emits about them. The
 * IKEv1 engine (src/ikev1) produces them; the SA database (src/sad), the daemon, the CLI and the data
 * plane consume them without depending on the engine. Times are milliseconds on the caller's clock;
 * an engine never reads a clock of its own (docs/architecture.md, "The sans-I/O rule").
 *
 * In IKEv1's words an IKE SA is the ISAKMP SA and a CHILD SA an IPsec SA pair; the cookies of an
 * ISAKMP SA are the SPI pair IKEv2 calls SPIi and SPIr.
 */

/** An IP address (textual, IPv4 or IPv6) and UDP port. */
export interface Address {
  readonly address: string;
  readonly port: number;
}

/** A UDP datagram as the shell received it: the whole UDP payload (with the non-ESP marker on 4500). */
export interface IncomingDatagram {
  /** The address and port it was received on. */
  readonly local: Address;
  readonly remote: Address;
  readonly data: Uint8Array;
}

/** A UDP datagram to send from the socket bound to `local`. `data` is the whole UDP payload. */
export interface Transmit {
  readonly local: Address;
  readonly remote: Address;
  readonly data: Uint8Array;
  /**
   * An answer to an unauthenticated first message that belongs to no SA (Main Mode message 2, a
   * refusal): a flood can ask for tens of thousands a second, so the shell sends it at the least
   * cost (no completion to wait for at shutdown); the peer repeats its message if it is lost.
   */
  readonly stateless?: boolean;
  /**
   * A message sent again: retransmitted on a timer or answering the peer's repeat (what `ikets load`
   * counts as retransmissions).
   */
  readonly retransmission?: boolean;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Phase 1 algorithms as negotiated, in strongSwan's proposal keywords. */
export interface IkeSuiteInfo {
  /** e.g. `aes128`, `3des`. */
  readonly encryption: string;
  /** e.g. `sha256` (the HMAC PRF is the same hash in IKEv1). */
  readonly hash: string;
  /** e.g. `modp2048`, `ecp256`, `curve25519`. */
  readonly dhGroup: string;
  /** The authentication method: `psk`, `rsa`, `dss`, `ecdsa256`, `ecdsa384`, `ecdsa521`. */
  readonly auth: string;
  /** The proposal string strongSwan would print, e.g. `aes128-sha256-modp2048`. */
  readonly proposal: string;
}

/**
 * An IKE SA's state as listings and events show it. An engine keeps finer named states of its own
 * (IKEv1: src/ikev1/states.ts) and maps them onto these.
 */
export type IkeSaState = 'connecting' | 'established' | 'deleting' | 'deleted';

/** A snapshot of an IKE (ISAKMP) SA, for events, listings and the SA database. */
export interface IkeSaInfo {
  /** Unique id of this SA in the endpoint (1, 2, ...). */
  readonly id: number;
  readonly connection: string;
  readonly role: 'initiator' | 'responder';
  /** The exchange that created the SA: IKEv1's Main Mode or Aggressive Mode. */
  readonly exchange: 'main' | 'aggressive';
  readonly state: IkeSaState;
  readonly initiatorCookie: string;
  readonly responderCookie: string;
  readonly local: Address;
  readonly remote: Address;
  readonly localId: string;
  readonly remoteId: string;
  readonly suite: IkeSuiteInfo | undefined;
  /** RFC 3947: which side is behind a NAT (or faked, with `encap = yes`), and whether we float to 4500. */
  readonly nat: { readonly local: boolean; readonly remote: boolean; readonly encapsulated: boolean };
  readonly dpd: boolean;
  readonly establishedAt: number | undefined;
  /** Lifetime negotiated (seconds) and the time the SA will be rekeyed and expires (ms, caller's clock). */
  readonly lifetime: number;
  readonly rekeyAt: number | undefined;
  readonly expiresAt: number | undefined;
  /** Key material, for `list-sas --show-keys` and Wireshark's decryption table; never logged. */
  readonly keys: IkeSaKeys | undefined;
  /** Why phase 1 failed, or is likely failing (the peer's refusal, an undecryptable answer, ...). */
  readonly failure?: string | undefined;
  /** The typed cause when authentication failed (`untrusted`, `expired`, `bad-signature`, ...). */
  readonly failureCode?: string | undefined;
}

/** A child we tried to establish, for `child-sa-failed`. */
export interface ChildSaAttempt {
  readonly connection: string;
  readonly child: string;
  readonly ikeSaId: number;
}

export interface IkeSaKeys {
  readonly skeyidD: string;
  readonly skeyidA: string;
  readonly skeyidE: string;
  /** The encryption key Ka (RFC 2409 Appendix B). */
  readonly encryptionKey: string;
}

export type IpsecProtocol = 'esp' | 'ah';

/** One IPsec SA pair (inbound and outbound) of a child, for the SAD and the data plane. */
export interface ChildSaInfo {
  /** Unique id of this SA pair in the endpoint. */
  readonly id: number;
  /** The child configuration's name. */
  readonly child: string;
  readonly connection: string;
  readonly ikeSaId: number;
  readonly protocol: IpsecProtocol;
  readonly mode: 'tunnel' | 'transport';
  /** UDP encapsulation (RFC 3948) with the IKE SA's NAT-T ports. */
  readonly encapsulation: boolean;
  readonly local: Address;
  readonly remote: Address;
  /** SPIs as 8 hex digits: inbound is ours, outbound the peer's. */
  readonly spiIn: string;
  readonly spiOut: string;
  /** e.g. `aes128`, `aes128gcm16`, `null`; undefined for AH. */
  readonly encryption: string | undefined;
  /** e.g. `sha256` (HMAC-SHA2-256-128); undefined for AEAD ciphers. */
  readonly integrity: string | undefined;
  /** The PFS group, e.g. `modp2048`, or undefined without PFS. */
  readonly pfsGroup: string | undefined;
  readonly proposal: string;
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
  readonly lifetime: { readonly seconds: number; readonly kilobytes: number | undefined };
  readonly installedAt: number;
  readonly rekeyAt: number | undefined;
  readonly expiresAt: number;
  readonly keys: ChildSaKeys;
}

export interface ChildSaKeys {
  readonly encryptionIn: string;
  readonly integrityIn: string;
  readonly encryptionOut: string;
  readonly integrityOut: string;
}

export type DeleteReason = 'local' | 'remote' | 'expired' | 'rekeyed' | 'dead-peer' | 'failed' | 'replaced';

export type EndpointEvent =
  | { readonly type: 'ike-sa-up'; readonly sa: IkeSaInfo }
  | { readonly type: 'ike-sa-down'; readonly sa: IkeSaInfo; readonly reason: DeleteReason }
  | { readonly type: 'child-sa-up'; readonly sa: ChildSaInfo; readonly rekeyOf: number | undefined }
  | { readonly type: 'child-sa-down'; readonly sa: ChildSaInfo; readonly reason: DeleteReason }
  /** A Quick Mode we started ended without SAs: `reason` says why (the peer's refusal). */
  | { readonly type: 'child-sa-failed'; readonly sa: ChildSaAttempt; readonly reason: string }
  /** An IPsec SA now belongs to another ISAKMP SA (the successor of a rekeyed or deleted one). */
  | { readonly type: 'child-sa-updated'; readonly sa: ChildSaInfo }
  /**
   * DPD is about to start a round on an ISAKMP SA (`dpdTrafficCheck`): when did these CHILD SAs
   * last receive traffic? The shell answers with `childTraffic`; unanswered, the R-U-THERE goes.
   */
  | {
      readonly type: 'dpd-traffic-check';
      readonly sa: { readonly connection: string; readonly ikeSaId: number };
      readonly children: readonly number[];
    }
  | {
      readonly type: 'log';
      readonly level: LogLevel;
      readonly message: string;
      /** The IKE SA the line is about (its id), if any. */
      readonly ikeSa?: number;
      readonly connection?: string;
    };
