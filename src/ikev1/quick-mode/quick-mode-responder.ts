/**
 * Quick Mode as responder (RFC 2409 section 5.5): checks HASH(1), picks the child whose traffic
 * selectors contain the client IDs and one proposal of it, answers with HASH(2) (retransmitted until
 * HASH(3) arrives, since nothing else acknowledges message 2) and installs the SAs on HASH(3).
 */

import {
  ExchangeType,
  encodePayloadChain,
  type IdentificationPayload,
  type KeyExchangePayload,
  type Message,
  type NoncePayload,
  NotifyType,
  type Payload,
  ProtocolId,
  prependPayload,
  type SaPayload,
  type Transform,
} from '../../codec/index.js';
import type { ChildConfig } from '../../config/swanctl.js';
import {
  type DhTransform,
  equalMacs,
  informationalHash,
  quickModeHash1,
  quickModeHash2,
  quickModeHash3,
} from '../../crypto/index.js';
import type { IpsecProtocol } from '../../sa/types.js';
import { computeNow, type DhSharedWork } from '../compute-queue.js';
import type { ExchangeContext } from '../context.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { enterChildSa, enterQuickMode } from '../states.js';
import { claimedByPeer, rekeyedByPeer, sameBundle } from './child-rekey.js';
import {
  type ParsedPhase2Transform,
  parsePhase2Transform,
  phase2Offers,
  proposalsByNumber,
  protocolId,
  protocolOf,
  sameTransform,
} from './phase2-proposal.js';
import {
  afterHash,
  DEFAULT_SA_LIFETIME,
  installChildren,
  type NegotiatedSa,
  QUICK_MODE,
  type QuickModeExchange,
  type QuickModeRefusal,
  type QuickModeStep,
  refuse,
  responderLifetimeNotify,
} from './quick-mode-common.js';
import {
  containsSelector,
  formatSelector,
  hostSelector,
  selectorOf,
  selectorOfPayload,
  type TrafficSelector,
} from './traffic-selectors.js';

