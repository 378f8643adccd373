/**
 * Informational exchanges (RFC 2408 section 4.8, RFC 2409 section 5.7): Notify and Delete, protected
 * with HASH(1) = prf(SKEYID_a, M-ID | N/D) once the ISAKMP SA exists; Dead Peer Detection's
 * R-U-THERE / R-U-THERE-ACK (RFC 3706 section 5). An unprotected notify is only logged: it is never
 * trusted to delete state.
 */
import {
  type DeletePayload,
  ExchangeType,
  encodeMessage,
  encodePayloadChain,
  type Message,
  NotifyType,
  nameOrNumber,
  type Payload,
  ProtocolId,
} from '../codec/index.js';
import { equalMacs, hashLength, informationalHash } from '../crypto/index.js';
import type { ExchangeContext } from './context.js';
import { newMessageId } from './quick-mode/quick-mode-common.js';
import { quickModeConnected, quickModeRefused, refusedQuickMode } from './quick-mode/quick-mode-initiator.js';
import type { ChildSa } from './sa/child-sa-table.js';
import type { IkeSa } from './sa/ike-sa.js';
import { isConnecting } from './states.js';

const INFORMATIONAL = ExchangeType.INFORMATIONAL;

/** A HASH payload's data starts after its generic header (RFC 2408 section 3.2). */
const GENERIC_HEADER = 4;
/** Zeros the HASH payload is encoded with before its value is known (the longest prf is 64 bytes). */
const NO_HASH = new Uint8Array(64);

/**
 * Sends Notify/Delete payloads in a new, protected Informational exchange (`delay` ms from now if
 * given): HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 section 5.7). The chain is encoded once, with
 * the HASH zero; the prf runs over the bytes after the HASH payload and its value is written in place.
 * The only message of its exchange, it is encrypted with the exchange's first IV and leaves no IV
 * context behind (Appendix B): DPD sends one every `dpd_delay` per SA, and each costs as little as it
 * can (issue 12).
 */
export function sendInformational(
  sa: IkeSa,
  payloads: readonly Payload[],
  ctx: ExchangeContext,
  delay = 0,
): void {
  const messageId = newMessageId(sa, ctx);
  const keys = sa.requireKeys();
  const prf = sa.suite!.hash.hash;
  const length = hashLength(prf);
  const chain = encodePayloadChain([{ type: 'hash', data: NO_HASH.subarray(0, length) }, ...payloads]);
  const bytes = chain.bytes;
  const hash = informationalHash(
    prf,
    keys.skeyid.skeyidA,
    messageId,
    bytes.subarray(GENERIC_HEADER + length),
  );
  bytes.set(hash, GENERIC_HEADER);
  const ciphertext = keys.cipher.encryptOnce(messageId, bytes);
  ctx.sendOnce(
    sa,
    encodeMessage({
      header: sa.header(INFORMATIONAL, messageId),
      body: { encrypted: true, firstPayload: chain.firstPayload, ciphertext },
    }),
    delay,
  );
  sa.finishedMessageIds.add(messageId);
  sa.pruneExchanges();
}

/** A notify about the ISAKMP SA itself (SPI = both cookies, RFC 3706 section 5). */
export function isakmpNotify(sa: IkeSa, notifyType: number, data: Uint8Array = new Uint8Array(0)): Payload {
  return {
    type: 'notification',
    doi: 1,
    protocolId: ProtocolId.PROTO_ISAKMP,
    spi: Buffer.concat([sa.initiatorCookie, sa.responderCookie]),
    notifyType,
    data,
  };
}

/**
 * The Informational messages that refuse a phase 1 message under the keys: the notify, then a
 * Delete of the ISAKMP SA when the peer already holds it as established. A Main Mode responder does
 * once it sent message 6, and charon ignores an error notify then (also the Delete in the same
 * message), so when we refuse message 6 the Delete goes in a message of its own, a little later
 * (`deleteDelayAfterRefusal`, delayed-transmits.ts).
 */
