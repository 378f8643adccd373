/**
 * IKEv1 fragmentation, the parts alone: how a message is split (strongSwan's sizes: the whole IP
 * datagram within `fragment_size`) and the reassembly store's rules and bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, ExchangeType, encodeMessage, type FragmentPayload } from '../../src/codec/index.js';
import { FragmentReassembly, type ReassemblyLimits } from '../../src/ikev1/fragmentation/reassembly.js';
import {
  hasNonEspMarker,
  maxMessageLength,
  sendsFragments,
  splitMessage,
} from '../../src/ikev1/fragmentation/split.js';

/** An encoded Quick Mode-like message of `size` bytes (a nonce payload fills it). */
function message(size: number, exchangeType: number = ExchangeType.QUICK_MODE): Uint8Array {
  return encodeMessage({
    header: {
      initiatorCookie: Buffer.from('0102030405060708', 'hex'),
      responderCookie: Buffer.from('1112131415161718', 'hex'),
      majorVersion: 1,
      minorVersion: 0,
      exchangeType,
      commit: false,
      authenticationOnly: false,
      messageId: 0x01020304,
    },
    body: { encrypted: false, payloads: [{ type: 'nonce', data: new Uint8Array(size - 32).fill(7) }] },
  });
}

function fragmentsOf(datagrams: readonly Uint8Array[]): FragmentPayload[] {
  return datagrams.map((d) => {
    const m = decodeMessage(d);
    assert.ok(!m.body.encrypted);
    assert.equal(m.body.payloads.length, 1);
    const p = m.body.payloads[0];
    assert.equal(p?.type, 'fragment');
    return p as FragmentPayload;
  });
}

describe('splitting a message into fragments', () => {
  it('sizes as strongSwan: the IP datagram within fragment_size (IPv4 20, IPv6 40, UDP 8, marker 4)', () => {
    assert.equal(maxMessageLength(1280, false, false), 1252);
    assert.equal(maxMessageLength(1280, true, false), 1232);
    assert.equal(maxMessageLength(1280, false, true), 1248);
    assert.equal(maxMessageLength(0, false, false), 548, '0: IPv4 minimum 576');
    assert.equal(maxMessageLength(0, true, false), 1232, '0: IPv6 minimum 1280');
    assert.equal(splitMessage(message(1252), 1252, false), undefined, 'fits: sent whole');
  });

  it('fragments are whole messages: the cookies, message ID 0, the phase 1 exchange, ID 1, LAST on the last', () => {
    const original = message(3000);
    const datagrams = splitMessage(original, 1252, false);
    assert.ok(datagrams);
    assert.equal(datagrams.length, 3);
    assert.deepEqual(
      datagrams.map((d) => d.length),
      [1252, 1252, 28 + 8 + (3000 - 2 * 1216)],
    );
    for (const d of datagrams) {
      const h = decodeMessage(d).header;
      assert.equal(Buffer.from(h.initiatorCookie).toString('hex'), '0102030405060708');
      assert.equal(Buffer.from(h.responderCookie).toString('hex'), '1112131415161718');
      assert.equal(h.messageId, 0);
      assert.equal(h.exchangeType, ExchangeType.IDENTITY_PROTECTION);
    }
    const fragments = fragmentsOf(datagrams);
    assert.deepEqual(
      fragments.map((f) => [f.fragmentId, f.fragmentNumber, f.flags]),
      [
        [1, 1, 0],
        [1, 2, 0],
        [1, 3, 1],
      ],
    );
    assert.deepEqual(Buffer.concat(fragments.map((f) => f.data)), Buffer.from(original));
    const aggressive = splitMessage(original, 1252, true);
    assert.equal(
      aggressive && decodeMessage(aggressive[0] as Uint8Array).header.exchangeType,
      ExchangeType.AGGRESSIVE,
    );
  });

  it('never more than 255 fragments: such a message goes whole', () => {
    assert.equal(splitMessage(message(40_000), 100, false), undefined);
    assert.equal(splitMessage(message(64 * 255), 100, false)?.length, 255);
  });

  it('knows the non-ESP marker from the bytes, and the policies as strongSwan', () => {
    const m = message(200);
    assert.ok(!hasNonEspMarker(m));
    assert.ok(hasNonEspMarker(Buffer.concat([Buffer.alloc(4), m])));
    assert.ok(sendsFragments('force', false));
    assert.ok(sendsFragments('yes', true) && !sendsFragments('yes', false));
    assert.ok(!sendsFragments('accept', true) && !sendsFragments('no', true));
  });
});

const LIMITS: ReassemblyLimits = {
  maxFragments: 8,
  maxMessageBytes: 1000,
  maxReassemblies: 4,
  maxFirst: 2,
  maxBytes: 3000,
  timeout: 1000,
};

const frag = (n: number, data: string, last = false, id = 1): FragmentPayload => ({
  type: 'fragment',
  fragmentId: id,
  fragmentNumber: n,
  flags: last ? 1 : 0,
  data: Buffer.from(data),
});

