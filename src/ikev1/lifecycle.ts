/**
 * The life of SAs around the exchanges: starting connections and children, retransmission timers,
 * half-open limits, rekeying and expiry, DPD and NAT-keepalives, and deletion with the events the
 * shell and the SA database see.
 */
import type { ConnectionConfig } from '../config/swanctl.js';
import { transformByKeyword } from '../crypto/index.js';
import type { DeleteReason } from '../sa/types.js';
import type { EndpointCore } from './endpoint.js';
import { saKey } from './fragmentation/receive.js';
import { ikeSaInfo } from './ike-sa-info.js';
import { deleteChildPayload, deleteIsakmpPayload, sendInformational } from './informational.js';
import { startNewGroupMode } from './new-group-mode.js';
import { startAggressiveMode } from './phase1/aggressive-mode.js';
import { connectionSuites } from './phase1/auth/methods.js';
import { localAddressOf, remoteAddressOf } from './phase1/connection-select.js';
import { startMainMode } from './phase1/main-mode.js';
import { suiteName } from './phase1/phase1-proposal.js';
import { DEFAULT_SA_LIFETIME } from './quick-mode/quick-mode-common.js';
import { startQuickMode } from './quick-mode/quick-mode-initiator.js';
import { QuickModeSlots } from './quick-mode/slots.js';
import type { ChildSa } from './sa/child-sa-table.js';
import { IkeSa } from './sa/ike-sa.js';
import { Rekeying } from './sa/rekeying.js';
import { childSasNamed, ikeSasNamed } from './sa-names.js';
import { enterIsakmpSa, isConnecting } from './states.js';

const ZERO_COOKIE = Buffer.alloc(8);

export class Lifecycle {
  /** Children to start once the connection's ISAKMP SA is up, by IKE SA id. */
  readonly #pendingChildren = new Map<number, string[]>();

  /** Rekeying CHILD SAs, collisions and duplicates (rekeying.ts). */
  readonly rekeying: Rekeying;

  /** Children waiting for one of our Quick Mode slots on their ISAKMP SA (quick-mode/slots.ts). */
  readonly slots = new QuickModeSlots(() => this.ep.settings.maxQuickModesInitiated);

  constructor(private readonly ep: EndpointCore) {
    this.rekeying = new Rekeying(ep);
  }

