/**
 * Quick Mode as initiator (RFC 2409 section 5.5):
 *
 *   HDR*, HASH(1), SA, Ni [, KE ] [, IDci, IDcr ] [, NAT-OAi, NAT-OAr ]  -->
 *                           <--  HDR*, HASH(2), SA, Nr [, KE ] [, IDci, IDcr ] [, N(RESPONDER-LIFETIME)]
 *   HDR*, HASH(3)                                                          -->
 */
import type {
  IdentificationPayload,
  Message,
  NoncePayload,
  NotificationPayload,
  Payload,
} from '../../codec/index.js';
import { EncapsulationMode, NotifyType } from '../../codec/index.js';
import type { ChildConfig } from '../../config/swanctl.js';
import { equalMacs, quickModeHash1, quickModeHash2, quickModeHash3 } from '../../crypto/index.js';
import type { IpsecProtocol } from '../../sa/types.js';
import { type ComputeResult, computeNow, type DhSharedWork } from '../compute-queue.js';
import type { ExchangeContext } from '../context.js';
import { udpEncapsulationMode } from '../nat-traversal.js';
import { natDetected } from '../phase1/phase1-common.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { enterQuickMode } from '../states.js';
import {
  type Phase2Offer,
  parsePhase2Transform,
  pfsGroupOf,
  phase2Offers,
  phase2SaPayload,
  proposalsByNumber,
  protocolOf,
  sameTransform,
} from './phase2-proposal.js';
import {
  afterHash,
  DEFAULT_SA_LIFETIME,
  installChildren,
  type NegotiatedSa,
  newMessageId,
  parseResponderLifetime,
  QUICK_MODE,
  type QuickModeExchange,
  type QuickModeRefusal,
  type QuickModeStep,
  refuse,
} from './quick-mode-common.js';
import {
  hostSelector,
  sameSelector,
  selectorOf,
  selectorOfPayload,
  selectorPayload,
} from './traffic-selectors.js';

interface InitiatorQuickMode extends QuickModeExchange {
  readonly offers: readonly Phase2Offer[];
}

/** Starts a Quick Mode for `child` on an established ISAKMP SA; returns its message ID. */
export function startQuickMode(
  sa: IkeSa,
  child: ChildConfig,
  ctx: ExchangeContext,
  rekeyOf?: number,
): number {
  const messageId = newMessageId(sa, ctx);
  const offers = phase2Offers(child.espProposals, child.ahProposals);
  const localSpis = new Map<IpsecProtocol, Buffer>();
  try {
    for (const offer of offers)
      for (const p of offer.protocols)
        if (!localSpis.has(p.protocol)) localSpis.set(p.protocol, ctx.children.allocateSpi());
    return sendQuickMode1(sa, child, ctx, messageId, offers, localSpis, rekeyOf);
  } catch (error) {
    // Nothing of a Quick Mode that could not start stays behind: its SPIs, record and IV context.
    for (const spi of localSpis.values()) ctx.children.releaseSpi(spi);
    sa.endExchange(messageId);
    throw error;
  }
}