export function phase1Refusal(sa: IkeSa, notifyType: number): Payload[][] {
  const notify = [isakmpNotify(sa, notifyType)];
  // The peer already holds the SA as established: a Main Mode responder after sending message 6,
  // an Aggressive Mode initiator after sending message 3. A Delete ends it there.
  const peerEstablished = sa.state === 'mm-wait-6' || sa.state === 'am-wait-3';
  return peerEstablished ? [notify, [deleteIsakmpPayload(sa)]] : [notify];
}

export function deleteIsakmpPayload(sa: IkeSa): DeletePayload {
  return {
    type: 'delete',
    doi: 1,
    protocolId: ProtocolId.PROTO_ISAKMP,
    spiSize: 16,
    spis: [Buffer.concat([sa.initiatorCookie, sa.responderCookie])],
  };
}

/** RFC 2408 section 3.15: an IPsec SA is deleted by the SPI its sender receives with. */
export function deleteChildPayload(child: ChildSa): DeletePayload {
  return {
    type: 'delete',
    doi: 1,
    protocolId: child.info.protocol === 'esp' ? ProtocolId.PROTO_IPSEC_ESP : ProtocolId.PROTO_IPSEC_AH,
    spiSize: 4,
    spis: [child.spiIn],
  };
}

/**
 * Sends a DPD R-U-THERE with the next sequence number (RFC 3706 sections 5.3, 6.2): the first of a
 * round, or a retransmission. A retransmission is a new Informational exchange with the next
 * sequence number, since the peer drops a repeated message ID (nothing to answer it from) and
 * RFC 3706 section 6.2 has every R-U-THERE increment the sequence.
 */
export function sendRuThere(sa: IkeSa, ctx: ExchangeContext, retransmission = false): void {
  sa.dpdSequence =
    sa.dpdSequence === 0 ? ctx.random.bytes(4).readUInt32BE(0) & 0x7fffffff : (sa.dpdSequence + 1) >>> 0;
  const data = Buffer.alloc(4);
  data.writeUInt32BE(sa.dpdSequence, 0);
  // A round's record exists only while it runs (issue 12); runDpd sets when the next is due.
  if (!retransmission || sa.dpdRound === undefined)
    sa.dpdRound = { sentAt: ctx.now, firstSequence: sa.dpdSequence, retransmits: 0, nextAt: ctx.now };
  sendInformational(sa, [isakmpNotify(sa, NotifyType.R_U_THERE, data)], ctx);
}

/**
 * Acts on an Informational exchange once its HASH(1) verified; returns whether it did. Only such a
 * message is proof that the peer lives: an unprotected or badly HASHed one could come from anyone
 * who saw the cookies (RFC 3706 section 6).
 */
export function handleInformational(
  sa: IkeSa,
  message: Message,
  payloads: readonly Payload[],
  hashed: Uint8Array,
  ctx: ExchangeContext,
): boolean {
  if (!message.body.encrypted || sa.keys === undefined) {
    const notes = payloads
      .filter((p) => p.type === 'notification')
      .map((p) => nameOrNumber(NotifyType, p.notifyType));
    ctx.log(
      'warn',
      `unprotected Informational from ${sa.remote.address}${notes.length > 0 ? `: ${notes.join(', ')}` : ''} (not acted on)`,
      sa,
    );
    return false;
  }
  const [hash, ...rest] = payloads;
  const expected = informationalHash(
    sa.suite!.hash.hash,
    sa.requireKeys().skeyid.skeyidA,
    message.header.messageId,
    hashed,
  );
  if (hash?.type !== 'hash' || !equalMacs(expected, hash.data)) {
    ctx.log('warn', 'Informational exchange with a bad HASH(1) dropped', sa);
    return false;
  }
  // The only message of its exchange: its IV came from the phase 1 IV and the M-ID, and nothing
  // follows it (RFC 2409 Appendix B). During phase 1 (M-ID 0) it moves phase 1's IV on.
  if (message.header.messageId === 0) sa.commitReceived(message);
  sa.finishedMessageIds.add(message.header.messageId);
  for (const p of rest) {
    if (p.type === 'notification' && p.notifyType === NotifyType.CONNECTED)
      quickModeConnected(sa, message.header.messageId, ctx);
    else if (p.type === 'notification') handleNotify(sa, p, ctx);
    else if (p.type === 'delete') handleDelete(sa, p, ctx);
  }
  return true;
}

