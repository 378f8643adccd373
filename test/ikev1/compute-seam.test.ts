import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import {
  type ComputePolicy,
  type ComputeRequest,
  computeNow,
  deferAllCompute,
} from '../../src/ikev1/compute-queue.js';
import type { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { IncomingDatagram } from '../../src/sa/types.js';
import type { SimulatedHost, SimulatedNetwork } from '../support/simulated-network.js';
import { assertCrosswise, makePair, type PeerOptions, peerConfig } from './peers.js';
import { pkePair } from './pke-peers.js';

// The asynchronous crypto seam (src/ikev1/compute-queue.ts): g^xy leaves the engine as a request,
// the SA waits in a *-computing state, and the exchange resumes with the result the shell hands back.

/** The shell of one side: takes the engine's requests and answers them when the test says so. */
class ComputeShell implements SimulatedHost {
  readonly held: ComputeRequest[] = [];
  /** Why the engine dropped datagrams, in order. */
  readonly drops: string[] = [];
  answered = 0;
  #now = 0;
  constructor(
    readonly ep: EndpointCore,
    /** Answer each request as soon as it is polled (a shell that computes inline, one step later). */
    public auto: boolean,
  ) {}
  handleDatagram(now: number, datagram: IncomingDatagram): unknown {
    this.#now = now;
    const result = this.ep.handleDatagram(now, datagram);
    if (result.kind === 'dropped') this.drops.push(result.reason ?? '');
    return result;
  }
  handleTimeout(now: number): void {
    this.#now = now;
    this.ep.handleTimeout(now);
  }
  pollTransmit() {
    for (let r = this.ep.computeQueue.poll(); r !== undefined; r = this.ep.computeQueue.poll())
      this.held.push(r);
    if (this.auto) this.answerAll();
    return this.ep.pollTransmit();
  }
  pollTimeout() {
    return this.ep.pollTimeout();
  }
  pollEvent() {
    return this.ep.pollEvent();
  }
  answerAll(): void {
    for (let r = this.held.shift(); r !== undefined; r = this.held.shift()) {
      this.answered++;
      this.ep.handleComputed(this.#now, r.id, computeNow(r));
    }
  }
}

const ADDRESSES = {
  a: [
    { address: '192.0.2.1', port: 500 },
    { address: '192.0.2.1', port: 4500 },
  ],
  b: [
    { address: '192.0.2.2', port: 500 },
    { address: '192.0.2.2', port: 4500 },
  ],
};

/** A pair whose sides defer as told, each behind a ComputeShell. */
function deferredPair(
  o: PeerOptions,
  auto: boolean,
  defer = { a: deferAllCompute, b: deferAllCompute },
  pair: (o: PeerOptions) => ReturnType<typeof makePair> = makePair,
) {
  const { net, a, b } = pair({ ...o, compute: defer });
  const shells = { a: new ComputeShell(a, auto), b: new ComputeShell(b, auto) };
  net.attach('a', shells.a, ADDRESSES.a);
  net.attach('b', shells.b, ADDRESSES.b);
  return { net, a, b, shells };
}

function recordWire(net: SimulatedNetwork): string[] {
  const wire: string[] = [];
  net.tap = (from, t, at) => wire.push(`${at} ${from} ${Buffer.from(t.data).toString('hex')}`);
  return wire;
}

const states = (ep: EndpointCore) => ep.ikeSas.all().map((sa) => sa.state);

describe('IKEv1 engine: the asynchronous crypto seam', () => {
  for (const [name, o] of [
    ['Main Mode, MODP-2048', {}],
    ['Main Mode, Curve25519', { proposals: 'aes128-sha256-curve25519' }],
    ['Aggressive Mode, MODP-2048', { aggressive: true }],
  ] as const) {
    it(`deferred results answered at once give the same datagrams as inline (${name}; Quick Mode with PFS in MODP-2048)`, () => {
      const inline = makePair(o);
      const expected = recordWire(inline.net);
      inline.a.initiate(0, 'gw', 'net');
      inline.net.run(10_000);
      const deferred = deferredPair(o, true);
      const got = recordWire(deferred.net);
      deferred.a.initiate(0, 'gw', 'net');
      deferred.net.run(10_000);
      assertCrosswise(deferred.a.childSaList(), deferred.b.childSaList());
      assert.ok(got.length >= 6, `${got.length} datagrams`);
      assert.deepEqual(got, expected);
      // Each side asked for its g^xy once in phase 1 and once in Quick Mode (PFS), none left.
      assert.equal(deferred.shells.a.answered + deferred.shells.b.answered, 4);
      assert.equal(deferred.a.computeQueue.size + deferred.b.computeQueue.size, 0);
    });
  }

  // RSA encryption pads with OpenSSL's own randomness: SKEME's datagrams differ from run to run, so
  // these compare what does not (when, who, how long) and that both complete.
  for (const method of ['pke', 'pke-revised'] as const)
    for (const aggressive of [false, true])
      it(`deferred results give the same exchange as inline with SKEME (${method}, ${aggressive ? 'Aggressive' : 'Main'} Mode)`, () => {
        const pair = (o: PeerOptions) => pkePair(method, o);
        const shape = (wire: string[]) =>
          wire.map((w) => `${w.split(' ').slice(0, 2).join(' ')} ${w.length}`);
        const inline = pair({ aggressive });
        const expected = recordWire(inline.net);
        inline.a.initiate(0, 'gw', 'net');
        inline.net.run(10_000);
        const deferred = deferredPair({ aggressive }, true, undefined, pair);
        const got = recordWire(deferred.net);
        deferred.a.initiate(0, 'gw', 'net');
        deferred.net.run(10_000);
        assertCrosswise(deferred.a.childSaList(), deferred.b.childSaList());
        assert.deepEqual(shape(got), shape(expected));
        assert.equal(
          deferred.shells.a.answered + deferred.shells.b.answered,
          4,
          'one g^xy a side in phase 1, one in Quick Mode (PFS)',
        );
      });

  it('waits in a computing state, drops repeats meanwhile, and resumes with the result (Main Mode)', () => {
    const { net, a, b, shells } = deferredPair({}, false);
    a.initiate(0, 'gw', 'net');
    // Message 3 reaches the responder at 15 ms: it asks for g^xy and waits.
    net.run(100);
    assert.equal(shells.b.held.length, 1);
    assert.deepEqual(states(b), ['mm-3-computing']);
    assert.equal(b.ikeSas.halfOpen('192.0.2.1'), 1);
    // The initiator retransmits message 3 (4 s): dropped while computing, nothing asked again.
    net.run(5_000);
    assert.ok((net.sent.get('a') ?? 0) >= 3);
    assert.equal(shells.b.held.length, 1);
    assert.equal(b.computeQueue.size, 1);
    assert.deepEqual(states(b), ['mm-3-computing']);
    assert.deepEqual(
      net.logsOf('b').filter((l) => /dropped/.test(l)),
      [],
      'a repeat while computing is routine',
    );
    // The result: message 4 goes out; then the initiator computes, and the rest follows.
    shells.b.answerAll();
    net.run(5_100);
    assert.deepEqual(states(b), ['mm-wait-5']);
    assert.deepEqual(states(a), ['mm-4-computing']);
    shells.a.auto = true;
    shells.b.auto = true;
    shells.a.answerAll();
    net.run(10_000);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.deepEqual(states(a), ['established']);
    assert.deepEqual(states(b), ['established']);
  });

  it('Aggressive Mode computes in both roles', () => {
    const { net, a, b, shells } = deferredPair({ aggressive: true }, false);
    a.initiate(0, 'gw', 'net');
    net.run(7);
    assert.deepEqual(states(b), ['am-1-computing']);
    shells.b.answerAll();
    net.run(14);
    assert.deepEqual(states(a), ['am-2-computing']);
    shells.a.auto = true;
    shells.b.auto = true;
    shells.a.answerAll();
    net.run(10_000);
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it('deleting the SA cancels its request; a result that comes later is ignored', () => {
    const { net, a, b, shells } = deferredPair({}, false);
    a.initiate(0, 'gw', 'net');
    net.run(100);
    const [request] = shells.b.held;
    assert.ok(request !== undefined);
    const [sa] = b.ikeSas.all();
    assert.ok(sa !== undefined);
    assert.equal(b.terminate(100, `ike:${sa.id}`), undefined);
    assert.equal(sa.state, 'deleted');
    assert.equal(b.computeQueue.size, 0);
    // The shell answers anyway: nothing is sent, nothing comes back to life.
    const sentBefore = net.sent.get('b');
    shells.b.answerAll();
    net.run(200);
    assert.equal(net.sent.get('b'), sentBefore);
    assert.deepEqual(states(b), []);
    assert.equal(a.ikeSas.all().length, 1);
  });

  it('the half-open timeout cancels a computation that never returns', () => {
    const { net, b, a, shells } = deferredPair({}, false);
    a.initiate(0, 'gw', 'net');
    net.run(100);
    assert.equal(shells.b.held.length, 1);
    // Repeats of message 3 prove nothing new: the responder gives up after 30 s as for any half-open SA.
    net.run(31_000);
    assert.deepEqual(states(b), []);
    assert.equal(b.computeQueue.size, 0);
    assert.equal(b.ikeSas.halfOpen(), 0);
    shells.b.answerAll();
    assert.equal(b.pollTransmit(), undefined);
  });

  it('an invalid public value found by the computation changes nothing (the offer stays)', () => {
    const { net, a, b, shells } = deferredPair({}, false);
    a.initiate(0, 'gw', 'net');
    net.run(100);
    const [request] = shells.b.held.splice(0);
    assert.ok(request !== undefined);
    b.handleComputed(100, request.id, { error: 'y <= 1' });
    net.flush();
    // As a message 3 refused at once: the SA goes, the offer waits for a genuine message 3.
    assert.deepEqual(states(b), []);
    assert.equal(b.mainModeOffers.size, 1);
    assert.ok(net.logsOf('b').some((l) => /Diffie-Hellman value is invalid: y <= 1/.test(l)));
    shells.a.auto = true;
    shells.b.auto = true;
    net.run(30_000);
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it('pending computations count toward the half-open limit per peer', () => {
    const names = ['gw1', 'gw2', 'gw3'];
    const text = peerConfig('a', {});
    const start = text.indexOf('  gw {');
    const end = text.indexOf('\n}\nsecrets');
    const block = text.slice(start, end);
    const multi = parseSwanctlConfig(
      text.slice(0, start) +
        names.map((n) => block.replace('  gw {', `  ${n} {`)).join('\n') +
        text.slice(end),
    );
    const { net, a, b, shells } = deferredPair({ settings: { maxHalfOpenPerPeer: 2 } }, false);
    a.reload(multi);
    for (const n of names) a.initiate(0, n, 'net');
    net.run(100);
    assert.deepEqual(states(b), ['mm-3-computing', 'mm-3-computing']);
    assert.equal(shells.b.held.length, 2);
    assert.equal(net.logsOf('b').filter((l) => /too many half-open ISAKMP SAs/.test(l)).length, 1);
    shells.a.auto = true;
    shells.b.auto = true;
    shells.b.answerAll();
    net.run(30_000);
    assert.equal(net.eventsOf('b', 'ike-sa-up').length, 3);
  });

  it('a policy may defer some groups only', () => {
    const modpOnly: ComputePolicy = { defers: (work) => work.keyPair.group.kind === 'modp' };
    for (const [proposals, asked] of [
      ['aes128-sha256-modp2048', 1],
      ['aes128-sha256-curve25519', 0],
    ] as const) {
      const { net, a, b, shells } = deferredPair({ proposals, espProposals: proposals }, false, {
        a: modpOnly,
        b: modpOnly,
      });
      a.initiate(0, 'gw', 'net');
      net.run(100);
      assert.equal(shells.b.held.length, asked, proposals);
      shells.a.auto = true;
      shells.b.auto = true;
      shells.b.answerAll();
      net.run(10_000);
      assertCrosswise(a.childSaList(), b.childSaList());
    }
  });
});

// Quick Mode with PFS (RFC 2409 section 5.5): phase 1 in Curve25519 stays inline under a policy that
// defers MODP only, so the requests held are the Quick Mode's MODP-2048 g^xy alone.
describe('IKEv1 engine: the crypto seam in Quick Mode with PFS', () => {
  const modpOnly: ComputePolicy = { defers: (work) => work.keyPair.group.kind === 'modp' };
  const pfsPair = () =>
    deferredPair({ proposals: 'aes128-sha256-curve25519' }, false, { a: modpOnly, b: modpOnly });
  const quickModes = (ep: EndpointCore) =>
    ep.ikeSas.all().flatMap((sa) => [...sa.quickModes.values()].map((qm) => qm.state));

  it('waits in qm-r-1-computing and qm-i-2-computing, drops repeats meanwhile, and resumes', () => {
    const { net, a, b, shells } = pfsPair();
    a.initiate(0, 'gw', 'net');
    net.run(100);
    assert.equal(shells.b.held.length, 1);
    assert.deepEqual(quickModes(b), ['qm-r-1-computing']);
    assert.deepEqual(quickModes(a), ['qm-i-wait-2']);
    // The initiator retransmits message 1: dropped while computing, nothing asked again, no answer.
    const sentByB = net.sent.get('b');
    net.run(10_000);
    assert.equal(shells.b.held.length, 1);
    assert.equal(b.computeQueue.size, 1);
    assert.equal(net.sent.get('b'), sentByB);
    assert.ok(shells.b.drops.length > 0);
    assert.deepEqual(new Set(shells.b.drops), new Set(['repeated while computing']));
    shells.b.answerAll();
    net.run(10_100);
    assert.deepEqual(quickModes(b), ['qm-r-wait-3']);
    assert.deepEqual(quickModes(a), ['qm-i-2-computing']);
    assert.equal(shells.a.held.length, 1);
    // A repeat of message 2 (the answer to a retransmitted message 1) is dropped too.
    const sentByA = net.sent.get('a') ?? 0;
    net.run(20_000);
    assert.equal(shells.a.held.length, 1);
    assert.ok(shells.a.drops.includes('repeated while computing'));
    shells.a.answerAll();
    net.run(30_000);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(a.childSaList()[0]?.pfsGroup, 'modp2048');
    assert.ok((net.sent.get('a') ?? 0) > sentByA);
    assert.deepEqual(quickModes(a), []);
    assert.deepEqual(quickModes(b), []);
    assert.equal(shells.a.answered + shells.b.answered, 2);
  });

  it("deleting the ISAKMP SA cancels a Quick Mode's request; a later result is ignored", () => {
    const { net, a, b, shells } = pfsPair();
    a.initiate(0, 'gw', 'net');
    net.run(100);
    const [sa] = b.ikeSas.all();
    assert.ok(sa !== undefined && shells.b.held.length === 1);
    assert.equal(b.terminate(100, `ike:${sa.id}`), undefined);
    assert.equal(b.computeQueue.size, 0);
    net.run(200);
    const sentBefore = net.sent.get('b');
    shells.b.answerAll();
    net.run(300);
    assert.equal(net.sent.get('b'), sentBefore);
    assert.deepEqual(b.childSaList(), []);
  });

  it("the Quick Mode's end (no answer, given up) cancels its request; a later result is ignored", () => {
    const { net, a, shells } = pfsPair();
    a.initiate(0, 'gw', 'net');
    net.run(100);
    // The responder answers message 2; the initiator's g^xy never comes back.
    shells.b.auto = true;
    shells.b.answerAll();
    net.run(200);
    assert.deepEqual(quickModes(a), ['qm-i-2-computing']);
    assert.equal(a.computeQueue.size, 1);
    net.run(120_000);
    assert.deepEqual(quickModes(a), []);
    assert.equal(a.computeQueue.size, 0);
    assert.equal(net.eventsOf('a', 'child-sa-failed').length, 1);
    const sentBefore = net.sent.get('a');
    shells.a.answerAll();
    net.run(120_100);
    assert.equal(net.sent.get('a'), sentBefore);
    assert.deepEqual(a.childSaList(), []);
  });

  it('an invalid PFS public value found by the computation refuses the Quick Mode', () => {
    const { net, a, b, shells } = pfsPair();
    a.initiate(0, 'gw', 'net');
    net.run(100);
    const [request] = shells.b.held.splice(0);
    assert.ok(request !== undefined);
    b.handleComputed(100, request.id, { error: 'y <= 1' });
    net.run(200);
    assert.deepEqual(quickModes(b), []);
    assert.ok(
      net
        .logsOf('b')
        .some((l) =>
          /Quick Mode refused: invalid PFS public value: y <= 1 \(INVALID_KEY_INFORMATION\)/.test(l),
        ),
    );
    assert.deepEqual(b.childSaList(), []);
  });
});