function sendQuickMode1(
  sa: IkeSa,
  child: ChildConfig,
  ctx: ExchangeContext,
  messageId: number,
  offers: readonly Phase2Offer[],
  localSpis: Map<IpsecProtocol, Buffer>,
  rekeyOf: number | undefined,
): number {
  const group = pfsGroupOf(offers);
  const udp = natDetected(sa);
  const encapsulationMode =
    udp && sa.natVariant !== undefined
      ? udpEncapsulationMode(sa.natVariant, child.mode)
      : child.mode === 'tunnel'
        ? EncapsulationMode.TUNNEL
        : EncapsulationMode.TRANSPORT;
  const lifeKilobytes = Number(child.lifeBytes / 1024n);
  const localTs = selectorOf(child.localTs[0] ?? { kind: 'dynamic', protocol: 0, port: 0 }, sa.local.address);
  const remoteTs = selectorOf(
    child.remoteTs[0] ?? { kind: 'dynamic', protocol: 0, port: 0 },
    sa.remote.address,
  );
  // RFC 2409 section 5.5: client IDs may be left out when they are the IKE peers themselves; not
  // across a NAT, where the peer sees other addresses than ours (RFC 3947 section 5.2).
  const hostToHost =
    !udp &&
    sameSelector(localTs, hostSelector(sa.local.address)) &&
    sameSelector(remoteTs, hostSelector(sa.remote.address));
  const ids: IdentificationPayload[] = hostToHost
    ? []
    : [selectorPayload(localTs), selectorPayload(remoteTs)];
  const qm: InitiatorQuickMode = {
    messageId,
    role: 'initiator',
    state: 'qm-i-wait-2',
    child,
    offers,
    localSpis,
    nonceI: ctx.random.bytes(ctx.settings.nonceLength),
    nonceR: new Uint8Array(0),
    dh: group === undefined ? undefined : ctx.dhKeys.keyPair(group.group, ctx.random),
    gxy: undefined,
    localTs,
    remoteTs,
    ids,
    negotiated: [],
    mode: child.mode,
    udpEncapsulation: udp,
    lifeSeconds: child.lifeTime || DEFAULT_SA_LIFETIME,
    lifeKilobytes,
    commit: child.commit,
    rekeyOf,
  };
  const rest: Payload[] = [
    phase2SaPayload(offers, localSpis, {
      mode: child.mode,
      encapsulationMode,
      lifeSeconds: child.lifeTime || DEFAULT_SA_LIFETIME,
      lifeKilobytes,
      privateGroups: sa.privateGroups,
    }),
    { type: 'nonce', data: qm.nonceI },
    ...(qm.dh === undefined ? [] : [{ type: 'key_exchange' as const, data: qm.dh.publicValue }]),
    ...ids,
    ...natOriginalAddresses(sa, udp && child.mode === 'transport'),
  ];
  const hash = quickModeHash1(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    messageId,
    afterHash(rest),
  );
  sa.startQuickMode(messageId, qm);
  ctx.send(
    sa,
    messageId,
    sa.encryptedMessage(QUICK_MODE, messageId, [{ type: 'hash', data: hash }, ...rest], qm.commit),
    true,
  );
  ctx.log(
    'info',
    `initiating Quick Mode for child '${child.name}' (message ID ${messageId.toString(16).padStart(8, '0')}${rekeyOf === undefined ? '' : `, rekeying #${rekeyOf}`})`,
    sa,
  );
  return messageId;
}

/** RFC 3947 section 5.2: NAT-OAi and NAT-OAr carry the original addresses in transport mode. */
function natOriginalAddresses(sa: IkeSa, transport: boolean): Payload[] {
  if (!transport) return [];
  const draft = sa.natVariant === 'draft';
  return [
    { type: 'nat_oa', draft, address: sa.local.address },
    { type: 'nat_oa', draft, address: sa.remote.address },
  ];
}

