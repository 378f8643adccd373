/**
 * The Linux kernel data plane: SAs and policies in XFRM (RFC 4301 section 4.4's SAD and SPD live in
 * the kernel), carried over a NETLINK_XFRM socket; ESP (RFC 4303) and AH (RFC 4302) in the kernel;
 * ACQUIRE, EXPIRE and MAPPING from the kernel's multicast groups as backend events.
 *
 * It removes on close() exactly what it installed (SAs by destination/SPI/protocol, policies by
 * selector and direction), never another daemon's.
 */
import { TypedEmitter } from '../../sad/emitter.js';
import {
  type BackendEvents,
  type DataplaneBackend,
  DataplaneError,
  type IpsecSaParams,
  type PolicyParams,
  type SaAddressChange,
  type SaCounters,
  type SaId,
} from '../backend.js';
import { libc } from '../libc.js';
import type { ParsedMessage } from './netlink.js';
import { errnoError, XfrmSocket } from './netlink-socket.js';
import {
  IP_XFRM_POLICY,
  IPV6_XFRM_POLICY,
  SIZEOF,
  SOL_IP,
  SOL_IPV6,
  SOL_UDP,
  UDP_ENCAP,
  UDP_ENCAP_ESPINUDP,
  XfrmMsg,
} from './xfrm-constants.js';
import { parseAcquire, parseExpire, parseMapping, parsePolicyUseTime, parseSaInfo } from './xfrm-events.js';
import {
  addressBytes,
  deletePolicyMessage,
  deleteSaMessage,
  getPolicyMessage,
  getSaMessage,
  newPolicyMessage,
  newSaMessage,
  socketBypassPolicy,
} from './xfrm-messages.js';
import { SaUsage } from './xfrm-usage.js';

export interface XfrmBackendOptions {
  /** The daemon's clock (ms), for SaCounters.lastUsedAt; Date.now by default. */
  readonly now?: () => number;
  /** Skip the start-up probe of ESP support (tests of policies on a kernel without ESP). */
  readonly probe?: boolean;
}

type PolicyKey = Pick<PolicyParams, 'direction' | 'source' | 'destination' | 'priority'>;

function saKey(id: SaId): string {
  return `${id.protocol}/${id.spi >>> 0}/${addressBytes(id.destination).bytes.toString('hex')}`;
}

/** The throwaway SA of the start-up probe: SPI 255 is reserved (RFC 4303 section 2.1), never negotiated. */
const PROBE_SA: IpsecSaParams = {
  reqid: 0,
  direction: 'out',
  protocol: 'esp',
  spi: 255,
  mode: 'tunnel',
  source: '127.0.0.1',
  destination: '127.0.0.1',
  encapsulation: undefined,
  encryption: { name: 'aes128', key: Buffer.alloc(16) },
  integrity: undefined,
  replayWindow: 0,
  limits: { softBytes: 0n, hardBytes: 0n, softPackets: 0n, hardPackets: 0n },
  localTs: { family: 4, start: 0n, end: 0xffffffffn, protocol: 0, port: 0 },
  remoteTs: { family: 4, start: 0n, end: 0xffffffffn, protocol: 0, port: 0 },
};

export class XfrmBackend implements DataplaneBackend {
  readonly name = 'kernel';
  readonly events = new TypedEmitter<BackendEvents>();
  readonly #socket: XfrmSocket;
  readonly #usage: SaUsage;
  readonly #sas = new Map<string, IpsecSaParams>();
  readonly #policies = new Map<string, PolicyParams>();
  readonly #reqids = new Map<number, number>();
  /** The `in` and `fwd` policies installed per template reqid (an inbound SA's use time, xfrm-usage.ts). */
  readonly #inbound = new Map<number, Map<string, PolicyParams>>();

  private constructor(socket: XfrmSocket, options: XfrmBackendOptions) {
    this.#socket = socket;
    this.#usage = new SaUsage(options.now ?? Date.now);
  }

