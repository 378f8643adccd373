/**
 * New Group Mode (RFC 2409 section 5.6) between two ikets endpoints on the simulated network: the
 * initiator's `new_group` is agreed as a private group after phase 1, and the child's PFS then uses
 * it, named in Quick Mode by the private number; a responder refuses a group its proposals do not
 * name with ATTRIBUTES-NOT-SUPPORTED; all of it with loss.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IkeAttributeClass, tvAttribute } from '../../src/codec/index.js';
import { type DhTransform, transformByKeyword } from '../../src/crypto/index.js';
import {
  describedGroup,
  MAX_PRIVATE_GROUPS,
  newGroupSaPayload,
  startNewGroupMode,
} from '../../src/ikev1/new-group-mode.js';
import { checkPayloads } from '../../src/ikev1/payload-rules.js';
import { groupDescription } from '../../src/ikev1/quick-mode/phase2-proposal.js';
import { assertCrosswise, makePair, type PeerOptions } from './peers.js';

const modp3072 = transformByKeyword('modp3072') as DhTransform;
const NGM: PeerOptions = {
  connExtra: 'new_group = modp3072',
  espProposals: 'aes128-sha256-modp3072',
};
const agreed = (logs: readonly string[]) =>
  logs.flatMap((l) => {
    const m = /New Group Mode: modp3072 agreed as group (\d+)/.exec(l);
    return m ? [Number(m[1])] : [];
  });

describe('New Group Mode', () => {
  it('offers the group as a private MODP group; the responder reads it back (named groups too)', () => {
    const sa = newGroupSaPayload(modp3072, 40000);
    const back = describedGroup(sa);
    assert.deepEqual(typeof back === 'string' ? back : [back.privateId, back.group.keyword], [
      40000,
      'modp3072',
    ]);
    const named = structuredClone(sa);
    const t = named.proposals[0]!.transforms[0]!;
    (t as { attributes: unknown }).attributes = [tvAttribute(IkeAttributeClass.GROUP_DESCRIPTION, 15)];
    const n = describedGroup(named);
    assert.deepEqual(typeof n === 'string' ? n : [n.privateId, n.group.keyword], [15, 'modp3072']);
    const odd = structuredClone(sa);
    const prime = odd.proposals[0]!.transforms[0]!.attributes[2]!;
    const bytes = prime.value as Uint8Array;
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    assert.match(String(describedGroup(odd)), /not a prime of a group ikets knows/);
    // In Quick Mode the agreed group goes by its private number (RFC 2409 Appendix A).
    assert.equal(groupDescription(modp3072, new Map([[40000, modp3072]])), 40000);
    assert.equal(groupDescription(modp3072, new Map()), 15);
  });

  it('payload rules: HASH first, one SA, nothing else', () => {
    const sa = newGroupSaPayload(modp3072, 40000);
    const hash = { type: 'hash' as const, data: Buffer.alloc(32) };
    const nonce = { type: 'nonce' as const, data: Buffer.alloc(16) };
    assert.equal(checkPayloads('ngm-1', [hash, sa]), undefined);
    assert.equal(checkPayloads('ngm-2', [sa, hash])?.code, 'ERR_PAYLOAD_HASH_NOT_FIRST');
    assert.equal(checkPayloads('ngm-1', [hash, sa, sa])?.code, 'ERR_PAYLOAD_REPEATED');
    assert.equal(checkPayloads('ngm-1', [hash])?.code, 'ERR_PAYLOAD_MISSING');
    assert.equal(checkPayloads('ngm-2', [hash, sa, nonce])?.code, 'ERR_PAYLOAD_UNEXPECTED');
  });

  for (const [mode, extra] of [
    ['Main Mode', {}],
    ['Aggressive Mode', { aggressive: true }],
  ] as const)
    it(`after ${mode} agrees the group, then Quick Mode with PFS in it`, () => {
      const { net, a, b } = makePair({ ...NGM, ...extra });
      a.initiate(0, 'gw', 'net');
      net.run(60_000);
      const logs = `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
      const [ours] = agreed(net.logsOf('a'));
      assert.ok(ours !== undefined && ours >= 32768, logs);
      assert.deepEqual(agreed(net.logsOf('b')), [ours], logs);
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.equal(a.childSaList()[0]?.pfsGroup, 'modp3072');
      assert.equal(b.childSaList()[0]?.pfsGroup, 'modp3072');
    });

  it(`a peer repeating New Group Mode gets at most ${MAX_PRIVATE_GROUPS} private groups on one ISAKMP SA`, () => {
    const { net, a, b } = makePair(NGM);
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    const sa = a.ikeSas.all()[0];
    assert.ok(sa !== undefined);
    for (let i = 0; i < MAX_PRIVATE_GROUPS + 2; i++) {
      startNewGroupMode(sa, modp3072, a);
      net.run(net.now + 10_000);
    }
    assert.equal(agreed(net.logsOf('b')).length, MAX_PRIVATE_GROUPS);
    assert.equal(
      net.logsOf('b').filter((l) => l.includes(`already ${MAX_PRIVATE_GROUPS} private groups`)).length,
      3,
    );
    assert.equal(b.ikeSaList()[0]?.state, 'established');
  });

  it('a responder whose proposals do not name the group refuses it; the children go without it', () => {
    const { net, a, b } = makePair({ connExtra: 'new_group = modp4096' });
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    const logs = `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
    assert.ok(
      net
        .logsOf('b')
        .some((l) => l.includes("New Group Mode refused: modp4096 is not in this connection's proposals")),
      logs,
    );
    assert.ok(
      net.logsOf('a').some((l) => l.includes('ATTRIBUTES_NOT_SUPPORTED')),
      logs,
    );
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(a.childSaList()[0]?.pfsGroup, 'modp2048');
  });

  it('completes on a lossy, duplicating, reordering network', () => {
    const BAD = { latency: 20, loss: 0.3, duplication: 0.1, reorder: 0.2, reorderDelay: 60 };
    let retransmissions = 0;
    for (let seed = 0; seed < 8; seed++) {
      const { net, a, b } = makePair(
        { ...NGM, settings: { retransmitTries: 10, halfOpenTimeout: 150_000 } },
        BAD,
        `ngm-${seed}`,
      );
      a.initiate(0, 'gw', 'net');
      net.run(600_000);
      const logs = `seed ${seed}\n${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
      const [ours] = agreed(net.logsOf('a'));
      assert.ok(ours !== undefined, logs);
      // A repeated message 1 is answered from the cache, not agreed again.
      assert.deepEqual(agreed(net.logsOf('b')), [ours], logs);
      assert.equal(a.childSaList().length, 1, logs);
      assertCrosswise(a.childSaList(), b.childSaList());
      assert.equal(b.childSaList()[0]?.pfsGroup, 'modp3072');
      retransmissions += [...net.logsOf('a'), ...net.logsOf('b')].filter((l) =>
        l.includes('retransmitting'),
      ).length;
    }
    assert.ok(retransmissions > 8, `${retransmissions} retransmissions`);
  });
});
