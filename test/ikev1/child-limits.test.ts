/**
 * Byte and packet lifetimes (RFC 2409 section 5.5, swanctl's rekey_/life_ bytes and packets): the data
 * plane counts, the engine acts. A soft limit rekeys the child with a new Quick Mode (the peer ends
 * with the new pair, the old one deleted on both sides); a hard limit deletes it at both ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCrosswise, makePair } from './peers.js';

describe('CHILD SA byte/packet limits reported by the data plane', () => {
  it('soft: a Quick Mode rekeying replaces the pair on both sides', () => {
    const { net, a, b } = makePair({});
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const [old] = a.childSaList();
    assert.ok(old !== undefined);
    assert.equal(a.childLimitReached(net.now, old.id, false), undefined);
    net.run(net.now + 10_000);
    const [fresh, ...rest] = a.childSaList();
    assert.equal(rest.length, 0, 'the old pair is gone');
    assert.notEqual(fresh?.spiIn, old.spiIn);
    assertCrosswise(a.childSaList(), b.childSaList());
    const up = net.eventsOf('a', 'child-sa-up').at(-1);
    assert.ok(up?.type === 'child-sa-up' && up.rekeyOf === old.id);
    assert.match(net.logsOf('a').join('\n'), /reached its soft byte\/packet limit: rekeying/);
  });

  it('hard: the child is deleted at both ends, the ISAKMP SA stays', () => {
    const { net, a, b } = makePair({});
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const [child] = b.childSaList();
    assert.ok(child !== undefined);
    assert.equal(b.childLimitReached(net.now, child.id, true), undefined);
    net.run(net.now + 5_000);
    assert.deepEqual(a.childSaList(), []);
    assert.deepEqual(b.childSaList(), []);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    const down = net.eventsOf('b', 'child-sa-down')[0];
    assert.ok(down?.type === 'child-sa-down' && down.reason === 'expired');
    assert.match(b.childLimitReached(net.now, 999, true) ?? '', /no CHILD SA #999/);
  });
});
