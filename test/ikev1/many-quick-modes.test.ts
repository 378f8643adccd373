/**
 * Many Quick Modes at once on one ISAKMP SA (RFC 2409 section 5.5, Appendix B): each exchange keeps
 * its own IV context for as long as it is in progress, however many others run beside it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { assertCrosswise, makePair, peerConfig } from './peers.js';

const CHILDREN = 64;

/** peerConfig plus CHILDREN children with their own subnets. */
function withChildren(self: 'a' | 'b'): string {
  const blocks: string[] = [];
  for (let i = 0; i < CHILDREN; i++) {
    const [local, remote] =
      self === 'a' ? [`10.1.${i}.0/24`, `10.2.${i}.0/24`] : [`10.2.${i}.0/24`, `10.1.${i}.0/24`];
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
});