/** Message 2: checks HASH(2), the chosen proposal and the IDs, derives the keys, sends HASH(3). */
export function handleQuickMode2(
  sa: IkeSa,
  qm: QuickModeExchange,
  message: Message,
  payloads: readonly Payload[],
  hashed: Uint8Array,
  ctx: ExchangeContext,
): QuickModeStep {
  const init = qm as InitiatorQuickMode;
  const [hash, ...rest] = payloads;
  const skeyidA = sa.requireKeys().skeyid.skeyidA;
  const prf = sa.suite!.hash.hash;
  if (
    hash?.type !== 'hash' ||
    !equalMacs(quickModeHash2(prf, skeyidA, qm.messageId, qm.nonceI, hashed), hash.data)
  ) {
    return refuse('INVALID_HASH_INFORMATION', 'HASH(2) does not verify');
  }
  sa.commitReceived(message);
  const sa2 = rest.find((p) => p.type === 'sa');
  const nonce = rest.find((p) => p.type === 'nonce');
  if (sa2?.type !== 'sa' || nonce?.type !== 'nonce')
    return refuse('PAYLOAD_MALFORMED', 'message 2 needs SA and Nonce payloads');
  const groups = proposalsByNumber(sa2);
  const chosen = groups[0];
  const offer = chosen === undefined ? undefined : init.offers[(chosen[0]?.number ?? 0) - 1];
  if (
    groups.length !== 1 ||
    chosen === undefined ||
    offer === undefined ||
    chosen.length !== offer.protocols.length
  ) {
    return refuse('BAD_PROPOSAL_SYNTAX', 'the responder must choose exactly one of our proposals');
  }
  const negotiated: NegotiatedSa[] = [];
  for (const p of chosen) {
    const protocol = protocolOf(p.protocolId);
    const ours = offer.protocols.find((o) => o.protocol === protocol);
    const parsed =
      protocol === undefined || p.transforms.length !== 1
        ? 'one transform expected'
        : parsePhase2Transform(protocol, p.transforms[0]!, sa.privateGroups);
    if (typeof parsed === 'string')
      return refuse('NO_PROPOSAL_CHOSEN', `chosen transform refused: ${parsed}`);
    if (ours === undefined || !ours.transforms.some((t) => sameTransform(t, parsed.transform)))
      return refuse('NO_PROPOSAL_CHOSEN', 'the responder chose a transform we did not offer');
    if (p.spi.length !== 4) return refuse('INVALID_SPI', 'the responder SPI is not 4 bytes');
    if (parsed.mode !== qm.mode)
      return refuse('NO_PROPOSAL_CHOSEN', `the responder chose ${parsed.mode} mode`);
    negotiated.push({
      protocol: protocol!,
      transform: parsed.transform,
      localSpi: qm.localSpis.get(protocol!)!,
      remoteSpi: Buffer.from(p.spi),
    });
  }
  const ke = rest.find((p) => p.type === 'key_exchange');
  if (qm.dh !== undefined) {
    if (ke?.type !== 'key_exchange')
      return refuse('INVALID_KEY_INFORMATION', 'PFS was offered but message 2 has no KE payload');
    const work: DhSharedWork = { kind: 'dh-shared', keyPair: qm.dh, peerPublic: ke.data };
    const resume = (result: ComputeResult): QuickModeRefusal | undefined => {
      if ('error' in result)
        return refuse('INVALID_KEY_INFORMATION', `invalid PFS public value: ${result.error}`);
      qm.gxy = result.secret;
      return sendQuickMode3(sa, qm, message, rest, nonce, negotiated, ctx);
    };
    if (!ctx.compute.defers(work)) return resume(computeNow(work));
    // The rest waits for g^xy: message 3 goes out when it is back (compute-queue.ts).
    enterQuickMode(qm, 'qm-i-2-computing');
    return { work, resume };
  }
  return sendQuickMode3(sa, qm, message, rest, nonce, negotiated, ctx);
}

