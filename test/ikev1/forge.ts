/**
 * Forged datagrams for the attack tests: messages with an SA's cookies that an attacker could send
 * (garbage ciphertext, unprotected notifies), and messages encrypted under the SA's real keys with a
 * wrong HASH, which stand for the rare forgery that decrypts to well-formed payloads. Encrypting uses
 * the IV the SA would decrypt with (`IvState.peek`), so forging changes nothing in the SA.
 */
import {
  decodeMessage,
  ExchangeType,
  encodeMessage,
  encodePayloadChain,
  type Header,
  type Message,
  NotifyType,
  type Payload,
  ProtocolId,
} from '../../src/codec/index.js';
import { encryptBody } from '../../src/crypto/index.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import type { Address, IncomingDatagram } from '../../src/sa/types.js';

export const ATTACKER: Address = { address: '203.0.113.66', port: 500 };

export function header(sa: IkeSa, exchangeType: number, messageId: number): Header {
  return {
    initiatorCookie: sa.initiatorCookie,
    responderCookie: sa.responderCookie,
    majorVersion: 1,
    minorVersion: 0,
    exchangeType,
    commit: false,
    authenticationOnly: false,
    messageId,
  };
}

/** An encrypted message whose ciphertext is random: it cannot decrypt to anything sensible. */
export function garbageEncrypted(sa: IkeSa, exchangeType: number, messageId: number, seed: number): Buffer {
  const ciphertext = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4) ciphertext.writeUInt32BE((seed * 2654435761 + i) >>> 0, i);
  return Buffer.from(
    encodeMessage({
      header: header(sa, exchangeType, messageId),
      body: { encrypted: true, firstPayload: 8, ciphertext },
    }),
  );
}

/** An unprotected Informational with the SA's cookies: a Delete of the ISAKMP SA. */
export function plainDelete(sa: IkeSa, messageId: number): Buffer {
  const payload: Payload = {
    type: 'delete',
    doi: 1,
    protocolId: ProtocolId.PROTO_ISAKMP,
    spiSize: 16,
    spis: [Buffer.concat([sa.initiatorCookie, sa.responderCookie])],
  };
  return Buffer.from(
    encodeMessage({
      header: header(sa, ExchangeType.INFORMATIONAL, messageId),
      body: { encrypted: false, payloads: [payload] },
    }),
  );
}

/** A message encrypted under the SA's keys (as if the attacker had them), with whatever payloads. */
export function withKeys(sa: IkeSa, h: Header, payloads: readonly Payload[]): Buffer {
  const keys = sa.requireKeys();
  const chain = encodePayloadChain(payloads);
  const ciphertext = encryptBody(keys.cipher.cipher, keys.ka, keys.cipher.ivs.peek(h.messageId), chain.bytes);
  return Buffer.from(
    encodeMessage({ header: h, body: { encrypted: true, firstPayload: chain.firstPayload, ciphertext } }),
  );
}

export const badHash = (length = 32): Payload => ({ type: 'hash', data: Buffer.alloc(length, 0xa5) });

/** An Informational under the SA's keys with a wrong HASH(1): a Delete of the ISAKMP SA. */
export function badHashDelete(sa: IkeSa, messageId: number): Buffer {
  const del: Payload = {
    type: 'delete',
    doi: 1,
    protocolId: ProtocolId.PROTO_ISAKMP,
    spiSize: 16,
    spis: [Buffer.concat([sa.initiatorCookie, sa.responderCookie])],
  };
  return withKeys(sa, header(sa, ExchangeType.INFORMATIONAL, messageId), [badHash(), del]);
}

/** An unprotected R-U-THERE-ACK with the SA's cookies (what an attacker would send to fake liveness). */
export function plainDpdAck(sa: IkeSa, messageId: number): Buffer {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(sa.dpdSequence, 0);
  const payload: Payload = {
    type: 'notification',
    doi: 1,
    protocolId: ProtocolId.PROTO_ISAKMP,
    spi: Buffer.concat([sa.initiatorCookie, sa.responderCookie]),
    notifyType: NotifyType.R_U_THERE_ACK,
    data,
  };
  return Buffer.from(
    encodeMessage({
      header: header(sa, ExchangeType.INFORMATIONAL, messageId),
      body: { encrypted: false, payloads: [payload] },
    }),
  );
}

/** Decodes a datagram (after the non-ESP marker, if any). */
export function decodeDatagram(data: Uint8Array): { marker: boolean; message: Message } {
  const marker = data.length > 4 && Buffer.from(data).readUInt32BE(0) === 0;
  return { marker, message: decodeMessage(marker ? data.subarray(4) : data) };
}

export function reencode(marker: boolean, message: Message): Buffer {
  const bytes = Buffer.from(encodeMessage(message));
  return marker ? Buffer.concat([Buffer.alloc(4), bytes]) : bytes;
}

/** The datagram as the attacker sends it: to the SA's local address, from elsewhere. */
export function fromAttacker(to: Address, data: Uint8Array, from: Address = ATTACKER): IncomingDatagram {
  return { local: to, remote: from, data };
}

/** Everything about an SA a forged message must not change. */
export function saState(ep: EndpointCore, sa: IkeSa): string {
  const keys = sa.keys;
  return JSON.stringify({
    state: sa.state,
    cookies: sa.cookiePair,
    local: sa.local,
    remote: sa.remote,
    floated: sa.floated,
    suite: sa.suite === undefined ? undefined : [sa.suite.encryption.keyword, sa.suite.group.keyword],
    ka: keys?.ka.toString('hex'),
    iv0: keys?.cipher.ivs.peek(0).toString('hex'),
    ivs: keys?.cipher.ivs.exchanges(),
    nonces: [sa.nonceI, sa.nonceR].map((n) => Buffer.from(n).toString('hex')),
    gx: [sa.gxi, sa.gxr].map((n) => Buffer.from(n).toString('hex')),
    remoteId: sa.remoteIdText,
    lastActivity: sa.lastActivity,
    dpd: [sa.dpdRound !== undefined, sa.dpdSequence, sa.dpdRound?.sentAt ?? 0],
    outstanding: [...sa.outstanding].map(([id, o]) => [id, o.tries, o.nextAt, o.timer]),
    quickModes: [...sa.quickModes.keys()],
    finished: [...sa.finishedMessageIds],
    deadline: ep.timers.deadlineOf(sa),
    timeout: ep.pollTimeout(),
    children: ep.childSaList().map((c) => [c.id, c.spiIn, c.spiOut, c.ikeSaId]),
    ikeSas: ep.ikeSaList().map((s) => [s.id, s.state, s.responderCookie]),
  });
}