describe('reassembly', () => {
  it('in any order, once every number up to the last is there; the data is copied', () => {
    const r = new FragmentReassembly(() => LIMITS);
    const third = frag(3, 'ccc', true);
    assert.equal(r.add(0, 'sa:1', false, 'm', third).kind, 'held');
    (third.data as Buffer).fill(0);
    assert.equal(r.add(1, 'sa:1', false, 'm', frag(1, 'a')).kind, 'held');
    const done = r.add(2, 'sa:1', false, 'm', frag(2, 'bb'));
    assert.equal(done.kind, 'complete');
    assert.equal(done.kind === 'complete' && Buffer.from(done.message).toString(), 'abbccc');
    assert.equal(r.size, 0);
    assert.equal(r.bytes, 0);
  });

  it('drops duplicates, number 0 and numbers past the limit', () => {
    const r = new FragmentReassembly(() => LIMITS);
    const reason = (o: ReturnType<FragmentReassembly['add']>) => (o.kind === 'dropped' ? o.reason : o.kind);
    assert.equal(reason(r.add(0, 'k', false, 'm', frag(1, 'a'))), 'held');
    assert.equal(reason(r.add(0, 'k', false, 'm', frag(1, 'a'))), 'duplicate fragment');
    assert.equal(reason(r.add(0, 'k', false, 'm', frag(0, 'z'))), 'fragment number 0');
    assert.equal(reason(r.add(0, 'k', false, 'm', frag(9, 'z'))), 'fragment number 9 past the limit');
    assert.equal(reason(r.add(0, 'k', false, 'm', frag(3, 'c', true))), 'held');
    assert.equal(reason(r.add(0, 'k', false, 'm', frag(3, 'c', true))), 'duplicate fragment');
    const done = r.add(0, 'k', false, 'm', frag(2, 'b'));
    assert.equal(done.kind === 'complete' && Buffer.from(done.message).toString(), 'abc');
  });

  it('a fragment that contradicts the message held starts another message (same header, as strongSwan sends)', () => {
    const r = new FragmentReassembly(() => LIMITS);
    const text = (o: ReturnType<FragmentReassembly['add']>) =>
      o.kind === 'complete' ? Buffer.from(o.message).toString() : o.kind;
    // Overlap: number 1 again with other data.
    r.add(0, 'k', false, 'm', frag(1, 'a'));
    r.add(0, 'k', false, 'm', frag(2, 'b'));
    assert.equal(text(r.add(0, 'k', false, 'm', frag(1, 'X'))), 'held');
    assert.equal(
      text(r.add(0, 'k', false, 'm', frag(2, 'Y', true))),
      'XY',
      'the old 2 went with the old message',
    );
    // Past the last one, and a second last one.
    r.add(0, 'k', false, 'm', frag(2, 'b', true));
    assert.equal(text(r.add(0, 'k', false, 'm', frag(3, 'c'))), 'held');
    assert.equal(r.size, 1);
    assert.equal(text(r.add(0, 'k', false, 'm', frag(1, 'a'))), 'held', 'the 2-fragment message is gone');
    assert.equal(text(r.add(0, 'k', false, 'm', frag(4, 'd', true))), 'held');
    assert.equal(text(r.add(0, 'k', false, 'm', frag(2, 'b'))), 'abcd', '3 stayed: it was the new message');
    // A last fragment below one held.
    r.add(0, 'j', false, 'm', frag(5, 'e'));
    assert.equal(text(r.add(0, 'j', false, 'm', frag(1, 'A', true))), 'A');
    assert.equal(r.size, 0);
  });

  it('a fragment of another message replaces the one in reassembly (as strongSwan on a new ID)', () => {
    const r = new FragmentReassembly(() => LIMITS);
    r.add(0, 'k', false, 'id 1', frag(1, 'old'));
    r.add(0, 'k', false, 'id 2', frag(2, 'new', true, 2));
    const done = r.add(0, 'k', false, 'id 2', frag(1, 'N', false, 2));
    assert.equal(done.kind === 'complete' && Buffer.from(done.message).toString(), 'Nnew');
  });

  it('bounds: message bytes, messages per pool (oldest out), bytes in all, and the timeout', () => {
    const r = new FragmentReassembly(() => LIMITS);
    r.add(0, 'big', false, 'm', frag(1, 'x'.repeat(600)));
    const over = r.add(0, 'big', false, 'm', frag(2, 'y'.repeat(600)));
    assert.deepEqual(over, { kind: 'dropped', reason: 'fragmented message too large' });
    assert.equal(r.size, 0);
    for (let i = 0; i < 10; i++) r.add(0, `sa:${i}`, false, 'm', frag(1, 'a'));
    assert.equal(r.size, 4, 'maxReassemblies');
    for (let i = 0; i < 10; i++) r.add(0, `first:${i}`, true, 'm', frag(1, 'a'));
    assert.equal(r.firstMessages, 2, 'maxFirst');
    assert.equal(r.size, 6);
    // The newest of each pool is kept: sa:9 completes.
    assert.equal(r.add(0, 'sa:9', false, 'm', frag(2, 'b', true)).kind, 'complete');
    // Bytes in all: first messages go first.
    for (let i = 0; i < 4; i++) r.add(1, `sa:b${i}`, false, 'm', frag(1, 'z'.repeat(900)));
    assert.ok(r.bytes <= 3000, `${r.bytes} bytes held`);
    assert.equal(r.firstMessages, 0);
    r.expire(1 + 999);
    assert.ok(r.size > 0);
    r.expire(1 + 1000);
    assert.equal(r.size, 0, 'all expired');
    assert.equal(r.bytes, 0);
  });

  it('a flood of fragments holds no more than the bounds, whatever its length', () => {
    const r = new FragmentReassembly(() => LIMITS);
    let held = 0;
    for (let i = 0; i < 50_000; i++) {
      const first = i % 2 === 0;
      r.add(
        i,
        `${first ? 'first' : 'sa'}:${i % 997}`,
        first,
        `m${i % 5}`,
        frag((i % 8) + 1, 'q'.repeat(i % 300)),
      );
      held = Math.max(held, r.bytes);
      assert.ok(r.size <= 6 && r.firstMessages <= 2 && r.bytes <= 3000);
    }
    assert.ok(held > 0);
  });
});