/** The rest of message 2 once g^xy (with PFS) is in hand: the IDs, the lifetime, HASH(3). */
function sendQuickMode3(
  sa: IkeSa,
  qm: QuickModeExchange,
  message: Message,
  rest: readonly Payload[],
  nonce: NoncePayload,
  negotiated: NegotiatedSa[],
  ctx: ExchangeContext,
): QuickModeRefusal | undefined {
  const skeyidA = sa.requireKeys().skeyid.skeyidA;
  const prf = sa.suite!.hash.hash;
  const ids = rest.filter((p): p is IdentificationPayload => p.type === 'identification');
  if (qm.ids.length > 0) {
    const echoed = ids.map((id) => selectorOfPayload(id));
    if (
      echoed.length !== 2 ||
      typeof echoed[0] === 'string' ||
      typeof echoed[1] === 'string' ||
      !sameSelector(echoed[0]!, qm.localTs) ||
      !sameSelector(echoed[1]!, qm.remoteTs)
    ) {
      return refuse('INVALID_ID_INFORMATION', 'the responder changed the client identities');
    }
  }
  for (const p of rest) {
    if (p.type === 'notification' && p.notifyType === 24576) {
      const lifetime = parseResponderLifetime(p);
      if (lifetime.seconds !== undefined && lifetime.seconds < qm.lifeSeconds)
        qm.lifeSeconds = lifetime.seconds;
      if (lifetime.kilobytes !== undefined) qm.lifeKilobytes = lifetime.kilobytes;
      ctx.log('info', `responder lifetime: ${qm.lifeSeconds} s`, sa);
    }
  }
  qm.nonceR = nonce.data;
  qm.negotiated = negotiated;
  // RFC 2408 section 3.1: with the commit bit (ours or the responder's) the SAs wait for its
  // N(CONNECTED); message 3 is repeated until it comes, so a lost message 3 or CONNECTED heals.
  if (message.header.commit) qm.commit = true;
  const hash3 = quickModeHash3(prf, skeyidA, qm.messageId, qm.nonceI, qm.nonceR);
  ctx.send(
    sa,
    qm.messageId,
    sa.encryptedMessage(QUICK_MODE, qm.messageId, [{ type: 'hash', data: hash3 }], qm.commit),
    qm.commit,
  );
  if (qm.commit) {
    enterQuickMode(qm, 'qm-i-wait-connected');
    ctx.log('info', `Quick Mode ${hex8(qm.messageId)}: commit bit set, waiting for CONNECTED`, sa);
    return undefined;
  }
  ctx.exchangeDone(sa, qm.messageId);
  sa.endExchange(qm.messageId);
  ctx.childrenInstalled(sa, installChildren(sa, qm, ctx), qm.rekeyOf, true);
  return undefined;
}

/**
 * The Quick Mode an authenticated error notify refuses: the one whose proposal carried the notify's
 * SPI (charon names the initiator's SPI), or, for a notify naming none of ours (ikets names the
 * ISAKMP SA), the only one waiting for its message 2.
 */
export function refusedQuickMode(sa: IkeSa, n: NotificationPayload): QuickModeExchange | undefined {
  const waiting = [...sa.quickModes.values()].filter((qm) => qm.state === 'qm-i-wait-2');
  const spi = Buffer.from(n.spi);
  const named = waiting.find((qm) => [...qm.localSpis.values()].some((s) => s.equals(spi)));
  if (named !== undefined) return named;
  const general =
    n.notifyType === NotifyType.NO_PROPOSAL_CHOSEN || n.notifyType === NotifyType.INVALID_ID_INFORMATION;
  return general && waiting.length === 1 ? waiting[0] : undefined;
}

/**
 * The peer refused our Quick Mode in an authenticated Informational (RFC 2408 section 3.14.1): the
 * exchange ends at once, no more retransmissions, and the child's failure says why.
 */
export function quickModeRefused(
  sa: IkeSa,
  qm: QuickModeExchange,
  reason: string,
  ctx: ExchangeContext,
): void {
  for (const spi of qm.localSpis.values()) ctx.children.releaseSpi(spi);
  sa.endExchange(qm.messageId);
  sa.outstanding.delete(qm.messageId);
  sa.finishedMessageIds.add(qm.messageId);
  ctx.quickModeAbandoned(sa, qm);
  ctx.log('error', `CHILD SA '${qm.child.name}' failed: ${reason}`, sa);
  ctx.emit({
    type: 'child-sa-failed',
    sa: { connection: sa.connection.name, child: qm.child.name, ikeSaId: sa.id },
    reason,
  });
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * N(CONNECTED) in an Informational with the Quick Mode's message ID (RFC 2408 sections 3.1, 4.8),
 * its HASH verified: the SAs the commit bit held back are installed now. False when no Quick Mode
 * of ours waits for it.
 */
export function quickModeConnected(sa: IkeSa, messageId: number, ctx: ExchangeContext): boolean {
  const qm = sa.quickModes.get(messageId);
  if (qm === undefined || qm.state !== 'qm-i-wait-connected') return false;
  ctx.exchangeDone(sa, messageId);
  sa.endExchange(messageId);
  ctx.log('info', `Quick Mode ${hex8(messageId)}: CONNECTED`, sa);
  ctx.childrenInstalled(sa, installChildren(sa, qm, ctx), qm.rekeyOf, true);
  return true;
}
