/**
 * Issue 11 item 3: Aggressive Mode with pre-shared keys as responder needs the daemon-wide opt-in
 * (EngineSettings.aggressivePskResponder, `ikets start --aggressive-psk`), and an identity the
 * responder does not know gets the same answer as one it knows: no oracle for an offline attack.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, ExchangeType, NotifyType, type Payload } from '../../src/codec/index.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import type { EngineSettings } from '../../src/ikev1/context.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { EndpointEvent, Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { peerConfig } from './peers.js';

const AM = { aggressive: true } as const;

function endpoint(text: string, seed: string, settings: Partial<EngineSettings> = {}): EndpointCore {
  return new EndpointCore({ config: parseSwanctlConfig(text), random: seededRandom(seed), settings }, 0);
}

/** Who starts Aggressive Mode as `identity` (with a PSK for it and b). */
function initiator(identity: string, seed: string): EndpointCore {
  return endpoint(peerConfig('a', AM).replaceAll('a.ikets.test', identity), seed);
}

/** b accepting any identity, with a PSK for a.ikets.test only. */
function anyPeer(): string {
  return peerConfig('b', AM)
    .replace('id = a.ikets.test }', 'id = %any }')
    .replace('    id-b = b.ikets.test\n', '');
}

function all<T>(poll: () => T | undefined): T[] {
  const out: T[] = [];
  for (let x = poll(); x !== undefined; x = poll()) out.push(x);
  return out;
}

/** a's message 1 delivered to b; b's answers. */
function exchange(a: EndpointCore, b: EndpointCore): Transmit[] {
  assert.equal(a.initiate(0, 'gw'), undefined);
  for (const t of all(() => a.pollTransmit()))
    b.handleDatagram(1, { local: t.remote, remote: t.local, data: t.data });
  return all(() => b.pollTransmit());
}

const shape = (t: Transmit) => {
  const m = decodeMessage(t.data);
  assert.ok(!m.body.encrypted);
  return {
    exchange: m.header.exchangeType,
    length: t.data.length,
    payloads: (m.body.payloads as readonly Payload[]).map((p) =>
      p.type === 'vendor_id' ? `vid ${Buffer.from(p.data).toString('hex')}` : `${p.type}`,
    ),
  };
};

const logs = (events: EndpointEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.message}`] : []));

describe('Aggressive Mode PSK as responder', () => {
  it('is refused by default with AUTHENTICATION_FAILED, the same for every identity, and keeps no state', () => {
    const answers = ['a.ikets.test', 'c.ikets.test'].map((id, i) => {
      const b = endpoint(peerConfig('b', AM), `b${i}`);
      const sent = exchange(initiator(id, `a${i}`), b);
      assert.equal(b.ikeSaList().length, 0, 'no state');
      const events = all(() => b.pollEvent());
      assert.ok(
        events.every((e) => e.type === 'log'),
        'no SA event',
      );
      assert.match(
        logs(events).join('\n'),
        /^info refused Aggressive Mode from 192\.0\.2\.1:500: answering Aggressive Mode with pre-shared keys is off \(ikets start --aggressive-psk\)$/,
      );
      assert.equal(sent.length, 1);
      const notify = decodeMessage(sent[0]!.data);
      assert.equal(notify.header.exchangeType, ExchangeType.INFORMATIONAL);
      const payload = notify.body.encrypted ? undefined : notify.body.payloads[0];
      assert.equal(payload?.type === 'notification' && payload.notifyType, NotifyType.AUTHENTICATION_FAILED);
      return sent[0]!.data.length;
    });
    assert.equal(answers[0], answers[1]);
  });

  it('with the opt-in, completes as before', () => {
    const a = initiator('a.ikets.test', 'a');
    const b = endpoint(peerConfig('b', AM), 'b', { aggressivePskResponder: true });
    const [answer] = exchange(a, b);
    assert.ok(answer);
    a.handleDatagram(2, { local: answer.remote, remote: answer.local, data: answer.data });
    for (const t of all(() => a.pollTransmit()))
      b.handleDatagram(3, { local: t.remote, remote: t.local, data: t.data });
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.equal(b.ikeSaList()[0]?.state, 'established');
  });

  for (const [what, bConfig] of [
    ['an identity that is not the configured one', peerConfig('b', AM)],
    // No remote id configured: any identity is accepted, but the one PSK is for a.ikets.test only.
    ['an identity no pre-shared key is for', anyPeer()],
  ] as const) {
    it(`answers ${what} with a message 2 like a known identity's; the initiator only sees HASH_R fail`, () => {
      const settings = { aggressivePskResponder: true };
      const known = exchange(initiator('a.ikets.test', 'same'), endpoint(bConfig, 'b', settings));
      const bUnknown = endpoint(bConfig, 'b', settings);
      const a = initiator('c.ikets.test', 'same');
      const unknown = exchange(a, bUnknown);
      assert.equal(unknown.length, 1);
      assert.equal(known.length, 1);
      assert.deepEqual(shape(unknown[0]!), shape(known[0]!));
      assert.deepEqual(shape(unknown[0]!).payloads.slice(0, 5), [
        'sa',
        'key_exchange',
        'nonce',
        'identification',
        'hash',
      ]);
      assert.equal(
        bUnknown.ikeSaList()[0]?.state,
        'connecting',
        'it waits for message 3, as for a known one',
      );
      assert.match(
        logs(all(() => bUnknown.pollEvent())).join('\n'),
        /answered like a known identity \(decoy HASH_R\)/,
      );
      // The initiator (with its own PSK for c and b) cannot tell it from a wrong PSK.
      a.handleDatagram(2, { local: unknown[0]!.remote, remote: unknown[0]!.local, data: unknown[0]!.data });
      assert.match(
        logs(all(() => a.pollEvent())).join('\n'),
        /HASH_R does not verify: the pre-shared keys differ/,
      );
    });
  }

  it('a decoy SA never completes, even if message 3 carried the right hash', () => {
    const settings = { aggressivePskResponder: true };
    const bConfig = anyPeer();
    const b = endpoint(bConfig, 'b', settings);
    // The initiator holds a PSK for c; b has none: b's keys are random, message 3 cannot pass.
    const a = initiator('c.ikets.test', 'a');
    const [answer] = exchange(a, b);
    assert.ok(answer);
    a.handleDatagram(2, { local: answer.remote, remote: answer.local, data: answer.data });
    for (const t of all(() => a.pollTransmit()))
      b.handleDatagram(3, { local: t.remote, remote: t.local, data: t.data });
    assert.notEqual(b.ikeSaList()[0]?.state, 'established');
  });
});
