import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { assertCrosswise, makePair, peerConfig } from './peers.js';

describe('IKEv1 engine: bundles, transport mode, INITIAL-CONTACT, lifetimes', () => {
  it('an ESP+AH bundle: one proposal number, two SAs per direction with their own SPIs and keys', () => {
    const { net, a, b } = makePair({ espProposals: 'aes128-sha256', childExtra: 'ah_proposals = sha256' });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const children = a.childSaList();
    assert.deepEqual(children.map((c) => c.protocol).sort(), ['ah', 'esp'], net.logsOf('b').join('\n'));
    assertCrosswise(children, b.childSaList());
    const ah = children.find((c) => c.protocol === 'ah')!;
    assert.equal(ah.encryption, undefined);
    assert.equal(ah.keys.encryptionIn, '');
    assert.equal(ah.keys.integrityIn.length, 64);
    assert.notEqual(ah.spiIn, children.find((c) => c.protocol === 'esp')!.spiIn);
  });

  it('transport mode with NAT-T: UDP-encapsulated transport, NAT-OA sent', () => {
    const { net, a, b } = makePair({ encap: true, childExtra: 'mode = transport' });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(b.childSaList()[0]?.mode, 'transport');
    assert.equal(b.childSaList()[0]?.encapsulation, true);
  });

  it('a shorter responder lifetime is announced with RESPONDER-LIFETIME and used by the initiator', () => {
    const { net, a, b } = makePair({ childExtra: 'rekey_time = 2h\n        life_time = 3h' });
    b.reload(makePair({ childExtra: 'rekey_time = 20m\n        life_time = 30m' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(b.childSaList()[0]?.lifetime.seconds, 1800);
    assert.equal(a.childSaList()[0]?.lifetime.seconds, 1800, net.logsOf('a').join('\n'));
    assert.match(net.logsOf('a').join('\n'), /responder lifetime: 1800 s/);
  });

  it('INITIAL-CONTACT from a restarted peer drops the SAs of its previous life', () => {
    const { net, a, b } = makePair();
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const oldCookie = b.ikeSaList()[0]!.initiatorCookie;
    // a "reboots": a fresh endpoint on the same address knows nothing of the old SAs.
    const restarted = makePair({}, undefined, 'restarted');
    net.detach('a');
    net.attach('a', restarted.a, [
      { address: '192.0.2.1', port: 500 },
      { address: '192.0.2.1', port: 4500 },
    ]);
    restarted.a.initiate(net.now, 'gw', 'net');
    net.run(net.now + 10_000);
    const sas = b.ikeSaList();
    assert.equal(sas.length, 1, net.logsOf('b').join('\n'));
    assert.notEqual(sas[0]?.initiatorCookie, oldCookie);
    assert.equal(b.childSaList().length, 1);
    assert.match(net.logsOf('b').join('\n'), /INITIAL-CONTACT: dropping an older ISAKMP SA/);
  });

  it('lifetime expiry: the CHILD SA and the ISAKMP SA are deleted when they expire', () => {
    const { net, a, b } = makePair({
      connExtra: 'rekey_time = 0s\n    over_time = 0s',
      childExtra: 'rekey_time = 0s\n        life_time = 100s',
    });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(a.childSaList().length, 1);
    net.run(120_000);
    assert.equal(a.childSaList().length, 0);
    assert.equal(b.childSaList().length, 0);
    assert.equal(net.eventsOf('a', 'child-sa-down').length, 1);
  });
});

describe('IKEv1 engine: rekeying the ISAKMP SA', () => {
  it('a new phase 1 replaces the old ISAKMP SA, which is deleted; the CHILD SA lives on under the new one', () => {
    const { net, a, b } = makePair({ connExtra: 'rekey_time = 60s\n    over_time = 30s' });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const firstIke = a.ikeSaList()[0]!;
    const child = a.childSaList()[0]!;
    net.run(80_000);
    const ikeA = a.ikeSaList();
    const ikeB = b.ikeSaList();
    assert.equal(ikeA.length, 1, net.logsOf('a').join('\n'));
    assert.equal(ikeB.length, 1, net.logsOf('b').join('\n'));
    assert.notEqual(ikeA[0]?.initiatorCookie, firstIke.initiatorCookie);
    assert.equal(ikeA[0]?.initiatorCookie, ikeB[0]?.initiatorCookie);
    // The IPsec SA was not touched, only handed to the new ISAKMP SA on both sides.
    assert.equal(a.childSaList()[0]?.spiIn, child.spiIn);
    assert.equal(a.childSaList()[0]?.ikeSaId, ikeA[0]?.id);
    assert.equal(b.childSaList()[0]?.ikeSaId, ikeB[0]?.id);
    assert.equal(net.eventsOf('a', 'child-sa-down').length, 0);
    assert.equal(net.eventsOf('b', 'child-sa-down').length, 0);
    assert.equal(net.eventsOf('b', 'child-sa-updated').length, 1);
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});

describe('IKEv1 engine: an initiator with local_addrs = %any', () => {
  it('learns its address from the first answer, so NAT-D finds no NAT and nothing floats', () => {
    const { net, a, b } = makePair({});
    const wildcard = makePair({}).a.config;
    a.reload({
      ...wildcard,
      connections: wildcard.connections.map((c) => ({ ...c, localAddrs: ['%any'] })),
    });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const ike = a.ikeSaList()[0];
    assert.equal(ike?.local.address, '192.0.2.1', net.logsOf('a').join('\n'));
    assert.deepEqual(ike?.nat, { local: false, remote: false, encapsulated: false });
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});

describe('IKEv1 engine: half-open limits', () => {
  it('a responder keeps at most maxHalfOpenPerPeer phase 1s from one address, and frees the slots', () => {
    // Five connections from one address to the same responder: five phase 1s at once.
    const names = ['gw1', 'gw2', 'gw3', 'gw4', 'gw5'];
    const text = peerConfig('a', {});
    const start = text.indexOf('  gw {');
    const end = text.indexOf('\n}\nsecrets');
    const block = text.slice(start, end);
    const multi = parseSwanctlConfig(
      text.slice(0, start) +
        names.map((n) => block.replace('  gw {', `  ${n} {`)).join('\n') +
        text.slice(end),
    );
    const { net, a, b } = makePair({ settings: { maxHalfOpenPerPeer: 3 } });
    a.reload(multi);
    for (const n of names) a.initiate(0, n, 'net');
    // 5 ms a hop: messages 3 reach the responder at 15 ms, messages 5 at 25 ms.
    net.run(17);
    assert.equal(b.ikeSas.halfOpen(), 3);
    assert.equal(b.ikeSas.halfOpen('192.0.2.1'), 3);
    assert.equal(b.mainModeOffers.size, 2, 'the refused messages 3 keep their offers');
    assert.equal(net.logsOf('b').filter((l) => /too many half-open ISAKMP SAs/.test(l)).length, 2);
    // The first three complete and free their slots; the other two retransmit message 3 and follow.
    net.run(30_000);
    assert.equal(b.ikeSas.halfOpen(), 0);
    assert.equal(b.mainModeOffers.size, 0);
    // All five phase 1s completed (the duplicates among them, five ISAKMP SAs between the same two
    // addresses with the same selectors, are then merged by the duplicate rules: not this test's).
    assert.equal(net.eventsOf('b', 'ike-sa-up').length, 5);
    assert.equal(net.eventsOf('a', 'ike-sa-up').length, 5);
  });
});

describe('IKEv1 engine: a long-lived SA stays small', () => {
  it('an hour of DPD and child rekeying keep the per-exchange records bounded', () => {
    const { net, a, b } = makePair({
      connExtra: 'dpd_delay = 2s\n    rekey_time = 0s\n    over_time = 0s',
      childExtra: 'rekey_time = 5m\n        life_time = 6m\n        rand_time = 30s',
    });
    a.initiate(0, 'gw', 'net');
    net.run(3600_000);
    for (const ep of [a, b]) {
      const [sa] = ep.ikeSas.all();
      assert.ok(sa !== undefined && sa.state === 'established');
      assert.ok(sa.outstanding.size <= 33, `outstanding ${sa.outstanding.size}`);
      assert.ok(sa.lastReceived.size <= 33, `lastReceived ${sa.lastReceived.size}`);
      assert.ok(sa.finishedMessageIds.size <= 1024, `finished ${sa.finishedMessageIds.size}`);
      assert.equal(ep.childSaList().length, 1);
    }
    // Thousands of exchanges happened: R-U-THERE rounds and about 12 rekeyings.
    assert.ok((net.sent.get('a') ?? 0) > 1000, `${net.sent.get('a')} datagrams`);
    assert.ok(net.eventsOf('a', 'child-sa-up').length > 10);
  });
});
