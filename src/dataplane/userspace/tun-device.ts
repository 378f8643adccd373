/**
 * A Linux TUN device as the userspace data plane's PacketDevice: the host routes plaintext packets
 * into it (RFC 4301 section 5.1: they crossed the IPsec boundary outbound), the ESP engine reads them,
 * and writes the decrypted inbound packets back so the host receives them as if they arrived on it.
 *
 * Reading does not block Node's event loop and costs no thread hop: libuv polls the non-blocking fd
 * on the loop (koffi's `node.poll`, a uv_poll handle) and, when it is readable, up to READ_BATCH
 * packets are read with one synchronous read(2) each (a TUN fd returns exactly one packet per read).
 * Writes are one synchronous write(2) per packet. docs/dataplane.md "TUN device" has the measurements
 * behind this choice.
 */
import { writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { DataplaneError } from '../backend.js';
import { Errno, type FdPoller, type Libc, libc, O_CLOEXEC, O_NONBLOCK, O_RDWR } from '../libc.js';
import type { PacketDevice } from './host.js';

/** linux/if_tun.h */
const TUNSETIFF = 0x400454ca; // _IOW('T', 202, int)
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
/** Fail with EBUSY instead of attaching to an existing device of that name. */
const IFF_TUN_EXCL = 0x8000;
/** linux/sockios.h, net/if.h */
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const SIOCSIFMTU = 0x8922;
const IFF_UP = 0x1;
const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
/** struct ifreq: char ifr_name[IFNAMSIZ = 16], then a 24-byte union (flags: short, mtu: int). */
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;
/** The ifreq union holds C shorts and ints in the machine's byte order. */
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * strongSwan's kernel-libipsec default MTU. ESP-in-UDP adds at most 101 bytes over an IPv4 outer
 * header (20 IP + 8 UDP + 8 ESP + 16 IV + 15 padding + 2 trailer + 32 ICV) and 121 over IPv6, so a
 * 1400-byte packet fits a 1500-byte path except with IPv6 outer headers, a CBC cipher and a
 * 256-bit ICV, where the outer packet is fragmented (docs/dataplane.md "TUN device").
 */
export const DEFAULT_TUN_MTU = 1400;
/** The name template: the kernel picks the first free number (ipsec0, ipsec1, ...). */
export const DEFAULT_TUN_NAME = 'ipsec%d';
/** Packets read per readiness callback before yielding to other I/O (the poll is level-triggered). */
const READ_BATCH = 64;
/** The largest IP packet (IPv4 total length, IPv6 without jumbograms): no read is ever truncated. */
const MAX_PACKET = 65535;

export interface TunDeviceOptions {
  /** An interface name, or a template with `%d` that the kernel numbers; default `ipsec%d`. */
  readonly name?: string;
  readonly mtu?: number;
}

/** Counters of the device (packets and bytes both ways, and what failed). */
export interface TunDeviceStats {
  readonly packetsRead: number;
  readonly bytesRead: number;
  readonly packetsWritten: number;
  readonly bytesWritten: number;
  /** read(2) failures other than "nothing queued"; after one the device reads no more (it was deleted). */
  readonly readErrors: number;
  /** write(2) failures (a packet the kernel refused, e.g. not IPv4 or IPv6). */
  readonly writeErrors: number;
  /** Packets read while no receiver was set. */
  readonly unclaimed: number;
}

export class TunDevice implements PacketDevice {
  readonly name: string;
  readonly mtu: number;
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #poller: FdPoller;
  readonly #scratch = Buffer.allocUnsafe(MAX_PACKET);
  #receiver: ((packet: Uint8Array) => void) | undefined;
  #closed = false;
  #stats = {
    packetsRead: 0,
    bytesRead: 0,
    packetsWritten: 0,
    bytesWritten: 0,
    readErrors: 0,
    writeErrors: 0,
    unclaimed: 0,
  };

  private constructor(c: Libc, fd: number, name: string, mtu: number) {
    this.#libc = c;
    this.#fd = fd;
    this.name = name;
    this.mtu = mtu;
    this.#poller = c.pollReadable(fd, () => this.#drain());
  }

  /**
   * Creates the device (it lives as long as this object's fd: close() removes it), sets its MTU and
   * brings it up. Throws DataplaneError: ERR_DATAPLANE_UNSUPPORTED without TUN support,
   * ERR_DATAPLANE_PERMISSION without CAP_NET_ADMIN, ERR_DATAPLANE_EXISTS when a fixed name is taken.
   */
  static open(options: TunDeviceOptions = {}): TunDevice {
    const requested = options.name ?? DEFAULT_TUN_NAME;
    const mtu = options.mtu ?? DEFAULT_TUN_MTU;
    if (Buffer.byteLength(requested) >= IFNAMSIZ || !/^[A-Za-z0-9_.%-]+$/.test(requested))
      throw new DataplaneError('ERR_DATAPLANE_IO', `invalid interface name "${requested}"`);
    // IPv6 needs a link MTU of at least 1280 (RFC 8200 section 5); below it the kernel drops IPv6.
    if (!Number.isInteger(mtu) || mtu < 1280 || mtu > MAX_PACKET)
      throw new DataplaneError('ERR_DATAPLANE_IO', `invalid MTU ${mtu}`);
    let c: Libc;
    try {
      c = libc();
    } catch (error) {
      throw new DataplaneError(
        'ERR_DATAPLANE_UNSUPPORTED',
        `no TUN device: the FFI to libc could not be loaded (${(error as Error).message})`,
      );
    }
    const opened = c.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (opened.result < 0) throw openError(opened.errno);
    const fd = opened.result;
    try {
      const ifr = Buffer.alloc(IFREQ_SIZE);
      ifr.write(requested, 0, 'utf8');
      writeShort(ifr, IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL);
      const set = c.ioctl(fd, TUNSETIFF, ifr);
      if (set.result < 0) throw setIffError(set.errno, requested);
      const end = ifr.indexOf(0);
      const name = ifr.toString('utf8', 0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end);
      configureLink(c, name, mtu);
      return new TunDevice(c, fd, name, mtu);
    } catch (error) {
      c.close(fd);
      throw error;
    }
  }

  get stats(): TunDeviceStats {
    return { ...this.#stats };
  }

  /** One packet to the host's stack (one write(2)); a refused packet is counted, never thrown. */
  write(packet: Uint8Array): void {
    if (this.#closed) return;
    const n = this.#libc.write(this.#fd, packet);
    if (n < 0) {
      this.#stats.writeErrors++;
      return;
    }
    this.#stats.packetsWritten++;
    this.#stats.bytesWritten += n;
  }

  onPacket(receiver: (packet: Uint8Array) => void): void {
    this.#receiver = receiver;
  }

  /** Lets the process exit while the device is open (the poll handle no longer keeps the loop alive). */
  unref(): void {
    this.#poller.unref();
  }

  /** Closes the fd: the kernel removes the (non-persistent) device. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.close();
    this.#libc.close(this.#fd);
  }

  #drain(): void {
    for (let i = 0; i < READ_BATCH && !this.#closed; i++) {
      const n = this.#libc.read(this.#fd, this.#scratch);
      if (n < 0) {
        const errno = this.#libc.errno();
        if (errno === Errno.EAGAIN || errno === Errno.EINTR) return;
        // The device is gone under us (`ip link del`: EBADFD) or broken: stop polling rather than
        // spin on a descriptor that stays readable-with-error; readErrors tells the backend.
        this.#stats.readErrors++;
        this.#poller.stop();
        return;
      }
      this.#stats.packetsRead++;
      this.#stats.bytesRead += n;
      // The receiver gets a view of the read buffer, valid during the call (PacketDevice.onPacket):
      // the next read reuses it. A receiver that keeps a packet copies it (the backend does for the
      // few packets queued per acquire); a copy per packet here was measurable garbage at line rate.
      if (this.#receiver === undefined) this.#stats.unclaimed++;
      else this.#receiver(this.#scratch.subarray(0, n));
    }
  }
}

function openError(errno: number): DataplaneError {
  if (errno === Errno.ENOENT || errno === Errno.ENODEV || errno === Errno.ENXIO)
    return new DataplaneError(
      'ERR_DATAPLANE_UNSUPPORTED',
      'no TUN support: /dev/net/tun is missing (load the tun module, or give the container /dev/net/tun)',
    );
  if (errno === Errno.EACCES || errno === Errno.EPERM)
    return new DataplaneError('ERR_DATAPLANE_PERMISSION', 'no permission to open /dev/net/tun');
  return new DataplaneError('ERR_DATAPLANE_IO', `open /dev/net/tun failed (errno ${errno})`);
}

function setIffError(errno: number, name: string): DataplaneError {
  if (errno === Errno.EPERM || errno === Errno.EACCES)
    return new DataplaneError(
      'ERR_DATAPLANE_PERMISSION',
      'creating a TUN device needs CAP_NET_ADMIN (run as root or grant the capability)',
    );
  if (errno === Errno.EBUSY || errno === Errno.EEXIST)
    return new DataplaneError('ERR_DATAPLANE_EXISTS', `a network interface named ${name} already exists`);
  if (errno === Errno.EINVAL || errno === Errno.ENOTTY || errno === Errno.ENODEV)
    return new DataplaneError(
      'ERR_DATAPLANE_UNSUPPORTED',
      `the kernel refused a TUN device (errno ${errno})`,
    );
  return new DataplaneError('ERR_DATAPLANE_IO', `TUNSETIFF ${name} failed (errno ${errno})`);
}

/** Sets the MTU and IFF_UP through an AF_INET socket's interface ioctls (netdevice(7)). */
function configureLink(c: Libc, name: string, mtu: number): void {
  // No IPv6 link-local address on the device: the kernel would otherwise send router and MLD
  // solicitations into it, packets no policy protects. Routes with a `src` do not need one.
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${name}/addr_gen_mode`, '1');
  } catch {
    // no IPv6 in this kernel or namespace
  }
  const s = c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s.result < 0) throw new DataplaneError('ERR_DATAPLANE_IO', `socket(AF_INET) failed (errno ${s.errno})`);
  try {
    const ifr = Buffer.alloc(IFREQ_SIZE);
    ifr.write(name, 0, 'utf8');
    if (LITTLE_ENDIAN) ifr.writeInt32LE(mtu, IFNAMSIZ);
    else ifr.writeInt32BE(mtu, IFNAMSIZ);
    check(c.ioctl(s.result, SIOCSIFMTU, ifr), `setting the MTU of ${name} to ${mtu}`);
    ifr.fill(0, IFNAMSIZ);
    check(c.ioctl(s.result, SIOCGIFFLAGS, ifr), `reading the flags of ${name}`);
    writeShort(ifr, readShort(ifr) | IFF_UP);
    check(c.ioctl(s.result, SIOCSIFFLAGS, ifr), `bringing ${name} up`);
  } finally {
    c.close(s.result);
  }
}

function check(r: { result: number; errno: number }, what: string): void {
  if (r.result >= 0) return;
  if (r.errno === Errno.EPERM || r.errno === Errno.EACCES)
    throw new DataplaneError('ERR_DATAPLANE_PERMISSION', `${what} needs CAP_NET_ADMIN`);
  throw new DataplaneError('ERR_DATAPLANE_IO', `${what} failed (errno ${r.errno})`);
}

function writeShort(ifr: Buffer, value: number): void {
  if (LITTLE_ENDIAN) ifr.writeUInt16LE(value, IFNAMSIZ);
  else ifr.writeUInt16BE(value, IFNAMSIZ);
}

function readShort(ifr: Buffer): number {
  return LITTLE_ENDIAN ? ifr.readUInt16LE(IFNAMSIZ) : ifr.readUInt16BE(IFNAMSIZ);
}