/** Message 1; `hashed` is what its HASH(1) covers, as received (IkeSa.decrypt). */
export function handleQuickMode1(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  hashed: Uint8Array,
  ctx: ExchangeContext,
): QuickModeStep {
  const hash = payloads[0];
  const keys = sa.requireKeys();
  const prf = sa.suite!.hash.hash;
  const messageId = message.header.messageId;
  if (
    hash?.type !== 'hash' ||
    !equalMacs(quickModeHash1(prf, keys.skeyid.skeyidA, messageId, hashed), hash.data)
  ) {
    return { notify: 'INVALID_HASH_INFORMATION', reason: 'HASH(1) does not verify' };
  }
  sa.commitReceived(message);
  // The payloads after HASH(1), each kind's first (and every ID), in one pass: this function runs
  // once a setup and is among the largest V8 optimizes (issue 12: fewer closures and iterators).
  let offer: SaPayload | undefined;
  let nonce: NoncePayload | undefined;
  let ke: KeyExchangePayload | undefined;
  const ids: IdentificationPayload[] = [];
  for (let i = 1; i < payloads.length; i++) {
    const p = payloads[i] as Payload;
    if (p.type === 'sa') offer ??= p;
    else if (p.type === 'nonce') nonce ??= p;
    else if (p.type === 'key_exchange') ke ??= p;
    else if (p.type === 'identification') ids.push(p);
  }
  if (offer === undefined || nonce === undefined)
    return { notify: 'PAYLOAD_MALFORMED', reason: 'message 1 needs SA and Nonce payloads' };
  if (ids.length !== 0 && ids.length !== 2)
    return { notify: 'INVALID_ID_INFORMATION', reason: 'Quick Mode needs both client IDs or none' };
  // The initiator's IDci is its side (our remote), IDcr ours; none: the IKE peers (RFC 2409 section 5.5).
  const remoteTs = ids.length === 0 ? hostSelector(sa.remote.address) : selectorOfPayload(ids[0]!);
  const localTs = ids.length === 0 ? hostSelector(sa.local.address) : selectorOfPayload(ids[1]!);
  if (typeof remoteTs === 'string' || typeof localTs === 'string') {
    return {
      notify: 'INVALID_ID_INFORMATION',
      reason: typeof remoteTs === 'string' ? remoteTs : (localTs as string),
    };
  }
  const match = selectChild(sa, ctx.childrenOf(sa), offer, localTs, remoteTs);
  if ('notify' in match) return match;
  const { child, number, chosen } = match;
  // A Quick Mode for a child we have installed with the same selectors is the peer rekeying it
  // (strongSwan: "detected rekeying of CHILD_SA"); one we are rekeying ourselves too is a collision,
  // resolved in child-rekey.ts.
  const kin = ctx.children.kin(sa.connection.name, child.name, sa.remote.address, sa.remoteIdText);
  const claimed = claimedByPeer(sa, kin, (id) => ctx.children.byId(id));
  const rekeyed = rekeyedByPeer(sa, { child, localTs, remoteTs }, kin, ctx.now, claimed);
  const first = chosen[0]!.parsed;
  const group = first.transform.group;
  let gxy: Buffer | undefined;
  const dh = group === undefined ? undefined : ctx.dhKeys.keyPair(group.group, ctx.random);
  if (dh !== undefined && ke === undefined)
    return { notify: 'INVALID_KEY_INFORMATION', reason: 'PFS chosen but message 1 has no KE payload' };
  const work: DhSharedWork | undefined =
    dh === undefined || ke === undefined
      ? undefined
      : { kind: 'dh-shared', keyPair: dh, peerPublic: ke.data };
  // Deferred (compute-queue.ts), the Quick Mode is filed first, waiting for g^xy; message 2 goes
  // out when it is back. SPIs and Nr are drawn in the same order either way.
  const deferred = work !== undefined && ctx.compute.defers(work);
  if (work !== undefined && !deferred) {
    const result = computeNow(work);
    if ('error' in result) return invalidPfsValue(result.error);
    gxy = result.secret;
  }
  const localSpis = new Map<IpsecProtocol, Buffer>();
  const negotiated: NegotiatedSa[] = chosen.map((c) => {
    const spi = ctx.children.allocateSpi();
    localSpis.set(c.protocol, spi);
    return { protocol: c.protocol, transform: c.parsed.transform, localSpi: spi, remoteSpi: c.remoteSpi };
  });
  // RFC 2407 section 4.6.3.1: a shorter lifetime of ours is announced with RESPONDER-LIFETIME.
  const ourLife = child.lifeTime || DEFAULT_SA_LIFETIME;
  const proposedLife = first.lifeSeconds || DEFAULT_SA_LIFETIME;
  const shorter = ourLife < proposedLife;
  const qm: QuickModeExchange = {
    messageId,
    role: 'responder',
    state: deferred ? 'qm-r-1-computing' : 'qm-r-wait-3',
    child,
    localSpis,
    nonceI: nonce.data,
    nonceR: ctx.random.bytes(ctx.settings.nonceLength),
    dh,
    gxy,
    localTs,
    remoteTs,
    ids,
    negotiated,
    mode: first.mode,
    udpEncapsulation: first.udpEncapsulation,
    lifeSeconds: Math.min(ourLife, proposedLife),
    lifeKilobytes: first.lifeKilobytes,
    // RFC 2408 section 3.1: set by the initiator in message 1, or by us (`commit = yes`).
    commit: message.header.commit || child.commit,
    rekeyOf: rekeyed?.info.id,
  };
  sa.startQuickMode(messageId, qm);
  const answer = (): undefined => {
    const accepted: SaPayload = {
      ...offer,
      proposals: offer.proposals
        .filter((p) => p.number === number)
        .map((p) => {
          const c = chosen.find((x) => x.protocol === protocolOf(p.protocolId))!;
          return { ...p, spi: localSpis.get(c.protocol)!, transforms: [c.raw] };
        }),
    };
    const reply: Payload[] = [accepted, { type: 'nonce', data: qm.nonceR }];
    if (dh !== undefined) reply.push({ type: 'key_exchange', data: dh.publicValue });
    for (const id of ids) reply.push(id);
    if (shorter)
      for (const n of negotiated) reply.push(responderLifetimeNotify(n.protocol, n.localSpi, ourLife));
    // The payloads HASH(2) covers are encoded once, for the hash and for the message.
    const replyChain = encodePayloadChain(reply);
    const hash2 = quickModeHash2(prf, keys.skeyid.skeyidA, messageId, qm.nonceI, replyChain.bytes);
    ctx.log(
      'debug',
      `Quick Mode ${messageId.toString(16).padStart(8, '0')} from the peer for child '${child.name}': ${rekeyed === undefined ? 'a new pair' : `rekeying #${rekeyed.info.id}`}`,
      sa,
    );
    ctx.send(
      sa,
      messageId,
      sa.encryptedChain(
        QUICK_MODE,
        messageId,
        prependPayload({ type: 'hash', data: hash2 }, replyChain),
        qm.commit,
      ),
      true,
    );
    // While the peer rekeys the pair we do not rekey it too (charon marks it REKEYING the same way);
    // if this Quick Mode is given up, the pair is installed again (Lifecycle.quickModeAbandoned).
    if (rekeyed?.state === 'installed')
      for (const c of ctx.children.ofIkeSa(rekeyed.ikeSa))
        if (sameBundle(c, rekeyed)) enterChildSa(c, 'rekeying');
  };
  if (work === undefined || !deferred) return answer();
  return {
    work,
    resume: (result) => {
      if ('error' in result) return invalidPfsValue(result.error);
      qm.gxy = result.secret;
      enterQuickMode(qm, 'qm-r-wait-3');
      return answer();
    },
  };
}

