/**
 * A received fragment (an unencrypted message whose first payload is a fragment payload, payload
 * 132): filed with the message it belongs to, and once that message is whole, handed to the normal
 * input path as if it had come in one datagram. Until then nothing but the reassembly store
 * changes: no SA state, no timer, no liveness, no answer. The reassembled message is then decoded,
 * decrypted and authenticated like any other, so a fragmented message changes nothing before it
 * is complete and authenticated (docs/ikev1-engine.md, "IKEv1 fragmentation").
 *
 * Whose fragments are reassembled (the owner, which bounds them):
 * - an ISAKMP SA, by its cookies; or our initiator SA waiting for message 2, by the initiator
 *   cookie (the answer brings the responder cookie: Aggressive Mode message 2 with certificates is
 *   the message most often fragmented);
 * - a Main Mode offer answered without state (main-mode-offers.ts), by the cookie pair of message 2,
 *   from the address message 1 came from: message 3 in fragments;
 * - a first message (responder cookie zero, no state anywhere), only while a connection allows
 *   fragmentation (any `fragmentation` but `no`): anyone can send one from any address, so these
 *   have a small pool of their own (`maxFirstMessageReassemblies`, the oldest dropped for a new
 *   one) and cost no SA, timer, answer or unlimited log line. strongSwan creates an IKE SA for a
 *   fragmented first message; libreswan drops fragments without state.
 * Any other fragment is dropped.
 */
import type { FragmentPayload, Message } from '../../codec/index.js';
import type { IketsConfig } from '../../config/swanctl.js';
import type { IncomingDatagram } from '../../sa/types.js';
import type { EndpointCore } from '../endpoint.js';
import type { IncomingResult } from '../incoming.js';
import { MainModeOffers } from '../phase1/main-mode-offers.js';

const dropped = (reason: string): IncomingResult => ({ kind: 'dropped', reason });
const ZERO_COOKIE = Buffer.alloc(8);

/** The fragment payload when `message` is a fragment, undefined otherwise. */
export function fragmentOf(message: Message): FragmentPayload | undefined {
  if (message.body.encrypted) return undefined;
  const first = message.body.payloads[0];
  return first?.type === 'fragment' ? first : undefined;
}

/** The key a message in reassembly of this ISAKMP SA is filed under (so it can be forgotten with it). */
export const saKey = (id: number): string => `sa:${id}`;

const allowsFirst = new WeakMap<IketsConfig, boolean>();
function firstMessagesAllowed(config: IketsConfig): boolean {
  let allowed = allowsFirst.get(config);
  if (allowed === undefined) {
    allowed = config.connections.some((c) => c.fragmentation !== 'no');
    allowsFirst.set(config, allowed);
  }
  return allowed;
}

function ownerOf(
  ep: EndpointCore,
  dg: IncomingDatagram,
  message: Message,
): { readonly key: string; readonly first: boolean; readonly saId?: number } | undefined {
  const { initiatorCookie, responderCookie } = message.header;
  const sa = ep.ikeSas.find(initiatorCookie, responderCookie);
  if (sa !== undefined) return { key: saKey(sa.id), first: false, saId: sa.id };
  if (Buffer.from(responderCookie).equals(ZERO_COOKIE)) {
    if (!firstMessagesAllowed(ep.config) || ep.settings.maxFirstMessageReassemblies <= 0) return undefined;
    const cookie = Buffer.from(initiatorCookie).toString('hex');
    return { key: `first:${cookie}:${dg.remote.address}:${dg.remote.port}:${dg.local.port}`, first: true };
  }
  const pending = ep.ikeSas.findPendingInitiator(initiatorCookie);
  if (pending !== undefined) return { key: saKey(pending.id), first: false, saId: pending.id };
  const offerKey = MainModeOffers.key(initiatorCookie, responderCookie);
  const offer = ep.mainModeOffers.get(offerKey, ep.now);
  if (
    offer !== undefined &&
    offer.remote.address === dg.remote.address &&
    offer.remote.port === dg.remote.port &&
    offer.local.port === dg.local.port
  )
    return { key: `offer:${offerKey}`, first: false };
  return undefined;
}

/**
 * Handles a fragment; `deliver` takes the reassembled message into the normal input path (it must
 * not accept a fragment again: fragments do not nest).
 */
export function receiveFragment(
  ep: EndpointCore,
  dg: IncomingDatagram,
  message: Message,
  fragment: FragmentPayload,
  deliver: (whole: Uint8Array) => IncomingResult,
): IncomingResult {
  if (message.body.encrypted || message.body.payloads.length !== 1)
    return dropped('fragment payload with other payloads');
  const owner = ownerOf(ep, dg, message);
  if (owner === undefined) return dropped('fragment for no ISAKMP SA');
  const h = message.header;
  const cookies = Buffer.concat([h.initiatorCookie, h.responderCookie]);
  const identity = `${fragment.fragmentId}:${h.exchangeType}:${h.messageId}:${cookies.toString('hex')}`;
  const outcome = ep.fragments.add(ep.now, owner.key, owner.first, identity, fragment);
  if (outcome.kind === 'dropped') return dropped(outcome.reason);
  if (outcome.kind === 'held') return { kind: 'ike' };
  const whole = outcome.message;
  // The message travels under the cookies of its fragments: a fragment cannot smuggle a message
  // past the bounds of another SA.
  if (whole.length < 28 || !cookies.equals(whole.subarray(0, 16)))
    return dropped('reassembled message under other cookies than its fragments');
  const sa = owner.saId === undefined ? undefined : ep.ikeSas.byId(owner.saId);
  ep.logLimited(
    'reassembled fragments',
    'debug',
    `reassembled a message of ${whole.length} bytes from ${outcome.fragments} fragments from ${dg.remote.address}:${dg.remote.port}`,
    sa,
  );
  return deliver(whole);
}
