/**
 * The link between the SA database and a data plane backend (docs/dataplane.md): every IPsec SA pair
 * the engine reports is installed as two SAs (in, out) with its child's policies, every removal
 * removes them, and `start_action = trap` children get trap policies whose first packet starts Quick
 * Mode. The backend's events come back as engine inputs: ACQUIRE -> initiate, a soft or hard
 * byte/packet limit -> rekey or delete, a NAT mapping change -> the SA follows the peer.
 *
 * Backend calls are asynchronous; they run one at a time in the order the SAD reported the changes,
 * so an SA is never deleted before it was added, and a rekeying's new SA is in place before the old
 * one goes (RFC 4301 section 4.4.2: the SAD and the SPD stay consistent).
 */
import type { ChildConfig, ConnectionConfig, IketsConfig } from '../config/swanctl.js';
import type {
  BackendEvents,
  DataplaneBackend,
  IpsecSaParams,
  PolicyParams,
  SaCounters,
  SaId,
} from '../dataplane/backend.js';
import type { ChildSaInfo, DeleteReason, LogLevel } from '../sa/types.js';
import type { SecurityAssociationDatabase } from '../sad/index.js';
import {
  childPolicies,
  parseSelector,
  ReqidAllocator,
  SecurityPolicyDatabase,
  type SpdOperation,
} from '../spd/index.js';
import { saPair } from './sa-params.js';
import { reqidKeyOf, type Trap, trapOf } from './trap-policies.js';

export interface DataplaneLinkHooks {
  /** The configuration in force (it changes on reload). */
  config(): IketsConfig;
  initiate(connection: string, child: string): string | undefined;
  childLimitReached(childSaId: number, hard: boolean): void;
  /** The SAs of a child could not be installed: delete the child, so both peers agree. */
  installFailed(childSaId: number): void;
  log(level: LogLevel, message: string, connection?: string): void;
  now(): number;
  /** Runs `task` after `ms` (default: an unref'd setTimeout); returns a cancel function. */
  later?(ms: number, task: () => void): () => void;
}

interface InstalledChild {
  readonly info: ChildSaInfo;
  readonly reqid: number;
  readonly reqidKey: string;
  readonly inbound: SaId;
  readonly outbound: SaId;
  readonly policies: readonly PolicyParams[];
}

/** An ACQUIRE is acted on once per reqid until the child is up or this long has passed. */
const ACQUIRE_HOLD_MS = 30_000;

/**
 * A rekeyed child's inbound SA stays this long after the new SAs took over (strongSwan's IKEv2
 * `delete_rekeyed_delay` is 5 s; its IKEv1 keeps it until it expires): the peer may still be sending
 * on its old outbound SA until it has processed our Quick Mode message 3 and Delete, and those
 * packets would otherwise be dropped as unknown SPI (the ikets <-> ikets rekeying test lost one).
 */
export const REKEYED_INBOUND_LINGER_MS = 5000;

