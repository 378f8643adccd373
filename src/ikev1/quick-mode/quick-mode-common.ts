/**
 * What both roles of Quick Mode (RFC 2409 section 5.5) share: the exchange record, HASH helpers,
 * KEYMAT per SA and direction, and turning the result into installed IPsec SAs.
 */
import { decodeAttributes } from '../../codec/attributes.js';
import {
  attributeNumber,
  ExchangeType,
  encodePayloadChain,
  IpsecAttributeClass,
  IpsecLifeType,
  type NotificationPayload,
  NotifyType,
  type Payload,
} from '../../codec/index.js';
import type { ChildConfig } from '../../config/swanctl.js';
import { type DhKeyPair, deriveSaKeys, saKeyLengths } from '../../crypto/index.js';
import type { IpsecProtocol } from '../../sa/types.js';
import type { ComputeResult, DhSharedWork } from '../compute-queue.js';
import type { ExchangeContext } from '../context.js';
import { ChildSaBytes } from '../sa/child-sa-bytes.js';
import { type ChildSa, InstalledChildSa } from '../sa/child-sa-table.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { sharedLifetime, sharedSelectors, sharedText } from '../sa/shared.js';
import type { QuickModeState } from '../states.js';
import { type Phase2Transform, protocolId, transformName } from './phase2-proposal.js';
import { formatSelector, type TrafficSelector } from './traffic-selectors.js';

export const QUICK_MODE = ExchangeType.QUICK_MODE;

/** RFC 2407 section 4.5: an SA without a lifetime attribute lives 28800 s; ikets' `0` means that too. */
export const DEFAULT_SA_LIFETIME = 28800;

/** One negotiated protocol SA of the bundle. */
export interface NegotiatedSa {
  readonly protocol: IpsecProtocol;
  readonly transform: Phase2Transform;
  readonly localSpi: Buffer;
  readonly remoteSpi: Buffer;
}

/** A Quick Mode in progress on an ISAKMP SA, by message ID. */
export interface QuickModeExchange {
  readonly messageId: number;
  readonly role: 'initiator' | 'responder';
  /** states.ts; changed only by `enterQuickMode`. */
  state: QuickModeState;
  child: ChildConfig;
  readonly localSpis: Map<IpsecProtocol, Buffer>;
  nonceI: Uint8Array;
  nonceR: Uint8Array;
  dh: DhKeyPair | undefined;
  gxy: Buffer | undefined;
  localTs: TrafficSelector;
  remoteTs: TrafficSelector;
  /** The client IDs as sent in message 1, if any (RFC 2409 section 5.5). */
  readonly ids: readonly Payload[];
  negotiated: NegotiatedSa[];
  mode: 'tunnel' | 'transport';
  udpEncapsulation: boolean;
  lifeSeconds: number;
  lifeKilobytes: number;
  /**
   * The commit bit (RFC 2408 section 3.1) is set by either side: the responder then sends
   * N(CONNECTED) after message 3, and the initiator uses the SAs only once it arrives.
   */
  commit: boolean;
  /** The id of the child SA this Quick Mode rekeys. */
  readonly rekeyOf: number | undefined;
}

/**
 * Why a Quick Mode message is refused: the notify type that names it (RFC 2408 section 3.14.1), which
 * is sent to the peer where one is due and decides what happens to the exchange, and the text for
 * the log. `INVALID_HASH_INFORMATION` means the message did not authenticate: it changes nothing.
 */
export interface QuickModeRefusal {
  readonly notify:
    | 'NO_PROPOSAL_CHOSEN'
    | 'INVALID_ID_INFORMATION'
    | 'INVALID_HASH_INFORMATION'
    | 'PAYLOAD_MALFORMED'
    | 'INVALID_KEY_INFORMATION'
    | 'INVALID_SPI'
    | 'BAD_PROPOSAL_SYNTAX';
  readonly reason: string;
}

/**
 * A Quick Mode step whose PFS g^xy (RFC 2409 section 5.5) left the engine (compute-queue.ts): the
 * Quick Mode waits in its `*-computing` state (states.ts) and `resume` goes on with the result.
 */
export interface QuickModeComputing {
  readonly work: DhSharedWork;
  readonly resume: (result: ComputeResult) => QuickModeRefusal | undefined;
}

/** A Quick Mode message's outcome: done (undefined), refused, or waiting for its g^xy. */
export type QuickModeStep = QuickModeRefusal | QuickModeComputing | undefined;

export const refuse = (notify: QuickModeRefusal['notify'], reason: string): QuickModeRefusal => ({
  notify,
  reason,
});

/** A fresh message ID for a new exchange on this SA: random, non-zero and unused (RFC 2408 section 3.1). */
export function newMessageId(sa: IkeSa, ctx: ExchangeContext): number {
  for (;;) {
    const id = ctx.random.bytes(4).readUInt32BE(0);
    if (id !== 0 && !sa.quickModes.has(id) && !sa.finishedMessageIds.has(id)) return id;
  }
}

