/**
 * The datagrams a message of an ISAKMP SA goes out in: the message itself, or its fragments when
 * the connection sends fragments to this peer (`fragmentation = yes` and the peer announced it, or
 * `force`) and the message does not fit `fragmentSize` (split.ts). Every message of the SA passes
 * here, Main and Aggressive Mode (the unencrypted ones too), Quick Mode and Informational, first
 * sending and retransmissions alike, as strongSwan fragments whatever its task manager sends. The
 * split is deterministic, so a retransmission resends the same fragments.
 */
import { isIPv6 } from 'node:net';
import { NON_ESP_MARKER } from '../nat-traversal.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { hasNonEspMarker, maxMessageLength, sendsFragments, splitMessage } from './split.js';

export function outgoingDatagrams(sa: IkeSa, datagram: Uint8Array, fragmentSize: number): Uint8Array[] {
  if (!sendsFragments(sa.connection.fragmentation, sa.peerFragmentation)) return [datagram];
  const marker = hasNonEspMarker(datagram);
  const message = marker ? datagram.subarray(NON_ESP_MARKER.length) : datagram;
  const max = maxMessageLength(fragmentSize, isIPv6(sa.remote.address), marker);
  const fragments = splitMessage(message, max, sa.exchange === 'aggressive');
  if (fragments === undefined) return [datagram];
  return marker ? fragments.map((f) => Buffer.concat([NON_ESP_MARKER, f])) : fragments;
}