export class DataplaneLink {
  readonly spd = new SecurityPolicyDatabase();
  readonly #reqids = new ReqidAllocator();
  readonly #children = new Map<number, InstalledChild>();
  /** `esp:SPI:DST` of both SAs of each child -> the child SA id (for the backend's events). */
  readonly #bySa = new Map<string, number>();
  /** Installed children per reqid, so an ACQUIRE checks no other child (issue 12). */
  readonly #childrenByReqid = new Map<number, number>();
  /** By `connection/child`. */
  readonly #traps = new Map<string, Trap>();
  /** Traps by reqid (the ACQUIRE's key). */
  readonly #trapsByReqid = new Map<number, Trap>();
  /** `connection/child` of traps installed by dpd_action or close_action = trap (kept over reloads). */
  readonly #actionTraps = new Set<string>();
  /** reqid -> when we initiated for an ACQUIRE. */
  readonly #acquiring = new Map<number, number>();
  readonly #offs: (() => void)[] = [];
  /** Inbound SAs of rekeyed children waiting for their removal, with the cancel of its timer. */
  readonly #lingering = new Map<string, { readonly sa: SaId; readonly cancel: () => void }>();
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly backend: DataplaneBackend,
    private readonly hooks: DataplaneLinkHooks,
  ) {
    const events = backend.events;
    this.#offs.push(
      events.on('acquire', (e) => this.#acquire(e)),
      events.on('expire', (e) => this.#expire(e)),
      events.on('mapping', (e) => this.#mapping(e)),
      events.on('log', (e) => hooks.log(e.level, `data plane: ${e.message}`)),
    );
  }

  /** Follows the SAD: installs what is added, removes what is deleted or expired. */
  attach(sad: SecurityAssociationDatabase): void {
    this.#offs.push(
      sad.events.on('added', (e) => {
        if (e.kind === 'child') this.#install(e.sa);
      }),
      sad.events.on('rekeyed', (e) => this.#install(e.sa)),
      sad.events.on('deleted', (e) => {
        if (e.kind === 'child') this.#uninstall(e.sa.id, e.reason === 'rekeyed');
      }),
      sad.events.on('expired', (e) => {
        if (e.kind === 'child') this.#uninstall(e.sa.id);
      }),
    );
  }

  /** Installs the trap policies of `start_action = trap` children (and of trapChild's), dropping stale ones. */
  syncTraps(): void {
    const wanted = new Map<string, { connection: ConnectionConfig; child: ChildConfig }>();
    for (const connection of this.hooks.config().connections)
      for (const child of connection.children)
        if (child.startAction === 'trap' || this.#actionTraps.has(`${connection.name}/${child.name}`))
          wanted.set(`${connection.name}/${child.name}`, { connection, child });
    for (const [key, trap] of this.#traps) if (!wanted.has(key)) this.#removeTrap(key, trap);
    for (const [key, { connection, child }] of wanted) {
      if (this.#traps.has(key)) continue;
      const trap = trapOf(connection, child, this.#reqids);
      if (typeof trap === 'string') {
        this.hooks.log('warn', `cannot install trap policies of '${child.name}': ${trap}`, connection.name);
        continue;
      }
      this.#traps.set(key, trap);
      this.#trapsByReqid.set(trap.reqid, trap);
      this.#enqueue(`trap policies of '${child.name}'`, async () => {
        for (const p of trap.policies) await this.#apply(this.spd.add(`trap:${key}`, p));
      });
    }
  }

  /**
   * `dpd_action = trap` (the peer was declared dead) or `close_action = trap` (the peer closed the
   * child): the child's trap policies go in, so the next matching packet negotiates it again.
   */
  trapChild(connection: string, child: string): void {
    this.#actionTraps.add(`${connection}/${child}`);
    this.syncTraps();
  }

  /** A child SA went down: `dpd_action = trap` or `close_action = trap` puts its trap policies in. */
  childDown(sa: { readonly connection: string; readonly child: string }, reason: DeleteReason): void {
    const config = this.#childConfig(sa.connection, sa.child);
    if (
      (reason === 'dead-peer' && config?.dpdAction === 'trap') ||
      (reason === 'remote' && config?.closeAction === 'trap')
    )
      this.trapChild(sa.connection, sa.child);
  }

  /** Byte and packet counters of a child's inbound and outbound SA. */
  async counters(childSaId: number): Promise<{ in: SaCounters; out: SaCounters } | undefined> {
    const child = this.#children.get(childSaId);
    if (child === undefined) return undefined;
    try {
      const [inbound, outbound] = await Promise.all([
        this.backend.querySa(child.inbound),
        this.backend.querySa(child.outbound),
      ]);
      return { in: inbound, out: outbound };
    } catch {
      return undefined;
    }
  }

  /** The reqid of an installed child (PLUTO_REQID of its updown script). */
  reqidOf(childSaId: number): number | undefined {
    return this.#children.get(childSaId)?.reqid;
  }

  /** Resolves when every backend change asked for so far is done. */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** Removes everything ikets installed (SAs, policies, traps) and closes the backend. */
  async close(): Promise<void> {
    for (const off of this.#offs) off();
    for (const id of [...this.#children.keys()]) this.#uninstall(id);
    for (const [key, { sa, cancel }] of [...this.#lingering]) {
      cancel();
      this.#lingering.delete(key);
      this.#enqueue('removal of a rekeyed inbound SA', () => this.#quietly(() => this.backend.deleteSa(sa)));
    }
    for (const [key, trap] of [...this.#traps]) this.#removeTrap(key, trap);
    await this.#queue;
    await this.backend.close();
  }

  #install(info: ChildSaInfo): void {
    const local = parseSelector(info.localTs[0] ?? '');
    const remote = parseSelector(info.remoteTs[0] ?? '');
    if (local === undefined || remote === undefined) {
      this.hooks.log(
        'error',
        `CHILD SA #${info.id}: unreadable selectors ${info.localTs} === ${info.remoteTs}`,
      );
      return;
    }
    const reqidKey = reqidKeyOf(info.connection, info.child, local, remote);
    const reqid = this.#reqids.acquire(reqidKey, `sa:${info.id}`);
    const config = this.#childConfig(info.connection, info.child);
    const [inbound, outbound] = saPair(info, reqid, local, remote, config);
    const policies = childPolicies({
      reqid,
      protocol: info.protocol,
      mode: info.mode,
      localAddress: info.local.address,
      remoteAddress: info.remote.address,
      localTs: local,
      remoteTs: remote,
      action: 'protect',
    });
    const child: InstalledChild = {
      info,
      reqid,
      reqidKey,
      inbound: saId(inbound),
      outbound: saId(outbound),
      policies,
    };
    this.#children.set(info.id, child);
    this.#childrenByReqid.set(reqid, (this.#childrenByReqid.get(reqid) ?? 0) + 1);
    this.#bySa.set(saKey(child.inbound), info.id);
    this.#bySa.set(saKey(child.outbound), info.id);
    this.#acquiring.delete(reqid);
    this.#enqueue(`CHILD SA #${info.id}`, async () => {
      try {
        // Inbound first: the peer may use its outbound SA as soon as Quick Mode ends.
        await this.backend.addSa(inbound);
        await this.backend.addSa(outbound);
        for (const p of policies) await this.#apply(this.spd.add(`sa:${info.id}`, p));
        this.hooks.log(
          'info',
          `installed CHILD SA #${info.id} in the ${this.backend.name} data plane: SPIs ${info.spiIn} (in) ${info.spiOut} (out), reqid ${reqid}`,
          info.connection,
        );
      } catch (error) {
        this.hooks.log(
          'error',
          `cannot install CHILD SA #${info.id} in the ${this.backend.name} data plane: ${describe(error)}`,
          info.connection,
        );
        this.hooks.installFailed(info.id);
      }
    });
  }

  /** `rekeyed`: the inbound SA goes REKEYED_INBOUND_LINGER_MS later, the rest now. */
  #uninstall(childSaId: number, rekeyed = false): void {
    const child = this.#children.get(childSaId);
    if (child === undefined) return;
    this.#children.delete(childSaId);
    const left = (this.#childrenByReqid.get(child.reqid) ?? 1) - 1;
    if (left > 0) this.#childrenByReqid.set(child.reqid, left);
    else this.#childrenByReqid.delete(child.reqid);
    this.#bySa.delete(saKey(child.inbound));
    this.#bySa.delete(saKey(child.outbound));
    this.#reqids.release(child.reqidKey, `sa:${childSaId}`);
    this.#enqueue(`removal of CHILD SA #${childSaId}`, async () => {
      // Policies first, so no packet is sent on an SA about to vanish (a trap policy may take over).
      for (const p of child.policies) await this.#apply(this.spd.remove(`sa:${childSaId}`, p));
      await this.#quietly(() => this.backend.deleteSa(child.outbound));
      if (!rekeyed) await this.#quietly(() => this.backend.deleteSa(child.inbound));
    });
    if (rekeyed) {
      const key = saKey(child.inbound);
      const remove = () => {
        this.#lingering.delete(key);
        this.#enqueue(`removal of the rekeyed inbound SA of CHILD SA #${childSaId}`, () =>
          this.#quietly(() => this.backend.deleteSa(child.inbound)),
        );
      };
      const later =
        this.hooks.later ??
        ((ms: number, task: () => void) => {
          const timer = setTimeout(task, ms);
          timer.unref();
          return () => clearTimeout(timer);
        });
      this.#lingering.set(key, { sa: child.inbound, cancel: later(REKEYED_INBOUND_LINGER_MS, remove) });
    }
  }

  #removeTrap(key: string, trap: Trap): void {
    this.#traps.delete(key);
    if (this.#trapsByReqid.get(trap.reqid) === trap) this.#trapsByReqid.delete(trap.reqid);
    this.#reqids.release(trap.reqidKey, `trap:${key}`);
    this.#enqueue(`trap policies of '${trap.child}'`, async () => {
      for (const p of trap.policies) await this.#apply(this.spd.remove(`trap:${key}`, p));
    });
  }

  #acquire(e: BackendEvents['acquire']): void {
    const trap = this.#trapsByReqid.get(e.reqid);
    if (trap === undefined) return;
    const now = this.hooks.now();
    const since = this.#acquiring.get(e.reqid);
    if (since !== undefined && now - since < ACQUIRE_HOLD_MS) return;
    if ((this.#childrenByReqid.get(e.reqid) ?? 0) > 0) return;
    this.#acquiring.set(e.reqid, now);
    this.hooks.log(
      'info',
      `acquire for '${trap.child}' (${e.source} -> ${e.destination}): starting Quick Mode`,
      trap.connection,
    );
    const error = this.hooks.initiate(trap.connection, trap.child);
    if (error !== undefined) this.hooks.log('error', `acquire: ${error}`, trap.connection);
  }

  #expire(e: BackendEvents['expire']): void {
    const id = this.#bySa.get(saKey(e));
    if (id === undefined) return;
    this.hooks.childLimitReached(id, e.hard);
  }

  /**
   * ESP-in-UDP from a new address or port (RFC 3948 section 3.3 / RFC 3947 section 4: a NAT
   * rebinding). The backend reports it only for packets whose ICV verified; our outbound SA follows.
   */
  #mapping(e: BackendEvents['mapping']): void {
    const id = this.#bySa.get(saKey(e));
    const child = id === undefined ? undefined : this.#children.get(id);
    if (child === undefined || child.info.encapsulation === false) return;
    this.hooks.log(
      'info',
      `CHILD SA #${child.info.id}: the peer's ESP-in-UDP now comes from ${e.address}:${e.port}`,
      child.info.connection,
    );
    this.#enqueue(`NAT mapping of CHILD SA #${child.info.id}`, () =>
      this.backend.updateSa(child.outbound, {
        source: child.info.local.address,
        destination: e.address,
        encapsulation: { sourcePort: child.info.local.port, destinationPort: e.port },
      }),
    );
  }

  #childConfig(connection: string, child: string): ChildConfig | undefined {
    return this.hooks
      .config()
      .connections.find((c) => c.name === connection)
      ?.children.find((c) => c.name === child);
  }

  async #apply(ops: readonly SpdOperation[]): Promise<void> {
    for (const o of ops) {
      if (o.op === 'install') await this.backend.addPolicy(o.policy);
      else await this.#quietly(() => this.backend.deletePolicy(o.policy));
    }
  }

  /** A removal that fails (the SA already gone, say) is logged, and the rest goes on. */
  async #quietly(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      this.hooks.log('debug', `data plane: ${describe(error)}`);
    }
  }

  #enqueue(what: string, task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      this.hooks.log('error', `data plane: ${what}: ${describe(error)}`);
    });
  }
}

function saId(sa: IpsecSaParams): SaId {
  return { spi: sa.spi, protocol: sa.protocol, destination: sa.destination };
}

function saKey(id: SaId): string {
  return `${id.protocol}:${id.spi.toString(16)}:${id.destination.toLowerCase()}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