function invalidPfsValue(why: string): QuickModeRefusal {
  return { notify: 'INVALID_KEY_INFORMATION', reason: `invalid PFS public value: ${why}` };
}

/** Message 3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b); then the SAs are installed. */
export function handleQuickMode3(
  sa: IkeSa,
  qm: QuickModeExchange,
  message: Message,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
): QuickModeRefusal | undefined {
  const hash = payloads[0];
  const expected = quickModeHash3(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    qm.messageId,
    qm.nonceI,
    qm.nonceR,
  );
  if (hash?.type !== 'hash' || !equalMacs(expected, hash.data))
    return refuse('INVALID_HASH_INFORMATION', 'HASH(3) does not verify');
  sa.commitReceived(message);
  ctx.exchangeDone(sa, qm.messageId);
  if (qm.commit) sendConnected(sa, qm, ctx);
  sa.endExchange(qm.messageId);
  // The pair named in message 1 may be gone (replaced by a Quick Mode that completed meanwhile):
  // then nothing is replaced. Unlike charon, no pair installed since message 1 is taken instead
  // (child-rekey.ts, rekeyedByPeer): ikets deletes what it replaces, charon keeps it to expire.
  ctx.childrenInstalled(sa, installChildren(sa, qm, ctx), qm.rekeyOf);
  return undefined;
}

interface ChosenProtocol {
  readonly protocol: IpsecProtocol;
  readonly parsed: ParsedPhase2Transform;
  readonly raw: Transform;
  readonly remoteSpi: Buffer;
}

/**
 * The first child of the connection whose selectors contain the proposed ones and which accepts
 * one of the proposals (in the initiator's order of preference, RFC 2408 section 4.2).
 */