function handleNotify(sa: IkeSa, n: Extract<Payload, { type: 'notification' }>, ctx: ExchangeContext): void {
  switch (n.notifyType) {
    case NotifyType.R_U_THERE:
      sendInformational(sa, [isakmpNotify(sa, NotifyType.R_U_THERE_ACK, n.data)], ctx);
      return;
    case NotifyType.R_U_THERE_ACK: {
      const sequence = n.data.length === 4 ? Buffer.from(n.data).readUInt32BE(0) : -1;
      // An ACK to any R-U-THERE of the round (a retransmission may cross an ACK): section 6.1.
      const round = sa.dpdRound;
      if (round === undefined) return;
      const sent = (sa.dpdSequence - round.firstSequence) >>> 0;
      if (sequence >= 0 && (sequence - round.firstSequence) >>> 0 <= sent) sa.dpdRound = undefined;
      return;
    }
    case NotifyType.INITIAL_CONTACT:
      ctx.initialContact(sa);
      return;
    default:
      ctx.log(
        n.notifyType < 16384 ? 'warn' : 'info',
        `peer notifies ${nameOrNumber(NotifyType, n.notifyType)}`,
        sa,
      );
      if (n.notifyType < 16384) peerRefused(sa, n, ctx);
  }
}

/**
 * An authenticated error notify (types below 16384, RFC 2408 section 3.14.1) ends what it refuses at
 * once: phase 1 while it is in progress, or our Quick Mode it names, instead of retransmitting into
 * a refusal until the timeout.
 */
function peerRefused(sa: IkeSa, n: Extract<Payload, { type: 'notification' }>, ctx: ExchangeContext): void {
  const reason = `the peer refused: ${nameOrNumber(NotifyType, n.notifyType)}`;
  if (isConnecting(sa.state)) {
    sa.failure = reason;
    ctx.log('error', `phase 1 failed: ${reason}`, sa);
    ctx.dropSa(sa, 'failed');
    return;
  }
  if (sa.newGroupMode !== undefined && n.notifyType === NotifyType.ATTRIBUTES_NOT_SUPPORTED) {
    // RFC 2409 section 5.6: the responder does not accept the group we offered in New Group Mode.
    ctx.log('warn', `New Group Mode refused by the peer: ${reason}`, sa);
    ctx.exchangeDone(sa, sa.newGroupMode.messageId);
    ctx.newGroupModeDone(sa);
    return;
  }
  const qm = refusedQuickMode(sa, n);
  if (qm !== undefined) quickModeRefused(sa, qm, reason, ctx);
}

function handleDelete(sa: IkeSa, d: DeletePayload, ctx: ExchangeContext): void {
  if (d.protocolId === ProtocolId.PROTO_ISAKMP) {
    const ours = Buffer.concat([sa.initiatorCookie, sa.responderCookie]);
    if (d.spis.some((spi) => ours.equals(Buffer.from(spi)))) {
      ctx.log('info', 'peer deleted the ISAKMP SA', sa);
      ctx.dropSa(sa, 'remote');
    }
    return;
  }
  const protocol =
    d.protocolId === ProtocolId.PROTO_IPSEC_ESP
      ? 'esp'
      : d.protocolId === ProtocolId.PROTO_IPSEC_AH
        ? 'ah'
        : undefined;
  if (protocol === undefined) return;
  for (const spi of d.spis) {
    // strongSwan names our own (inbound) SPI when it could not install the SAs it just negotiated.
    const child =
      ctx.children.bySpiOut(sa, protocol, spi) ??
      ctx.children
        .ofIkeSa(sa)
        .find((c) => c.info.protocol === protocol && c.info.spiIn === Buffer.from(spi).toString('hex'));
    if (child === undefined) {
      ctx.log('debug', `peer deleted unknown ${protocol} SPI ${Buffer.from(spi).toString('hex')}`, sa);
      continue;
    }
    ctx.log(
      'info',
      `peer deleted CHILD SA '${child.config.name}' (${protocol} SPI ${child.info.spiOut})`,
      sa,
    );
    ctx.removeChild(child, 'remote', false);
  }
}