  /**
   * Opens the netlink sockets and checks that the kernel can run ESP by adding and deleting a
   * throwaway SA (which also loads esp4 and the crypto modules). Fails with
   * ERR_DATAPLANE_UNSUPPORTED (no XFRM or no ESP) or ERR_DATAPLANE_PERMISSION (no CAP_NET_ADMIN).
   */
  static async open(options: XfrmBackendOptions = {}): Promise<XfrmBackend> {
    let socket: XfrmSocket;
    try {
      socket = new XfrmSocket();
    } catch (error) {
      if (error instanceof DataplaneError) throw error;
      throw new DataplaneError(
        'ERR_DATAPLANE_UNSUPPORTED',
        `kernel backend: cannot load libc through koffi (${String(error)})`,
      );
    }
    const backend = new XfrmBackend(socket, options);
    try {
      if (options.probe !== false) backend.#probe();
      socket.listen((msg) => backend.#onEvent(msg));
    } catch (error) {
      await socket.close();
      throw error;
    }
    return backend;
  }

  #probe(): void {
    try {
      this.#socket.request(newSaMessage(PROBE_SA, 0), 'probe');
    } catch (error) {
      if (!(error instanceof DataplaneError)) throw error;
      if (error.code === 'ERR_DATAPLANE_PERMISSION')
        throw new DataplaneError(
          'ERR_DATAPLANE_PERMISSION',
          'kernel data plane: no permission to install IPsec SAs (CAP_NET_ADMIN needed)',
        );
      if (error.code !== 'ERR_DATAPLANE_EXISTS')
        throw new DataplaneError(
          'ERR_DATAPLANE_UNSUPPORTED',
          `kernel data plane: this kernel has XFRM but cannot install an ESP SA (${error.message.replace(/^probe: /, '')}; no esp4/esp6 module?)`,
        );
    }
    try {
      this.#socket.request(deleteSaMessage(PROBE_SA, 0), 'probe delete');
    } catch {
      // another ikets probing at the same moment deleted it first
    }
  }

  async addSa(sa: IpsecSaParams): Promise<void> {
    this.#socket.request(newSaMessage(sa, 0), `add ${sa.protocol} SA ${hex(sa.spi)}`);
    this.#sas.set(saKey(sa), sa);
  }

