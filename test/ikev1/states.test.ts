/**
 * The named states (src/ikev1/states.ts): real exchanges in both modes and roles pass through the
 * states the tables name, every change seen between two datagrams is a transition the tables list,
 * and a transition they do not list throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { enterChildSa, enterIsakmpSa, enterQuickMode, TRANSITIONS } from '../../src/ikev1/states.js';
import { seededRandom } from '../support/seeded-random.js';
import { AGGRESSIVE_OPT_IN, makePair, type PeerOptions, peerConfig } from './peers.js';

const AM = { aggressive: true } as const;

type Table = Readonly<Record<string, readonly string[]>>;

/** Records each SA's, Quick Mode's and child's state after every datagram and timer of `ep`. */
function watch(ep: EndpointCore) {
  const last = new Map<string, string>();
  const seen = new Set<string>();
  const moves: { kind: keyof typeof TRANSITIONS; from: string; to: string }[] = [];
  const note = (kind: keyof typeof TRANSITIONS, key: string, state: string) => {
    seen.add(`${kind}:${state}`);
    const before = last.get(key);
    if (before !== undefined && before !== state) moves.push({ kind, from: before, to: state });
    last.set(key, state);
  };
  // Everything ever seen is sampled again, so the states of removed SAs and ended exchanges count too.
  const known = new Map<string, { kind: keyof typeof TRANSITIONS; holder: { readonly state: string } }>();
  const sample = () => {
    for (const sa of ep.ikeSas.all()) {
      known.set(`ike ${sa.id}`, { kind: 'isakmpSa', holder: sa });
      for (const qm of sa.quickModes.values())
        known.set(`qm ${sa.id} ${qm.messageId}`, { kind: 'quickMode', holder: qm });
    }
    for (const child of ep.children.all())
      known.set(`child ${child.info.id}`, { kind: 'childSa', holder: child });
    for (const [key, { kind, holder }] of known) note(kind, key, holder.state);
  };
  for (const verb of ['handleDatagram', 'handleTimeout', 'initiate', 'terminate'] as const) {
    const original = (ep[verb] as (...args: unknown[]) => unknown).bind(ep);
    (ep as unknown as Record<string, unknown>)[verb] = (...args: unknown[]) => {
      sample();
      const result = original(...args);
      sample();
      return result;
    };
  }
  return { seen, moves, sample };
}

function run(options: PeerOptions) {
  const { net, a, b } = makePair(options);
  const [wa, wb] = [watch(a), watch(b)];
  a.initiate(0, 'gw', 'net');
  net.run(10_000);
  assert.equal(a.childSaList().length, 1, net.logsOf('a').join('\n'));
  a.terminate(net.now, 'gw');
  net.run(net.now + 1000);
  for (const w of [wa, wb]) {
    for (const m of w.moves) {
      const table: Table = TRANSITIONS[m.kind];
      assert.ok(table[m.from]?.includes(m.to), `${m.kind} ${m.from} -> ${m.to} is not in the tables`);
    }
  }
  return { a: wa.seen, b: wb.seen };
}

describe('named SA states', () => {
  it('Main Mode: the initiator waits for 2, 4, 6; the responder for 5; both end established, then deleted', () => {
    const { a, b } = run({});
    for (const s of ['mm-wait-2', 'mm-wait-4', 'mm-wait-6', 'established', 'deleted'])
      assert.ok(a.has(`isakmpSa:${s}`), `initiator never in ${s}: ${[...a].join(' ')}`);
    for (const s of ['mm-wait-5', 'established', 'deleted'])
      assert.ok(b.has(`isakmpSa:${s}`), `responder never in ${s}: ${[...b].join(' ')}`);
    for (const s of ['quickMode:qm-i-wait-2', 'quickMode:done', 'childSa:installed', 'childSa:deleted'])
      assert.ok(a.has(s), s);
    assert.ok(b.has('quickMode:qm-r-wait-3') && b.has('quickMode:done'));
  });

  it('Aggressive Mode: the initiator waits for 2, the responder for 3', () => {
    const { a, b } = run({ aggressive: true });
    for (const s of ['am-wait-2', 'established']) assert.ok(a.has(`isakmpSa:${s}`), s);
    for (const s of ['am-wait-3', 'established']) assert.ok(b.has(`isakmpSa:${s}`), s);
  });

  it('an Aggressive Mode responder that answered with a decoy HASH_R waits in am-wait-3-decoy', () => {
    // a names itself c.ikets.test, which b does not accept: b's message 2 carries a decoy HASH_R.
    const config = (self: 'a' | 'b') =>
      parseSwanctlConfig(
        self === 'a' ? peerConfig('a', AM).replaceAll('a.ikets.test', 'c.ikets.test') : peerConfig('b', AM),
      );
    const [a, b] = (['a', 'b'] as const).map(
      (self) =>
        new EndpointCore(
          { config: config(self), random: seededRandom(`decoy-${self}`), settings: AGGRESSIVE_OPT_IN },
          0,
        ),
    ) as [EndpointCore, EndpointCore];
    const wb = watch(b);
    a.initiate(0, 'gw');
    for (let t = a.pollTransmit(); t !== undefined; t = a.pollTransmit())
      b.handleDatagram(1, { local: t.remote, remote: t.local, data: t.data });
    assert.deepEqual(
      b.ikeSas.all().map((sa) => sa.state),
      ['am-wait-3-decoy'],
    );
    for (const m of wb.moves) assert.ok((TRANSITIONS[m.kind] as Table)[m.from]?.includes(m.to));
  });

  it('a transition the tables do not list throws', () => {
    assert.throws(() => enterIsakmpSa({ state: 'established' }, 'mm-wait-4'), /established -> mm-wait-4/);
    assert.throws(() => enterIsakmpSa({ state: 'deleted' }, 'established'));
    assert.throws(() => enterQuickMode({ state: 'done' }, 'qm-i-wait-2'));
    assert.throws(() => enterChildSa({ state: 'superseded' }, 'installed'));
    const sa = { state: 'mm-wait-2' as const } as { state: Parameters<typeof enterIsakmpSa>[1] };
    enterIsakmpSa(sa, 'mm-wait-4');
    assert.equal(sa.state, 'mm-wait-4');
  });
});