/** The bytes a Quick Mode or Informational HASH covers: the payloads after the HASH payload. */
export function afterHash(payloads: readonly Payload[]): Uint8Array {
  return encodePayloadChain(payloads).bytes;
}

/** RESPONDER-LIFETIME (RFC 2407 section 4.6.3.1): the responder's shorter lifetime in seconds. */
export function responderLifetimeNotify(
  protocol: IpsecProtocol,
  spi: Uint8Array,
  seconds: number,
): NotificationPayload {
  const data = Buffer.alloc(12);
  data.writeUInt16BE(0x8000 | IpsecAttributeClass.SA_LIFE_TYPE, 0);
  data.writeUInt16BE(IpsecLifeType.SECONDS, 2);
  data.writeUInt16BE(IpsecAttributeClass.SA_LIFE_DURATION, 4);
  data.writeUInt16BE(4, 6);
  data.writeUInt32BE(seconds, 8);
  return {
    type: 'notification',
    doi: 1,
    protocolId: protocolId(protocol),
    spi,
    notifyType: NotifyType.RESPONDER_LIFETIME,
    data,
  };
}

/** The lifetimes a RESPONDER-LIFETIME notify carries (undefined parts are not given). */
export function parseResponderLifetime(n: NotificationPayload): { seconds?: number; kilobytes?: number } {
  const out: { seconds?: number; kilobytes?: number } = {};
  let type: number = IpsecLifeType.SECONDS;
  try {
    for (const a of decodeAttributes(n.data, 0, n.data.length, 'ipsec')) {
      const v = attributeNumber(a);
      if (a.type === IpsecAttributeClass.SA_LIFE_TYPE && v !== undefined) type = v;
      else if (a.type === IpsecAttributeClass.SA_LIFE_DURATION && v !== undefined) {
        if (type === IpsecLifeType.SECONDS) out.seconds = v;
        else out.kilobytes = v;
      }
    }
  } catch {
    return {};
  }
  return out;
}

/**
 * KEYMAT for each SA of the bundle and both directions (RFC 2409 section 5.5), and the installed
 * child SAs. Returns the children for the endpoint to file and announce.
 */
export function installChildren(sa: IkeSa, qm: QuickModeExchange, ctx: ExchangeContext): ChildSa[] {
  const keys = sa.requireKeys();
  const prf = sa.suite!.hash.hash;
  const now = ctx.now;
  return qm.negotiated.map((n) => {
    const lengths = saKeyLengths(n.transform.encryption, n.transform.integrity);
    const derived = deriveSaKeys({
      prf,
      skeyidD: keys.skeyid.skeyidD,
      protocol: protocolId(n.protocol),
      nonceI: qm.nonceI,
      nonceR: qm.nonceR,
      ...(qm.gxy === undefined ? {} : { gxy: qm.gxy }),
      localSpi: n.localSpi,
      remoteSpi: n.remoteSpi,
      ...lengths,
    });
    const bytes = new ChildSaBytes(n.localSpi, n.remoteSpi, derived.inbound, derived.outbound);
    const child: ChildSa = new InstalledChildSa(sa, qm.child, bytes, {
      id: ctx.children.nextId(),
      child: qm.child.name,
      connection: sa.connection.name,
      ikeSaId: sa.id,
      protocol: n.protocol,
      mode: qm.mode,
      encapsulation: qm.udpEncapsulation,
      local: sa.local,
      remote: sa.remote,
      spiIn: n.localSpi.toString('hex'),
      spiOut: n.remoteSpi.toString('hex'),
      encryption: n.transform.encryption?.keyword,
      integrity: n.transform.integrity?.keyword,
      pfsGroup: n.transform.group?.keyword,
      proposal: sharedText(transformName(n.transform)),
      localTs: sharedSelectors(formatSelector(qm.localTs)),
      remoteTs: sharedSelectors(formatSelector(qm.remoteTs)),
      lifetime: sharedLifetime(qm.lifeSeconds, qm.lifeKilobytes || undefined),
      installedAt: now,
      rekeyAt: rekeyTime(qm, ctx),
      expiresAt: now + qm.lifeSeconds * 1000,
      // The keys in hex are made when read (child-sa-bytes.ts): the SAD keeps this snapshot.
      keys: bytes,
    });
    return child;
  });
}

/** Rekey before the lifetime ends: `rekey_time` less a random part of `rand_time` (strongSwan's jitter). */
function rekeyTime(qm: QuickModeExchange, ctx: ExchangeContext): number | undefined {
  const rekey = Math.min(qm.child.rekeyTime, Math.max(qm.lifeSeconds - 1, 0));
  if (rekey <= 0) return undefined;
  // A shorter lifetime of the peer's shortens the jitter in proportion: rand_time may exceed it.
  const range = Math.floor((qm.child.randTime * 1000 * rekey) / qm.child.rekeyTime);
  const jitter = range > 0 ? ctx.random.bytes(4).readUInt32BE(0) % range : 0;
  return ctx.now + Math.max(rekey * 1000 - jitter, 1000);
}
