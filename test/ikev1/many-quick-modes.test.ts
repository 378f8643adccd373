/**
 * Many Quick Modes at once on one ISAKMP SA (RFC 2409 section 5.5, Appendix B): each exchange keeps
 * its own IV context for as long as it is in progress, however many others run beside it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { assertCrosswise, makePair, peerConfig } from './peers.js';

const CHILDREN = 64;

/** peerConfig plus `count` children with their own subnets. */
function withChildren(self: 'a' | 'b', count = CHILDREN): string {
  const blocks: string[] = [];
  for (let i = 0; i < count; i++) {
    const [x, y] = [Math.floor(i / 250), i % 250];
    const [local, remote] =
      self === 'a'
        ? [`10.${1 + x * 2}.${y}.0/24`, `10.${2 + x * 2}.${y}.0/24`]
        : [`10.${2 + x * 2}.${y}.0/24`, `10.${1 + x * 2}.${y}.0/24`];
    blocks.push(`c${i} {
        esp_proposals = aes128-sha256
        local_ts = ${local}
        remote_ts = ${remote}
        start_action = none
      }`);
  }
  return peerConfig(self, {}).replace('children {', `children {\n      ${blocks.join('\n      ')}`);
}

describe('IKEv1 engine: many Quick Modes at once', () => {
  it(`${CHILDREN} children started together on one ISAKMP SA are all installed on both sides`, () => {
    const { net, a, b } = makePair();
    a.reload(parseSwanctlConfig(withChildren('a')));
    b.reload(parseSwanctlConfig(withChildren('b')));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(a.childSaList().length, 1);
    for (let i = 0; i < CHILDREN; i++) assert.equal(a.initiate(net.now, 'gw', `c${i}`), undefined);
    const sa = a.ikeSas.all()[0]!;
    assert.equal(sa.quickModes.size, CHILDREN, 'all Quick Modes in progress together');
    net.run(net.now + 60_000);
    const logs = `${net.logsOf('a').join('\n')}\n--\n${net.logsOf('b').join('\n')}`;
    assert.equal(a.childSaList().length, CHILDREN + 1, logs);
    assert.equal(b.childSaList().length, CHILDREN + 1, logs);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.equal(new Set(a.childSaList().map((c) => c.child)).size, CHILDREN + 1);
    // No retransmission was needed: no message was lost to a missing IV context.
    assert.doesNotMatch(logs, /retransmitting|could not be decrypted|does not verify/);
    // Every exchange is over and its IV context gone, on both sides.
    for (const ep of [a, b]) {
      const [own] = ep.ikeSas.all();
      assert.equal(own?.quickModes.size, 0);
      assert.deepEqual(own?.keys?.cipher.ivs.exchanges(), []);
    }
  });

  it('the peer may have at most maxQuickModes in progress; the others wait for its retransmission', () => {
    const { net, a, b } = makePair({ settings: { maxQuickModes: 8 } });
    a.reload(parseSwanctlConfig(withChildren('a')));
    b.reload(parseSwanctlConfig(withChildren('b')));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    for (let i = 0; i < 16; i++) a.initiate(net.now, 'gw', `c${i}`);
    let most = 0;
    const original = b.handleDatagram.bind(b);
    b.handleDatagram = (now, dg) => {
      const result = original(now, dg);
      most = Math.max(most, b.ikeSas.all()[0]?.quickModes.size ?? 0);
      return result;
    };
    net.run(net.now + 120_000);
    assert.ok(most <= 8, `the responder had ${most} Quick Modes in progress`);
    assert.equal(b.childSaList().length, 17, net.logsOf('b').join('\n'));
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  // Issue 10 item F: 1,000 Quick Modes on one ISAKMP SA left `up` replies saying "failed (remote)"
  // for children that were installed, and children with identical selectors on both sides. Our
  // Quick Modes now run at most maxQuickModesInitiated (64) at once, the rest wait for a slot
  // (quick-mode/slots.ts), so the peer's own bound (maxQuickModes, 128) is never hit.
  it('1,000 children started together on one ISAKMP SA: each installed once on both sides, none failed', () => {
    const count = 1000;
    const { net, a, b } = makePair();
    a.reload(parseSwanctlConfig(withChildren('a', count)));
    b.reload(parseSwanctlConfig(withChildren('b', count)));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    for (let i = 0; i < count; i++) assert.equal(a.initiate(net.now, 'gw', `c${i}`), undefined);
    assert.equal(a.ikeSas.all()[0]?.quickModes.size, 64, 'at most 64 of ours at once');
    net.run(net.now + 60_000);
    const logs = () =>
      `${net.logsOf('a').slice(-20).join('\n')}\n--\n${net.logsOf('b').slice(-20).join('\n')}`;
    assert.deepEqual(net.eventsOf('a', 'child-sa-failed'), [], logs());
    for (const ep of [a, b]) {
      const names = ep.childSaList().map((c) => c.child);
      assert.equal(names.length, count + 1, logs());
      assert.equal(new Set(names).size, names.length, 'one SA pair per child');
    }
    assert.doesNotMatch(logs(), /retransmitting/);
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it("a Quick Mode that gets no answer is reported failed with the reason, not left to the caller's timeout", () => {
    const { net, a, b } = makePair({ settings: { maxQuickModesInitiated: 1000 } });
    const count = 1000;
    a.reload(parseSwanctlConfig(withChildren('a', count)));
    b.reload(parseSwanctlConfig(withChildren('b', count)));
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    // Without our own bound the peer's (128 at once) drops the excess until retransmissions run out.
    for (let i = 0; i < count; i++) a.initiate(net.now, 'gw', `c${i}`);
    net.run(net.now + 600_000);
    const failed = net.eventsOf('a', 'child-sa-failed');
    assert.ok(failed.length > 0);
    const names = new Set(failed.map((e) => (e.type === 'child-sa-failed' ? e.sa.child : '')));
    for (const e of failed)
      assert.match(e.type === 'child-sa-failed' ? e.reason : '', /no answer after 5 retransmissions/);
    for (const ep of [a, b]) {
      const installed = ep.childSaList().map((c) => c.child);
      for (const name of installed) assert.ok(!names.has(name), `${name} reported failed but installed`);
      assert.equal(installed.length + names.size, count + 1, 'every child installed or reported failed');
    }
  });
});