  initiate(name: string, childName?: string): string | undefined {
    const connection = this.ep.config.connections.find((c) => c.name === name);
    if (connection === undefined) return `no connection named '${name}'`;
    const children =
      childName === undefined
        ? connection.children.filter((c) => c.startAction === 'start').map((c) => c.name)
        : [childName];
    if (childName !== undefined && !connection.children.some((c) => c.name === childName))
      return `connection '${name}' has no child '${childName}'`;
    const existing = this.ep.ikeSas.ofConnection(name).find((sa) => sa.state !== 'deleting');
    if (existing?.state === 'established') {
      for (const child of children) this.startChild(existing, child);
      return undefined;
    }
    if (
      existing !== undefined &&
      isConnecting(existing.state) &&
      existing.isInitiator &&
      existing.failure !== undefined
    ) {
      // A half-open SA that is failing (refused, or the peer's answers cannot be decrypted) is not
      // reused: a new initiate starts afresh, as after a configuration fix.
      this.ep.log('info', `abandoning ISAKMP SA #${existing.id}: ${existing.failure}`, existing);
      this.removeIkeSa(existing, 'local');
    } else if (existing !== undefined) {
      this.#pendingChildren.set(existing.id, [
        ...(this.#pendingChildren.get(existing.id) ?? []),
        ...children,
      ]);
      return undefined;
    }
    const sa = this.createInitiator(connection);
    if (typeof sa === 'string') return sa;
    this.#pendingChildren.set(sa.id, children);
    return undefined;
  }

  createInitiator(connection: ConnectionConfig): IkeSa | string {
    const remote = remoteAddressOf(connection);
    if (remote === undefined) return `connection '${connection.name}' has no remote address to initiate to`;
    const ep = this.ep;
    const suites = connectionSuites(connection, ep.credentials);
    if (typeof suites === 'string') return suites;
    const sa = new IkeSa(
      ep.ikeSas.nextId(),
      connection,
      'initiator',
      connection.aggressive ? 'aggressive' : 'main',
      ep.ikeSas.newInitiatorCookie(),
      ZERO_COOKIE,
      { address: localAddressOf(connection, remote), port: connection.localPort },
      { address: remote, port: connection.remotePort },
      ep.now,
    );
    sa.offeredSuites = suites;
    ep.ikeSas.add(sa);
    ep.log('info', `initiating ${sa.exchange === 'main' ? 'Main' : 'Aggressive'} Mode to ${remote}`, sa);
    if (sa.exchange === 'main') startMainMode(sa, ep);
    else {
      const error = startAggressiveMode(sa, ep);
      if (error !== undefined) {
        this.removeIkeSa(sa, 'failed', false);
        return error;
      }
    }
    return sa;
  }

  startChild(sa: IkeSa, childName: string): void {
    const child = this.ep.childrenOf(sa).find((c) => c.name === childName);
    if (child === undefined) return;
    // A child that is installed (or being rekeyed, or negotiated right now) is not negotiated a
    // second time: two SA pairs with the same selectors would only confuse both data planes.
    const [installed] = this.ep.children.byName(childName, sa.connection.name);
    if (installed !== undefined) {
      this.ep.log('info', `CHILD SA '${childName}' is already installed (#${installed.info.id})`, sa);
      return;
    }
    if (
      [...sa.quickModes.values()].some((qm) => qm.child.name === childName && qm.rekeyOf === undefined) ||
      this.slots.isWaiting(sa, childName)
    ) {
      this.ep.log('info', `CHILD SA '${childName}' is being negotiated already`, sa);
      return;
    }
    if (!this.slots.free(sa)) {
      this.slots.wait(sa, childName);
      this.ep.log('debug', `CHILD SA '${childName}' waits for one of our Quick Modes to end`, sa);
      return;
    }
    try {
      startQuickMode(sa, child, this.ep);
    } catch (error) {
      this.ep.log('error', `child '${childName}': ${(error as Error).message}`, sa);
    }
  }

  /** Phase 1 is complete: announce it, arm its timers, honour INITIAL-CONTACT, start the waiting children. */
  established(sa: IkeSa, initialContact: boolean): void {
    const ep = this.ep;
    enterIsakmpSa(sa, 'established');
    sa.establishedAt = ep.now;
    sa.releasePhase1();
    ep.ikeSas.settle(sa);
    // No lifetime negotiated and none configured: RFC 2407 section 4.5's default of 8 hours.
    const life =
      sa.suite?.lifeSeconds || sa.connection.rekeyTime + sa.connection.overTime || DEFAULT_SA_LIFETIME;
    sa.expiresAt = ep.now + life * 1000;
    if (sa.isInitiator && sa.connection.rekeyTime > 0)
      sa.rekeyAt = ep.now + Math.min(sa.connection.rekeyTime, life - 1) * 1000;
    ep.log(
      'info',
      `ISAKMP SA established: ${sa.localIdText} <-> ${sa.remoteIdText}, ${suiteName(sa.suite!)}${sa.floated ? ', NAT-T' : ''}`,
      sa,
    );
    ep.emit({ type: 'ike-sa-up', sa: ikeSaInfo(sa) });
    if (initialContact) this.initialContact(sa);
    const replaced = sa.rekeyOf === undefined ? undefined : ep.ikeSas.byId(sa.rekeyOf);
    if (replaced !== undefined) {
      ep.log('info', `ISAKMP SA #${sa.id} replaces #${replaced.id}`, sa);
      this.deleteIkeSa(replaced, 'rekeyed');
    }
    // `new_group` (an ikets extension): New Group Mode first (RFC 2409 section 5.6); the children
    // wait for it, so that their PFS can use the group it agrees.
    const newGroup =
      sa.connection.newGroup === undefined ? undefined : transformByKeyword(sa.connection.newGroup);
    if (sa.isInitiator && newGroup?.kind === 'dh' && sa.privateGroups.size === 0) {
      try {
        startNewGroupMode(sa, newGroup, ep);
        return;
      } catch (error) {
        ep.log('error', `New Group Mode: ${(error as Error).message}`, sa);
      }
    }
    // Aggressive Mode message 3 and the first Quick Mode leave back to back; strongSwan may handle
    // the Quick Mode first and drop it ("phase 1 is incomplete"), costing a retransmission: wait a little.
    const delay =
      sa.exchange === 'aggressive' && sa.isInitiator ? ep.settings.quickModeDelayAfterAggressive : 0;
    if (delay > 0 && (this.#pendingChildren.get(sa.id)?.length ?? 0) > 0) sa.childrenStartAt = ep.now + delay;
    else this.startPendingChildren(sa);
  }

  /** Our New Group Mode ended (agreed, refused or given up): the children go, in the group or not. */
  newGroupModeDone(sa: IkeSa): void {
    sa.newGroupMode = undefined;
    if (sa.state === 'established') this.startPendingChildren(sa);
  }

  startPendingChildren(sa: IkeSa): void {
    sa.childrenStartAt = undefined;
    for (const child of this.#pendingChildren.get(sa.id) ?? []) this.startChild(sa, child);
    this.#pendingChildren.delete(sa.id);
  }

  /** RFC 2407 section 4.6.3.3: the peer rebooted; drop the older SAs with it, without Deletes. */
  initialContact(sa: IkeSa): void {
    for (const other of this.ep.ikeSas.ofPeer(sa.remote.address, sa.remoteIdText)) {
      if (other !== sa) {
        this.ep.log('info', 'INITIAL-CONTACT: dropping an older ISAKMP SA with this peer', other);
        this.removeIkeSa(other, 'replaced');
      }
    }
  }

  childrenInstalled(
    sa: IkeSa,
    children: readonly ChildSa[],
    rekeyOf: number | undefined,
    ours = false,
  ): void {
    if (ours) this.rekeying.ourQuickModeEnded(sa);
    if (children.length > 0) sa.hadChildren = true;
    this.rekeying.flushDeletes(sa);
    for (const child of children) {
      this.ep.children.add(child);
      const i = child.info;
      this.ep.log(
        'info',
        `CHILD SA '${i.child}' installed: ${i.protocol.toUpperCase()} SPIs ${i.spiIn} (in) ${i.spiOut} (out), ${i.proposal}, ${i.mode}${i.encapsulation ? ' in UDP' : ''}, ${i.localTs.join(',')} === ${i.remoteTs.join(',')}`,
        sa,
      );
      this.ep.emit({ type: 'child-sa-up', sa: i, rekeyOf });
    }
    const old = rekeyOf === undefined ? undefined : this.ep.children.byId(rekeyOf);
    if (old !== undefined) {
      for (const sibling of this.ep.children
        .ofIkeSa(old.ikeSa)
        .filter((c) => c.config === old.config && c.info.installedAt === old.info.installedAt)) {
        this.removeChild(sibling, 'rekeyed', true);
      }
    }
  }

  removeChild(child: ChildSa, reason: DeleteReason, notifyPeer: boolean): void {
    if (child.state === 'deleted') return;
    if (notifyPeer && child.ikeSa.state === 'established') {
      this.ep.log(
        'info',
        `sending Delete for CHILD SA '${child.config.name}' #${child.info.id} (${child.info.protocol} SPIs ${child.info.spiIn} in, ${child.info.spiOut} out): ${reason}`,
        child.ikeSa,
      );
      this.rekeying.sendDelete(child.ikeSa, deleteChildPayload(child));
    }
    this.ep.children.remove(child);
    this.ep.emit({ type: 'child-sa-down', sa: child.info, reason });
    // strongSwan's dpd_action = restart and close_action = start: bring the child up again when the
    // peer is declared dead, or when the peer closed it. (`trap` is the data plane's: the daemon
    // installs the child's trap policies on the same event.)
    const { dpdAction, closeAction } = child.config;
    if (
      (reason === 'dead-peer' && dpdAction === 'restart') ||
      (reason === 'remote' && closeAction === 'start')
    )
      this.#restarts.push({ connection: child.ikeSa.connection.name, child: child.config.name, reason });
    if (this.#removing === 0) this.#restartChildren();
    if (reason === 'expired' || reason === 'remote' || reason === 'rekeyed')
      this.rekeying.retireDuplicates(child.ikeSa);
  }

  /** Children to start again once the SA being removed is gone (so they do not join it). */
  readonly #restarts: { connection: string; child: string; reason: DeleteReason }[] = [];
  #removing = 0;

  #restartChildren(): void {
    for (const r of this.#restarts.splice(0)) {
      this.ep.log(
        'info',
        `${r.reason === 'dead-peer' ? 'dpd_action = restart' : 'close_action = start'}: starting '${r.child}' again`,
      );
      const error = this.initiate(r.connection, r.child);
      if (error !== undefined) this.ep.log('error', `cannot restart '${r.child}': ${error}`);
    }
  }

  /**
   * Removes an ISAKMP SA with its IPsec SAs; the Delete is sent by the caller when due. `announce`
   * false: a responder SA that the failing message itself created leaves without an event, as if
   * it had never been (a spoofed message 1 must not reach the shell, e.g. a waiting `ikets up`).
   */
  removeIkeSa(sa: IkeSa, reason: DeleteReason, announce = true): void {
    if (sa.state === 'deleted') return;
    this.#removing++;
    try {
      this.#removeIkeSa(sa, reason, announce);
    } finally {
      this.#removing--;
    }
    if (this.#removing === 0) this.#restartChildren();
  }

  #removeIkeSa(sa: IkeSa, reason: DeleteReason, announce: boolean): void {
    const heir = this.successor(sa, reason);
    for (const child of this.ep.children.ofIkeSa(sa)) {
      if (heir !== undefined) this.adopt(heir, child);
      else this.removeChild(child, reason === 'failed' ? 'local' : (reason as 'local'), false);
    }
    for (const qm of sa.quickModes.values())
      for (const spi of qm.localSpis.values()) this.ep.children.releaseSpi(spi);
    const wasUp = sa.state === 'established' || sa.state === 'deleting';
    enterIsakmpSa(sa, 'deleted');
    this.ep.ikeSas.remove(sa);
    this.ep.timers.cancel(sa);
    // A g^xy in the works is not waited for: its result is ignored (compute-queue.ts).
    this.ep.computeQueue.cancel(sa);
    this.ep.fragments.forget(saKey(sa.id));
    this.#pendingChildren.delete(sa.id);
    if (announce && (wasUp || reason === 'failed'))
      this.ep.emit({ type: 'ike-sa-down', sa: ikeSaInfo(sa), reason });
  }

  /**
   * In IKEv1 the IPsec SAs do not depend on the ISAKMP SA that negotiated them (RFC 2409 section 5.5):
   * when it is rekeyed, expires or the peer deletes it, another established ISAKMP SA of the same
   * connection and peer takes its children over, as strongSwan does on reauthentication. The same
   * peer is its address and its authenticated identity: peers behind one NAT share the address.
   */
  successor(sa: IkeSa, reason: DeleteReason): IkeSa | undefined {
    if (reason !== 'rekeyed' && reason !== 'expired' && reason !== 'remote') return undefined;
    return this.ep.ikeSas
      .ofPeer(sa.remote.address, sa.remoteIdText)
      .find((o) => o !== sa && o.state === 'established' && o.connection.name === sa.connection.name);
  }

  adopt(heir: IkeSa, child: ChildSa): void {
    heir.hadChildren = true;
    this.ep.children.move(child, heir);
    this.ep.timers.schedule(heir);
    child.info = { ...child.info, ikeSaId: heir.id };
    this.ep.emit({ type: 'child-sa-updated', sa: child.info });
  }

  /** Deletes an established ISAKMP SA: Deletes for its children, then for itself (RFC 2408 section 3.15). */
  deleteIkeSa(sa: IkeSa, reason: DeleteReason): void {
    if (sa.state === 'established') {
      const heir = this.successor(sa, reason);
      for (const child of this.ep.children.ofIkeSa(sa)) {
        if (heir !== undefined) this.adopt(heir, child);
        else this.removeChild(child, reason === 'expired' ? 'expired' : 'local', true);
      }
      this.ep.log('info', `sending Delete for ISAKMP SA #${sa.id}: ${reason}`, sa);
      this.rekeying.flushDeletes(sa, true);
      sendInformational(sa, [deleteIsakmpPayload(sa)], this.ep);
      enterIsakmpSa(sa, 'deleting');
    }
    this.removeIkeSa(sa, reason);
  }

  terminate(name: string): string | undefined {
    const ep = this.ep;
    // `ike:ID` and `child:ID` name one SA; a bare number names the IKE or child SA with that id.
    const typed = /^(ike|child):(\d+)$/.exec(name);
    const byId = typed !== null ? Number(typed[2]) : /^\d+$/.test(name) ? Number(name) : undefined;
    const kind = typed?.[1];
    const ikeMatches = kind === 'child' ? [] : ikeSasNamed(ep, kind === undefined ? name : undefined, byId);
    const childMatches = kind === 'ike' ? [] : childSasNamed(ep, kind === undefined ? name : undefined, byId);
    if (ikeMatches.length === 0 && childMatches.length === 0) return `no SA named '${name}'`;
    for (const child of childMatches) this.removeChild(child, 'local', true);
    for (const sa of ikeMatches) this.deleteIkeSa(sa, 'local');
    return undefined;
  }

  /**
   * The data plane counted an IPsec SA past its soft (rekey_bytes/rekey_packets) or hard
   * (life_bytes/life_packets) limit (RFC 2409 section 5.5: lifetimes in kilobytes as well as
   * seconds). Soft: rekey the child now, as its rekey time would; hard: delete it and tell the peer.
   */
  childLimitReached(childSaId: number, hard: boolean): string | undefined {
    const child = this.ep.children.byId(childSaId);
    if (child === undefined) return `no CHILD SA #${childSaId}`;
    const sa = child.ikeSa;
    if (hard) {
      this.ep.log('info', `CHILD SA '${child.config.name}' reached its hard byte/packet limit`, sa);
      this.removeChild(child, 'expired', true);
      return undefined;
    }
    if (child.state !== 'installed' || sa.state !== 'established') return undefined;
    this.ep.log('info', `CHILD SA '${child.config.name}' reached its soft byte/packet limit: rekeying`, sa);
    this.rekeying.rekeyChild(sa, child);
    return undefined;
  }

  terminateAll(): void {
    for (const sa of this.ep.ikeSas.all()) this.deleteIkeSa(sa, 'local');
  }

  /** IKEv1 rekeys the ISAKMP SA by a new phase 1 (a reauthentication); the old one goes when the new is up. */
  rekeyIkeSa(sa: IkeSa): void {
    sa.rekeyAt = undefined;
    const fresh = this.createInitiator(sa.connection);
    if (typeof fresh === 'string') return;
    fresh.rekeyOf = sa.id;
    this.ep.log('info', `rekeying ISAKMP SA #${sa.id} as #${fresh.id}`, sa);
    this.#pendingChildren.set(fresh.id, []);
  }
}
