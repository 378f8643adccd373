/**
 * The SA tables' indexes (issue 12: nothing done per setup or per datagram scans every SA): after
 * any sequence of adds, removals, peer moves (NAT-T floating, an identity learned or put back),
 * children filed, adopted and removed, every index answers what a scan of all SAs answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { type ChildSa, ChildSaTable } from '../../src/ikev1/sa/child-sa-table.js';
import { IkeSa } from '../../src/ikev1/sa/ike-sa.js';
import { IkeSaTable } from '../../src/ikev1/sa/ike-sa-table.js';
import type { ChildSaInfo } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';

const config = parseSwanctlConfig(`connections {
  c0 { version = 1
    local { auth = psk }
    remote { auth = psk }
    children { n0 { esp_proposals = aes128-sha256 } n1 { esp_proposals = aes128-sha256 } } }
  c1 { version = 1
    local { auth = psk }
    remote { auth = psk }
    children { n0 { esp_proposals = aes128-sha256 } } } }`);
const ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
const IDS = ['', 'a.test', 'b.test'];

type Op =
  | { op: 'add'; connection: number; address: number; id: number }
  | { op: 'remove'; sa: number }
  | { op: 'move'; sa: number; address: number }
  | { op: 'identify'; sa: number; id: number }
  | { op: 'child'; sa: number; name: number }
  | { op: 'adopt'; child: number; sa: number }
  | { op: 'unchild'; child: number };

const index = fc.nat(20);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), connection: fc.nat(1), address: fc.nat(2), id: fc.nat(2) }),
  fc.record({ op: fc.constant('remove' as const), sa: index }),
  fc.record({ op: fc.constant('move' as const), sa: index, address: fc.nat(2) }),
  fc.record({ op: fc.constant('identify' as const), sa: index, id: fc.nat(2) }),
  fc.record({ op: fc.constant('child' as const), sa: index, name: fc.nat(1) }),
  fc.record({ op: fc.constant('adopt' as const), child: index, sa: index }),
  fc.record({ op: fc.constant('unchild' as const), child: index }),
);

const sameSet = <T>(actual: readonly T[], expected: readonly T[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  assert.deepEqual(new Set(actual), new Set(expected), what);
};

function check(ikeSas: IkeSaTable, children: ChildSaTable): void {
  const all = ikeSas.all();
  assert.equal(ikeSas.size, all.length);
  for (const address of ADDRESSES) {
    sameSet(
      ikeSas.atAddress(address),
      all.filter((s) => s.remote.address === address),
      `at ${address}`,
    );
    for (const id of IDS)
      sameSet(
        ikeSas.ofPeer(address, id),
        all.filter((s) => s.remote.address === address && s.remoteIdText === id),
        `peer ${address} ${id}`,
      );
  }
  for (const sa of all)
    assert.equal(
      ikeSas.othersAtAddress(sa),
      all.some((o) => o !== sa && o.remote.address === sa.remote.address),
    );
  for (const c of config.connections)
    sameSet(
      ikeSas.ofConnection(c.name),
      all.filter((s) => s.connection.name === c.name),
      c.name,
    );
  const kids = children.all();
  assert.equal(children.size, kids.length);
  for (const child of kids) assert.equal(children.byId(child.info.id), child);
  for (const sa of all)
    sameSet(
      children.ofIkeSa(sa),
      kids.filter((c) => c.ikeSa === sa),
      `children of #${sa.id}`,
    );
  for (const c of config.connections)
    for (const name of ['n0', 'n1']) {
      sameSet(
        children.byName(name, c.name),
        kids.filter((k) => k.config.name === name && k.ikeSa.connection.name === c.name),
        `${c.name}/${name}`,
      );
      for (const address of ADDRESSES)
        for (const id of IDS)
          sameSet(
            children.kin(c.name, name, address, id),
            kids.filter(
              (k) =>
                k.config.name === name &&
                k.ikeSa.connection.name === c.name &&
                k.ikeSa.remote.address === address &&
                k.ikeSa.remoteIdText === id,
            ),
            `kin ${c.name}/${name} ${address} ${id}`,
          );
    }
  for (const name of ['n0', 'n1'])
    sameSet(
      children.byName(name),
      kids.filter((k) => k.config.name === name),
      name,
    );
}

function run(ops: readonly Op[]): void {
  const random = seededRandom('indexes');
  const ikeSas = new IkeSaTable(random);
  const children = new ChildSaTable(random);
  ikeSas.onPeerMoved((sa, oldAddress, oldId) => children.peerMoved(sa, oldAddress, oldId));
  const live: IkeSa[] = [];
  const kids: ChildSa[] = [];
  const pick = <T>(list: readonly T[], i: number) => (list.length === 0 ? undefined : list[i % list.length]);
  for (const o of ops) {
    if (o.op === 'add') {
      const connection = config.connections[o.connection] ?? config.connections[0];
      if (connection === undefined) throw new Error('no connection');
      const sa = new IkeSa(
        ikeSas.nextId(),
        connection,
        'responder',
        'main',
        random.bytes(8),
        random.bytes(8),
        { address: '10.9.9.9', port: 500 },
        { address: ADDRESSES[o.address] ?? '', port: 500 },
        0,
      );
      sa.remoteIdText = IDS[o.id] ?? '';
      ikeSas.add(sa);
      live.push(sa);
    } else if (o.op === 'remove') {
      const sa = pick(live, o.sa);
      if (sa === undefined) continue;
      for (const child of children.ofIkeSa(sa)) {
        children.remove(child);
        kids.splice(kids.indexOf(child), 1);
      }
      ikeSas.remove(sa);
      live.splice(live.indexOf(sa), 1);
    } else if (o.op === 'move') {
      const sa = pick(live, o.sa);
      if (sa !== undefined) sa.remote = { address: ADDRESSES[o.address] ?? '', port: 4500 };
    } else if (o.op === 'identify') {
      const sa = pick(live, o.sa);
      if (sa !== undefined) sa.remoteIdText = IDS[o.id] ?? '';
    } else if (o.op === 'child') {
      const sa = pick(live, o.sa);
      const childConfig = sa?.connection.children[o.name % (sa?.connection.children.length ?? 1)];
      if (sa === undefined || childConfig === undefined) continue;
      const spiIn = children.allocateSpi();
      const child: ChildSa = {
        info: { id: children.nextId(), protocol: 'esp' } as ChildSaInfo,
        ikeSa: sa,
        config: childConfig,
        spiIn,
        spiOut: random.bytes(4),
        state: 'installed',
      };
      children.add(child);
      kids.push(child);
    } else if (o.op === 'adopt') {
      const child = pick(kids, o.child);
      const heir = pick(live, o.sa);
      if (child !== undefined && heir !== undefined) children.move(child, heir);
    } else {
      const child = pick(kids, o.child);
      if (child === undefined) continue;
      children.remove(child);
      kids.splice(kids.indexOf(child), 1);
    }
    check(ikeSas, children);
  }
}

describe('SA table indexes', () => {
  it('answer what a scan of every SA answers, after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => run(ops)),
      { numRuns: 300 },
    );
  });

  it('follow a peer that floats to a new address, with its children', () => {
    run([
      { op: 'add', connection: 0, address: 0, id: 1 },
      { op: 'child', sa: 0, name: 0 },
      { op: 'move', sa: 0, address: 2 },
      { op: 'identify', sa: 0, id: 2 },
      { op: 'add', connection: 0, address: 2, id: 2 },
      { op: 'adopt', child: 0, sa: 1 },
      { op: 'remove', sa: 0 },
    ]);
  });
});
