/**
 * Sending a message in IKEv1 fragments (the Cisco fragment payload 132), as strongSwan does: the
 * whole ISAKMP message as it would go on the wire (header included, encrypted or not) is cut into
 * pieces, and each piece travels as a complete ISAKMP message of its own, unencrypted, whose only
 * payload is a fragment payload (fragment ID, number from 1, LAST_FRAGMENT on the last one).
 *
 * What the fragments' headers carry, learnt from strongSwan 5.9 (encoding/message.c,
 * `create_fragment`): the cookies of the message, message ID 0 and the exchange type of the ISAKMP
 * SA's phase 1 (Aggressive Mode for an aggressive connection, else Identity Protection), even for
 * Quick Mode and Informational messages; fragment ID 1 always (libreswan sends 1 too, and both
 * reassemble by SA, not by ID).
 *
 * Sizes as strongSwan computes them: `fragmentSize` is the whole IP datagram, so the ISAKMP message
 * may fill it minus the IP header (20 bytes for IPv4, 40 for IPv6, no options), UDP's 8 and the
 * non-ESP marker's 4 when the datagram carries one. A message that fits goes whole; otherwise each
 * fragment carries that much minus its own ISAKMP header (28) and fragment payload header (8).
 */
import { ExchangeType, encodeMessage, FragmentFlag, HEADER_LENGTH } from '../../codec/index.js';
import type { FragmentationPolicy } from '../../config/swanctl.js';

/** The fragment payload's own header: generic header (4), fragment ID (2), number (1), flags (1). */
export const FRAGMENT_PAYLOAD_HEADER = 8;
/** The fragment ID strongSwan and libreswan always send. */
export const FRAGMENT_ID = 1;
/** The most fragments one message can have: the fragment number is one byte and starts at 1. */
export const MAX_FRAGMENT_NUMBER = 255;
const UDP_HEADER = 8;
const NON_ESP_MARKER_LENGTH = 4;

/** Whether we send oversized messages in fragments (strongSwan's `fragmentation`, ike_sa.c). */
export function sendsFragments(policy: FragmentationPolicy, peerAnnounced: boolean): boolean {
  return policy === 'force' || (policy === 'yes' && peerAnnounced);
}

/** Whether we announce fragmentation: initiators unless `no`; responders only to a peer that did. */
export function announcesFragmentation(policy: FragmentationPolicy, peerAnnounced?: boolean): boolean {
  return policy !== 'no' && peerAnnounced !== false;
}

/** The largest ISAKMP message (non-ESP marker excluded) that fits in one datagram to the peer. */
export function maxMessageLength(fragmentSize: number, ipv6: boolean, marker: boolean): number {
  const datagram = fragmentSize > 0 ? fragmentSize : ipv6 ? 1280 : 576;
  return Math.max(1, datagram - (ipv6 ? 40 : 20) - UDP_HEADER - (marker ? NON_ESP_MARKER_LENGTH : 0));
}

/**
 * The fragments of `message` (an encoded ISAKMP message, no marker) for datagrams that fit
 * `maxMessage` bytes of ISAKMP, or undefined when it goes whole: it fits, or it would need more
 * than 255 fragments (then IP fragmentation is all that is left).
 */
export function splitMessage(
  message: Uint8Array,
  maxMessage: number,
  aggressive: boolean,
): Uint8Array[] | undefined {
  if (message.length <= maxMessage || message.length < HEADER_LENGTH) return undefined;
  const chunk = Math.max(1, maxMessage - HEADER_LENGTH - FRAGMENT_PAYLOAD_HEADER);
  const count = Math.ceil(message.length / chunk);
  if (count > MAX_FRAGMENT_NUMBER) return undefined;
  const header = {
    initiatorCookie: message.subarray(0, 8),
    responderCookie: message.subarray(8, 16),
    majorVersion: 1,
    minorVersion: 0,
    exchangeType: aggressive ? ExchangeType.AGGRESSIVE : ExchangeType.IDENTITY_PROTECTION,
    commit: false,
    authenticationOnly: false,
    messageId: 0,
  };
  const fragments: Uint8Array[] = [];
  for (let number = 1; number <= count; number++) {
    const data = message.subarray((number - 1) * chunk, number * chunk);
    fragments.push(
      encodeMessage({
        header,
        body: {
          encrypted: false,
          payloads: [
            {
              type: 'fragment',
              fragmentId: FRAGMENT_ID,
              fragmentNumber: number,
              flags: number === count ? FragmentFlag.LAST_FRAGMENT : 0,
              data,
            },
          ],
        },
      }),
    );
  }
  return fragments;
}

/**
 * Whether a datagram we built starts with the non-ESP marker (RFC 3948 section 2.2): four zero
 * bytes, then an ISAKMP message whose Length field counts the rest. Read from the bytes, not the
 * SA's ports, so a retransmission keeps the framing it was built with.
 */
export function hasNonEspMarker(datagram: Uint8Array): boolean {
  if (datagram.length < NON_ESP_MARKER_LENGTH + HEADER_LENGTH) return false;
  if (datagram[0] !== 0 || datagram[1] !== 0 || datagram[2] !== 0 || datagram[3] !== 0) return false;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.length);
  return (
    view.getUint32(24) !== datagram.length &&
    view.getUint32(NON_ESP_MARKER_LENGTH + 24) === datagram.length - NON_ESP_MARKER_LENGTH
  );
}