  /**
   * A NAT mapping change (RFC 3948 section 3.3): XFRM cannot change an SA's addresses in place (they
   * are part of its identity), so the SA is deleted and added again with the new addresses and ports.
   * The kernel's counters and replay state of the SA start again from zero.
   */
  async updateSa(id: SaId, change: SaAddressChange): Promise<void> {
    const old = this.#sas.get(saKey(id));
    if (old === undefined)
      throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no SA ${hex(id.spi)} installed by ikets`);
    const updated: IpsecSaParams = { ...old, ...change };
    const key = saKey(id);
    const usage = this.#usage.keep(key);
    await this.deleteSa(id);
    await this.addSa(updated);
    this.#usage.restarted(key, usage);
  }

  async deleteSa(id: SaId): Promise<void> {
    this.#sas.delete(saKey(id));
    this.#usage.forget(saKey(id));
    this.#socket.request(deleteSaMessage(id, 0), `delete ${id.protocol} SA ${hex(id.spi)}`);
  }

  async querySa(id: SaId): Promise<SaCounters> {
    const answer = this.#socket.request(getSaMessage(id, 0), `query SA ${hex(id.spi)}`);
    const state = answer?.type === XfrmMsg.NEWSA ? parseSaInfo(answer.payload) : undefined;
    if (state === undefined)
      throw new DataplaneError('ERR_DATAPLANE_IO', `query SA ${hex(id.spi)}: no SA in the answer`);
    // Not the SA's use_time (its first use): XFRMA_LASTUSED, or the counters narrowed down by the
    // inbound policies' use time (xfrm-usage.ts).
    const sa = this.#sas.get(saKey(id));
    const policyUse = sa?.direction === 'in' ? () => this.#policyUse(sa.reqid) : undefined;
    const lastUsedAt = this.#usage.lastUsedAt(saKey(id), state, policyUse);
    return { bytes: state.bytes, packets: state.packets, lastUsedAt, dropped: state.dropped };
  }

  /** The latest use_time (seconds) of the `in` and `fwd` policies of `reqid`; undefined: none answered. */
  #policyUse(reqid: number): bigint | undefined {
    let latest: bigint | undefined;
    for (const policy of this.#inbound.get(reqid)?.values() ?? []) {
      try {
        const answer = this.#socket.request(getPolicyMessage(policy, 0), `query ${policy.direction} policy`);
        const use = answer?.type === XfrmMsg.NEWPOLICY ? parsePolicyUseTime(answer.payload) : undefined;
        if (use !== undefined && (latest === undefined || use > latest)) latest = use;
      } catch {
        // gone meanwhile: the counters alone decide
      }
    }
    return latest;
  }

  /**
   * XFRM_MSG_UPDPOLICY: the kernel keeps one policy per direction and selector, so the SA's protect
   * policy replaces the trap policy with the same selectors, and the trap policy replaces it again
   * when the SA goes (the SPD hands the backend the best policy of each selector, docs/dataplane.md).
   */
  async addPolicy(policy: PolicyParams): Promise<void> {
    const msg = newPolicyMessage(policy, 0, true);
    this.#socket.request(msg, `add ${policy.direction} policy`);
    // keyed by direction and the selector bytes the kernel matches on (offset 16: after the header)
    const key = `${policy.direction}/${msg.toString('hex', 16, 16 + SIZEOF.selector)}`;
    this.#forgetReqid(key, this.#policies.get(key));
    this.#policies.set(key, policy);
    const reqid = policy.template?.reqid;
    if (reqid === undefined) return;
    this.#reqids.set(reqid, (this.#reqids.get(reqid) ?? 0) + 1);
    if (policy.direction === 'out') return;
    const inbound = this.#inbound.get(reqid) ?? new Map<string, PolicyParams>();
    inbound.set(key, policy);
    this.#inbound.set(reqid, inbound);
  }

  async deletePolicy(policy: PolicyKey): Promise<void> {
    const msg = deletePolicyMessage(policy, 0);
    const key = `${policy.direction}/${msg.toString('hex', 16, 16 + SIZEOF.selector)}`;
    this.#forgetReqid(key, this.#policies.get(key));
    this.#policies.delete(key);
    this.#socket.request(msg, `delete ${policy.direction} policy`);
  }

  /** One policy fewer uses its template's reqid (events about reqids no policy uses are ignored). */
  #forgetReqid(key: string, installed: PolicyParams | undefined): void {
    const reqid = installed?.template?.reqid;
    if (reqid === undefined) return;
    const inbound = this.#inbound.get(reqid);
    if (inbound?.delete(key) === true && inbound.size === 0) this.#inbound.delete(reqid);
    const n = (this.#reqids.get(reqid) ?? 1) - 1;
    if (n > 0) this.#reqids.set(reqid, n);
    else this.#reqids.delete(reqid);
  }

  /**
   * IKE's sockets bypass the SPD (RFC 4301 section 5.1.1 would otherwise have IKE protect itself):
   * a per-socket ALLOW policy in and out. The NAT-T socket also gets UDP_ENCAP_ESPINUDP, so the
   * kernel takes ESP-in-UDP (RFC 3948 section 2.2: a non-zero SPI where IKE has the non-ESP marker)
   * off it and hands IKE (marker 0) and keepalives to the daemon as before.
   */
  async bypassSocket(socket: {
    readonly fd: number;
    readonly family: 4 | 6;
    readonly natt: boolean;
  }): Promise<void> {
    const c = libc();
    const [level, option] = socket.family === 4 ? [SOL_IP, IP_XFRM_POLICY] : [SOL_IPV6, IPV6_XFRM_POLICY];
    for (const direction of ['out', 'in'] as const) {
      const policy = socketBypassPolicy(socket.family, direction);
      const set = c.setsockopt(socket.fd, level, option, policy, SIZEOF.userpolicyInfo);
      if (set.result < 0)
        throw errnoError(set.errno, `setsockopt(fd ${socket.fd}, XFRM_POLICY ${direction})`);
    }
    if (socket.natt) {
      const value = Buffer.alloc(4);
      value.writeInt32LE(UDP_ENCAP_ESPINUDP, 0);
      const set = c.setsockopt(socket.fd, SOL_UDP, UDP_ENCAP, value, 4);
      if (set.result < 0) throw errnoError(set.errno, `setsockopt(fd ${socket.fd}, UDP_ENCAP)`);
    }
  }

  #onEvent(msg: ParsedMessage): void {
    if (msg.type === XfrmMsg.ACQUIRE) {
      const acquire = parseAcquire(msg.payload);
      if (acquire !== undefined && this.#reqids.has(acquire.reqid)) this.events.emit('acquire', acquire);
    } else if (msg.type === XfrmMsg.EXPIRE) {
      const expire = parseExpire(msg.payload);
      if (expire === undefined || !this.#sas.has(saKey(expire))) return;
      // a hard expiry: the kernel deletes the SA itself
      if (expire.hard) {
        this.#sas.delete(saKey(expire));
        this.#usage.forget(saKey(expire));
      }
      this.events.emit('expire', {
        spi: expire.spi,
        protocol: expire.protocol,
        destination: expire.destination,
        hard: expire.hard,
      });
    } else if (msg.type === XfrmMsg.MAPPING) {
      const mapping = parseMapping(msg.payload);
      if (mapping !== undefined && this.#sas.has(saKey(mapping))) this.events.emit('mapping', mapping);
    }
  }

  /** Deletes every SA and policy this backend installed (and only those), then closes the sockets. */
  async close(): Promise<void> {
    for (const sa of [...this.#sas.values()]) {
      try {
        await this.deleteSa(sa);
      } catch {
        // already gone (hard expiry, or deleted by hand)
      }
    }
    for (const policy of [...this.#policies.values()]) {
      try {
        await this.deletePolicy(policy);
      } catch {
        // already gone
      }
    }
    await this.#socket.close();
  }
}

function hex(spi: number): string {
  return `0x${(spi >>> 0).toString(16).padStart(8, '0')}`;
}
