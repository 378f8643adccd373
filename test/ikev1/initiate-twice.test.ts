/**
 * Bringing up a child that is up (or coming up) negotiates nothing: one SA pair per child, however
 * often `up` is said (issue 10 item 8).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCrosswise, makePair } from './peers.js';

describe('initiating an installed child', () => {
  it('a second initiate of an installed child is reported and sends nothing', () => {
    const { net, a, b } = makePair({});
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const sent = net.sent.get('a');
    assert.equal(a.initiate(net.now, 'gw', 'net'), undefined);
    net.run(net.now + 10_000);
    assert.equal(net.sent.get('a'), sent, 'no Quick Mode');
    assert.equal(a.childSaList().length, 1);
    assertCrosswise(a.childSaList(), b.childSaList());
    assert.match(net.logsOf('a').join('\n'), /CHILD SA 'net' is already installed/);
  });

  it('initiating twice while phase 1 runs, or while the Quick Mode runs, yields one pair', () => {
    const { net, a, b } = makePair({});
    a.initiate(0, 'gw', 'net');
    a.initiate(0, 'gw', 'net');
    net.run(30);
    a.initiate(net.now, 'gw', 'net');
    net.run(10_000);
    assert.equal(a.ikeSaList().length, 1);
    assert.equal(a.childSaList().length, 1, net.logsOf('a').join('\n'));
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});
