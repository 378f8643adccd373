import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointEvent } from '../../src/sa/types.js';
import { SadError, type SadEvents, SecurityAssociationDatabase } from '../../src/sad/index.js';
import { childSa, ikeSa } from './sa-fixtures.js';

type Seen = { name: keyof SadEvents; id: number; reason?: string; old?: number };

function recorder(sad: SecurityAssociationDatabase): Seen[] {
  const seen: Seen[] = [];
  sad.events.on('added', (e) => seen.push({ name: 'added', id: e.sa.id }));
  sad.events.on('rekeyed', (e) => seen.push({ name: 'rekeyed', id: e.sa.id, old: e.old?.id }));
  sad.events.on('expired', (e) => seen.push({ name: 'expired', id: e.sa.id }));
  sad.events.on('deleted', (e) => seen.push({ name: 'deleted', id: e.sa.id, reason: e.reason }));
  return seen;
}

describe('SecurityAssociationDatabase', () => {
  it('builds the store from a scripted event sequence and answers every lookup', () => {
    const sad = new SecurityAssociationDatabase();
    const seen = recorder(sad);
    const events: EndpointEvent[] = [
      { type: 'log', level: 'info', message: 'initiating Main Mode', ikeSa: 1, connection: 'gw' },
      { type: 'ike-sa-up', sa: ikeSa() },
      { type: 'child-sa-up', sa: childSa(), rekeyOf: undefined },
      {
        type: 'child-sa-up',
        sa: childSa({ id: 2, child: 'dmz', spiIn: 'c0000002', spiOut: 'c0000003' }),
        rekeyOf: undefined,
      },
    ];
    for (const e of events) sad.apply(e);
    assert.deepEqual(sad.size, { ike: 1, child: 2 });
    assert.equal(sad.byInboundSpi('461f5061')?.id, 1);
    assert.equal(sad.byInboundSpi('0x461F5061')?.id, 1);
    assert.equal(sad.byInboundSpi(0x461f5061)?.id, 1);
    assert.equal(sad.byInboundSpi(0x461f5061, 'ah'), undefined);
    assert.equal(sad.byInboundSpi('b4fd716f'), undefined, 'outbound SPIs are not inbound lookups');
    assert.equal(sad.byInboundSpi('not hex'), undefined);
    assert.equal(sad.byCookies('70bd524e37724337', 'E8267802A2BD286A')?.id, 1);
    assert.equal(sad.byCookies('70bd524e37724337', '0000000000000000'), undefined);
    assert.deepEqual(
      sad.byPeer('10.231.0.2').child.map((c) => c.id),
      [1, 2],
    );
    assert.equal(sad.byPeer('::ffff:10.231.0.2').ike.length, 1);
    assert.equal(sad.byPeer('10.231.0.9').ike.length, 0);
    assert.deepEqual(
      sad.byName('gw').child.map((c) => c.id),
      [1, 2],
    );
    assert.deepEqual(
      sad.byName('dmz').child.map((c) => c.id),
      [2],
    );
    assert.equal(sad.byName('dmz').ike.length, 0);
    assert.deepEqual(
      sad.childrenOf(1).map((c) => c.id),
      [1, 2],
    );
    assert.deepEqual(seen, [
      { name: 'added', id: 1 },
      { name: 'added', id: 1 },
      { name: 'added', id: 2 },
    ]);
  });

  it('reports a rekeying with the SA it replaces, then the old SA deleted as rekeyed', () => {
    const sad = new SecurityAssociationDatabase();
    sad.apply({ type: 'ike-sa-up', sa: ikeSa() });
    sad.apply({ type: 'child-sa-up', sa: childSa(), rekeyOf: undefined });
    const seen = recorder(sad);
    const next = childSa({ id: 3, spiIn: 'c1000001', spiOut: 'c1000002' });
    sad.apply({ type: 'child-sa-up', sa: next, rekeyOf: 1 });
    assert.equal(sad.byInboundSpi('461f5061')?.id, 1, 'the old SA stays until it is deleted');
    assert.equal(sad.byInboundSpi('c1000001')?.id, 3);
    sad.apply({ type: 'child-sa-down', sa: childSa(), reason: 'rekeyed' });
    assert.equal(sad.byInboundSpi('461f5061'), undefined);
    assert.deepEqual(seen, [
      { name: 'rekeyed', id: 3, old: 1 },
      { name: 'deleted', id: 1, reason: 'rekeyed' },
    ]);
  });

  it('tells expiry from deletion and forgets every index', () => {
    const sad = new SecurityAssociationDatabase();
    sad.apply({ type: 'ike-sa-up', sa: ikeSa() });
    sad.apply({ type: 'child-sa-up', sa: childSa(), rekeyOf: undefined });
    const seen = recorder(sad);
    sad.apply({ type: 'child-sa-down', sa: childSa(), reason: 'expired' });
    sad.apply({ type: 'ike-sa-down', sa: ikeSa({ state: 'deleted' }), reason: 'remote' });
    sad.apply({ type: 'ike-sa-down', sa: ikeSa(), reason: 'remote' });
    assert.deepEqual(seen, [
      { name: 'expired', id: 1 },
      { name: 'deleted', id: 1, reason: 'remote' },
    ]);
    assert.deepEqual(sad.size, { ike: 0, child: 0 });
    assert.equal(sad.byCookies('70bd524e37724337', 'e8267802a2bd286a'), undefined);
    assert.equal(sad.byInboundSpi('461f5061'), undefined);
  });

  it('keeps an IPsec SA after its ISAKMP SA is gone (IKEv1)', () => {
    const sad = new SecurityAssociationDatabase();
    sad.apply({ type: 'ike-sa-up', sa: ikeSa() });
    sad.apply({ type: 'child-sa-up', sa: childSa(), rekeyOf: undefined });
    sad.apply({ type: 'ike-sa-down', sa: ikeSa(), reason: 'expired' });
    assert.equal(sad.byInboundSpi('461f5061')?.ikeSaId, 1);
  });

  it('updates a snapshot in place without announcing it again', () => {
    const sad = new SecurityAssociationDatabase();
    const seen = recorder(sad);
    sad.apply({ type: 'ike-sa-up', sa: ikeSa() });
    sad.apply({ type: 'ike-sa-up', sa: ikeSa({ responderCookie: '1111111111111111' }) });
    assert.equal(sad.byCookies('70bd524e37724337', 'e8267802a2bd286a'), undefined);
    assert.equal(sad.byCookies('70bd524e37724337', '1111111111111111')?.id, 1);
    assert.equal(seen.length, 1);
  });

  it('refuses an inbound SPI that another SA holds', () => {
    const sad = new SecurityAssociationDatabase();
    sad.apply({ type: 'child-sa-up', sa: childSa(), rekeyOf: undefined });
    assert.throws(
      () => sad.apply({ type: 'child-sa-up', sa: childSa({ id: 9 }), rekeyOf: undefined }),
      (e: unknown) => e instanceof SadError && e.code === 'ERR_SAD_SPI',
    );
  });

  it('unsubscribes, and runs every listener even when one throws', () => {
    const sad = new SecurityAssociationDatabase();
    let calls = 0;
    const off = sad.events.on('added', () => {
      calls++;
    });
    sad.events.on('added', () => {
      throw new Error('listener bug');
    });
    sad.events.on('added', () => {
      calls++;
    });
    assert.throws(() => sad.apply({ type: 'ike-sa-up', sa: ikeSa() }), /listener bug/);
    assert.equal(calls, 2);
    off();
    assert.equal(sad.events.listenerCount('added'), 2);
  });
});
