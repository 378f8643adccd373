/** What the fragmentation tests watch on the simulated network: fragmented messages, put together again. */
import assert from 'node:assert/strict';
import { decodeMessage, type FragmentPayload } from '../../src/codec/index.js';
import { NON_ESP_MARKER } from '../../src/ikev1/nat-traversal.js';
import type { Transmit } from '../../src/sa/types.js';
import type { SimulatedNetwork } from '../support/simulated-network.js';

/** 110-byte datagrams: every phase 1 message from message 3 on, and Quick Mode 1 and 2, fragment. */
export const SMALL = { fragmentSize: 110 };

export interface Fragmented {
  readonly from: string;
  readonly exchangeType: number;
  readonly messageId: number;
  readonly encrypted: boolean;
  readonly fragments: number;
  readonly marker: boolean;
}

/** Every datagram sent, before loss; fragmented messages are put together again as the sender split them. */
export function watch(net: SimulatedNetwork) {
  const whole: { from: string; exchangeType: number; messageId: number }[] = [];
  const fragmented: Fragmented[] = [];
  const pending = new Map<string, FragmentPayload[]>();
  net.tap = (from: string, t: Transmit) => {
    if (t.data.length < 28) return; // NAT-T keepalives
    const marker = t.data.length > 4 && NON_ESP_MARKER.equals(t.data.subarray(0, 4));
    const m = decodeMessage(marker ? t.data.subarray(4) : t.data);
    const first = m.body.encrypted ? undefined : m.body.payloads[0];
    if (first?.type !== 'fragment') {
      whole.push({ from, exchangeType: m.header.exchangeType, messageId: m.header.messageId });
      return;
    }
    const held = [...(pending.get(from) ?? []), first];
    pending.set(from, held);
    if ((first.flags & 1) === 0) return;
    pending.delete(from);
    assert.deepEqual(
      held.map((f) => f.fragmentNumber),
      held.map((_, i) => i + 1),
    );
    const inner = decodeMessage(Buffer.concat(held.map((f) => f.data)));
    fragmented.push({
      from,
      exchangeType: inner.header.exchangeType,
      messageId: inner.header.messageId,
      encrypted: inner.body.encrypted,
      fragments: held.length,
      marker,
    });
  };
  return { whole, fragmented };
}
