/**
 * What the userspace data plane needs from the host, as two small interfaces so the ESP machinery is
 * tested without a kernel: a packet device (a TUN device in production, RFC 4301 section 5's
 * "unprotected interface" seen from IPsec) and the host's routing (the routes that steer each child's
 * remote traffic selectors into the device, and the exception that keeps the daemon's own UDP
 * packets out of it).
 */
import type { Selector } from '../backend.js';

/** A layer-3 device: IP packets in and out, no link-layer framing (IFF_TUN | IFF_NO_PI). */
export interface PacketDevice {
  readonly name: string;
  /** Hands one IPv4 or IPv6 packet to the host's stack, as if it had arrived on the device. */
  write(packet: Uint8Array): void;
  /**
   * The receiver of the IP packets the host routes into the device (one receiver; a new one replaces
   * it). A packet is valid during the call only (the device may reuse its buffer): keep a copy.
   */
  onPacket(receiver: (packet: Uint8Array) => void): void;
  close(): Promise<void>;
}

/**
 * The host routes of the userspace data plane. Like strongSwan's kernel-libipsec, routes go to a
 * table of their own (220) consulted by a rule that skips packets carrying the daemon's fwmark, so
 * the ESP-in-UDP and IKE packets the daemon sends to a peer inside a remote selector are never routed
 * back into the device (an encryption loop; ../shared/interop/README.md, "the fwmark lesson").
 */
export interface HostRouting {
  /** Routes `destination` (covered by its smallest prefix) into the device, with `source` as preferred source. */
  addRoute(destination: Selector, source: string | undefined): Promise<void>;
  /**
   * The preferred source of the routes of a policy whose local selector is `localTs`: an address of
   * this host inside it (as charon picks it), so that traffic the host itself sends to the remote
   * subnet leaves from the local subnet and matches the policy. Undefined: no preference.
   */
  sourceFor?(localTs: Selector): string | undefined;
  deleteRoute(destination: Selector): Promise<void>;
  /** Marks a socket of the daemon (SO_MARK) so its packets bypass the table of the device. */
  markSocket(fd: number): void;
  /**
   * Gives a socket of the daemon a receive buffer of at least `bytes` (best effort): ESP-in-UDP that
   * arrives while the daemon's one thread is busy waits in it instead of being dropped.
   */
  enlargeReceiveBuffer?(fd: number, bytes: number): void;
  /** Removes the rule, the table's routes and anything else it installed. */
  close(): Promise<void>;
}
