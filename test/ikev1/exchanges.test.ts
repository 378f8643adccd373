import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointEvent } from '../../src/sa/types.js';
import { assertCrosswise, makePair } from './peers.js';

const up = (events: EndpointEvent[]) => events.length;

describe('IKEv1 engine exchanges', () => {
  for (const [proposals, esp] of [
    ['aes256-sha1-modp1024', '3des-sha1'],
    ['aes128-sha256-ecp256', 'aes256-sha512'],
    ['aes128-sha256-x25519', 'aes128gcm16-x25519'],
    ['3des-md5-modp1536', 'aes192-md5'],
    ['aes256-sha384-ecp384', 'chacha20poly1305'],
  ] as const) {
    it(`Main Mode ${proposals} with ESP ${esp}`, () => {
      const { net, a, b } = makePair({ proposals, espProposals: esp });
      a.initiate(0, 'gw', 'net');
      net.run(10_000);
      assert.equal(
        a.ikeSaList()[0]?.suite?.proposal,
        proposals.replace('x25519', 'curve25519'),
        net.logsOf('a').join('\n'),
      );
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.equal(a.childSaList()[0]?.proposal, esp.replace('x25519', 'curve25519'));
      assert.equal(a.childSaList()[0]?.pfsGroup, esp.includes('x25519') ? 'curve25519' : undefined);
    });
  }

  it('Aggressive Mode', () => {
    const { net, a, b } = makePair({ aggressive: true });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(a.ikeSaList()[0]?.exchange, 'aggressive');
    assert.equal(b.ikeSaList()[0]?.state, 'established', net.logsOf('b').join('\n'));
    assertCrosswise(a.childSaList(), b.childSaList());
    // 3 Aggressive Mode messages + 3 Quick Mode.
    assert.equal((net.sent.get('a') ?? 0) + (net.sent.get('b') ?? 0), 6);
  });

  it('the responder picks its own preference among several offered transforms', () => {
    const { net, a, b } = makePair({ proposals: 'aes128-sha1-modp2048, aes256-sha256-ecp256' });
    b.reload(makePair({ proposals: 'aes256-sha256-ecp256, aes128-sha1-modp2048' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(a.ikeSaList()[0]?.suite?.proposal, 'aes256-sha256-ecp256');
  });

  it('no common proposal: NO-PROPOSAL-CHOSEN, both sides give up and say why', () => {
    const { net, a, b } = makePair({ proposals: 'aes128-sha256-modp2048' });
    b.reload(makePair({ proposals: 'aes256-sha512-ecp384' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(200_000);
    assert.equal(a.ikeSaList().length, 0);
    assert.equal(b.ikeSaList().length, 0);
    assert.match(
      net.logsOf('b').join('\n'),
      /no connection accepts main mode from 192\.0\.2\.1:500 with the proposals offered/,
    );
    assert.match(
      net.logsOf('a').join('\n'),
      /no answer after 5 retransmissions \(the peer sent NO_PROPOSAL_CHOSEN, unauthenticated\)/,
    );
  });

  it('NAT-T: with encap = yes both sides float to 4500 and use UDP-encapsulated tunnel mode', () => {
    const { net, a, b } = makePair({ encap: true });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const ikeA = a.ikeSaList()[0]!;
    const ikeB = b.ikeSaList()[0]!;
    // Both sides fake their NAT-D (encap = yes on both), so each sees both ends behind a NAT.
    assert.deepEqual(ikeA.nat, { local: true, remote: true, encapsulated: true });
    assert.deepEqual(ikeB.nat, { local: true, remote: true, encapsulated: true });
    assert.equal(ikeA.local.port, 4500);
    assert.equal(ikeA.remote.port, 4500);
    assert.equal(ikeB.local.port, 4500);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(a.childSaList()[0]?.encapsulation, true);
    assert.equal(b.childSaList()[0]?.encapsulation, true);
    // The side behind the (faked) NAT keeps the mapping open (RFC 3948 section 2.3): one 0xFF byte
    // from the NAT-T port every 20 s, on both sides here since both fake the NAT.
    const keepalives: { from: string; at: number; port: number }[] = [];
    net.tap = (from, t, at) => {
      if (t.data.length === 1 && t.data[0] === 0xff) keepalives.push({ from, at, port: t.local.port });
    };
    const start = net.now;
    net.run(start + 65_000);
    const fromA = keepalives.filter((k) => k.from === 'a');
    assert.equal(fromA.length, 3, JSON.stringify(keepalives));
    assert.ok(fromA.every((k) => k.port === 4500));
    assert.equal(keepalives.filter((k) => k.from === 'b').length, 3);
    for (let i = 1; i < fromA.length; i++)
      assert.equal((fromA[i]?.at ?? 0) - (fromA[i - 1]?.at ?? 0), 20_000);
  });

  it('non-default ports: IKE with the non-ESP marker on both sides', () => {
    const { net, a, b } = makePair({ ports: { a: 1500, b: 2500 } });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(b.ikeSaList()[0]?.local.port, 2500);
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it('Quick Mode with subnets as client identities', () => {
    const { net, a, b } = makePair({ localTsA: '10.1.0.0/16', remoteTsA: '10.2.0.0/24[tcp/443]' });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.deepEqual(a.childSaList()[0]?.localTs, ['10.1.0.0/16']);
    assert.deepEqual(a.childSaList()[0]?.remoteTs, ['10.2.0.0/24[6/443]']);
    assert.deepEqual(b.childSaList()[0]?.remoteTs, ['10.1.0.0/16']);
  });

  it('Quick Mode refused when the selectors match no child', () => {
    const { net, a, b } = makePair({ localTsA: '10.1.0.0/16', remoteTsA: '10.2.0.0/24' });
    b.reload(makePair({ localTsA: '10.9.0.0/16', remoteTsA: '10.2.0.0/24' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.equal(a.childSaList().length, 0);
    assert.match(net.logsOf('b').join('\n'), /Quick Mode refused: traffic selectors/);
    assert.match(net.logsOf('a').join('\n'), /peer notifies INVALID_ID_INFORMATION/);
  });

  it('wrong pre-shared key: both sides fail and log why', () => {
    const { net, a, b } = makePair({ pskA: 'one-secret-0000000000', pskB: 'another-secret-11111111' });
    a.initiate(0, 'gw', 'net');
    net.run(200_000);
    assert.equal(a.ikeSaList().length, 0);
    assert.equal(b.ikeSaList().length, 0);
    assert.equal(up(net.eventsOf('a', 'ike-sa-up')), 0);
    assert.match(net.logsOf('b').join('\n'), /the pre-shared keys probably differ/);
    assert.match(
      net.logsOf('a').join('\n'),
      /no answer after 5 retransmissions \(the peer sent a notification that cannot be decrypted: the pre-shared keys probably differ\)/,
    );
  });

  for (const side of ['a', 'b'] as const) {
    it(`Delete from ${side === 'a' ? 'the initiator' : 'the responder'} removes the SAs on both sides`, () => {
      const { net, a, b } = makePair();
      a.initiate(0, 'gw', 'net');
      net.run(10_000);
      assert.equal(a.childSaList().length, 1);
      (side === 'a' ? a : b).terminate(net.now, 'gw');
      net.run(net.now + 5_000);
      for (const [name, ep] of [
        ['a', a],
        ['b', b],
      ] as const) {
        assert.equal(ep.ikeSaList().length, 0, `${name} IKE SAs`);
        assert.equal(ep.childSaList().length, 0, `${name} CHILD SAs`);
        assert.equal(net.eventsOf(name, 'child-sa-down').length, 1);
        assert.equal(net.eventsOf(name, 'ike-sa-down').length, 1);
      }
    });
  }

  it('deleting only the child keeps the ISAKMP SA', () => {
    const { net, a, b } = makePair();
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    a.terminate(net.now, 'net');
    net.run(net.now + 5_000);
    assert.equal(b.childSaList().length, 0);
    assert.equal(b.ikeSaList()[0]?.state, 'established');
  });

  it('DPD: R-U-THERE answered while the peer lives; the SA is dropped when it stops answering', () => {
    const { net, a, b } = makePair({ connExtra: 'dpd_delay = 10s\n    dpd_timeout = 30s' });
    a.initiate(0, 'gw', 'net');
    net.run(100_000);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.ok(net.sent.get('a')! > 9 + 3, 'R-U-THERE sent');
    // The peer vanishes: nothing it would send arrives any more.
    net.detach('b');
    net.run(net.now + 60_000);
    assert.equal(a.ikeSaList().length, 0);
    assert.match(net.logsOf('a').join('\n'), /the peer is dead/);
    assert.equal(net.eventsOf('a', 'ike-sa-down').length, 1);
    void b;
  });

  it('CHILD SA rekeying before the lifetime ends replaces the SA on both sides', () => {
    const { net, a, b } = makePair({
      childExtra: 'rekey_time = 60s\n        life_time = 90s\n        rand_time = 10s',
    });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const first = a.childSaList()[0]!;
    net.run(75_000);
    const current = a.childSaList();
    assert.equal(current.length, 1, net.logsOf('a').join('\n'));
    assert.notEqual(current[0]?.spiIn, first.spiIn);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(net.eventsOf('a', 'child-sa-up').length, 2);
    assert.equal(net.eventsOf('b', 'child-sa-down').length, 1);
  });
});