function selectChild(
  sa: IkeSa,
  children: readonly ChildConfig[],
  offer: SaPayload,
  localTs: TrafficSelector,
  remoteTs: TrafficSelector,
): { child: ChildConfig; number: number; chosen: ChosenProtocol[] } | QuickModeRefusal {
  // The reason is formatted only when the Quick Mode is refused, not for every one that succeeds.
  let refusal: QuickModeRefusal | undefined;
  for (const child of children) {
    const ours = child.localTs.map((t) => selectorOf(t, sa.local.address));
    const theirs = child.remoteTs.map((t) => selectorOf(t, sa.remote.address));
    if (!ours.some((o) => containsSelector(o, localTs)) || !theirs.some((o) => containsSelector(o, remoteTs)))
      continue;
    const offers = phase2Offers(child.espProposals, child.ahProposals);
    for (const group of proposalsByNumber(offer)) {
      const chosen = acceptGroup(group, offers, child, sa.privateGroups);
      if (chosen !== undefined) return { child, number: group[0]!.number, chosen };
    }
    refusal = refuse('NO_PROPOSAL_CHOSEN', `no proposal acceptable to child '${child.name}'`);
  }
  return (
    refusal ??
    refuse(
      'INVALID_ID_INFORMATION',
      `traffic selectors ${describe(localTs, remoteTs)} match no child of '${sa.connection.name}'`,
    )
  );
}

function acceptGroup(
  group: ReturnType<typeof proposalsByNumber>[number],
  offers: ReturnType<typeof phase2Offers>,
  child: ChildConfig,
  privateGroups: ReadonlyMap<number, DhTransform>,
): ChosenProtocol[] | undefined {
  for (const offer of offers) {
    if (offer.protocols.length !== group.length) continue;
    const chosen: ChosenProtocol[] = [];
    for (const p of group) {
      const protocol = protocolOf(p.protocolId);
      const ours = offer.protocols.find((o) => o.protocol === protocol);
      if (protocol === undefined || ours === undefined || p.spi.length !== 4) break;
      for (const t of p.transforms) {
        const parsed = parsePhase2Transform(protocol, t, privateGroups);
        if (typeof parsed === 'string' || parsed.mode !== child.mode) continue;
        if (ours.transforms.some((o) => sameTransform(o, parsed.transform))) {
          chosen.push({ protocol, parsed, raw: t, remoteSpi: Buffer.from(p.spi) });
          break;
        }
      }
    }
    if (chosen.length === group.length) return chosen;
  }
  return undefined;
}

function describe(local: TrafficSelector, remote: TrafficSelector): string {
  return `${formatSelector(local)} === ${formatSelector(remote)}`;
}

/**
 * The commit bit's fourth message (RFC 2408 sections 3.1 and 4.8): an Informational with the Quick
 * Mode's own message ID (its IV chain continues from message 3), HASH(1) = prf(SKEYID_a, M-ID | N)
 * as for any Informational, and N(CONNECTED) naming the first SA of the bundle by our inbound SPI.
 * Sent as the answer to message 3, so a repeated message 3 gets it again.
 */
function sendConnected(sa: IkeSa, qm: QuickModeExchange, ctx: ExchangeContext): void {
  enterQuickMode(qm, 'qm-r-connected');
  const first = qm.negotiated[0];
  const notify: Payload = {
    type: 'notification',
    doi: 1,
    protocolId: first === undefined ? ProtocolId.PROTO_ISAKMP : protocolId(first.protocol),
    spi: first === undefined ? new Uint8Array(0) : first.localSpi,
    notifyType: NotifyType.CONNECTED,
    data: new Uint8Array(0),
  };
  const hash = informationalHash(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    qm.messageId,
    afterHash([notify]),
  );
  ctx.send(
    sa,
    qm.messageId,
    sa.encryptedMessage(
      ExchangeType.INFORMATIONAL,
      qm.messageId,
      [{ type: 'hash', data: hash }, notify],
      true,
    ),
    false,
  );
  ctx.log(
    'info',
    `Quick Mode ${qm.messageId.toString(16).padStart(8, '0')}: SAs installed, CONNECTED sent`,
    sa,
  );
}
