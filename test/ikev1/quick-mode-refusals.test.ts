/**
 * Quick Mode refusals as typed codes (RFC 2408 section 3.14.1 notify types): the code decides the
 * notify sent to the peer and what happens to the exchange, and appears in the log line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePair } from './peers.js';

describe('IKEv1 engine: Quick Mode refusals carry their notify type', () => {
  it('selectors that match no child: INVALID-ID-INFORMATION, in the notify and the log', () => {
    const { net, a, b } = makePair({ localTsA: '10.1.0.0/16', remoteTsA: '10.2.0.0/24' });
    b.reload(makePair({ localTsA: '10.9.0.0/16', remoteTsA: '10.2.0.0/24' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    assert.match(
      net.logsOf('b').join('\n'),
      /Quick Mode refused: traffic selectors .* match no child of 'gw' \(INVALID_ID_INFORMATION\)/,
    );
    assert.match(net.logsOf('a').join('\n'), /peer notifies INVALID_ID_INFORMATION/);
  });

  it('no acceptable ESP proposal: NO-PROPOSAL-CHOSEN, in the notify and the log', () => {
    const { net, a, b } = makePair({ espProposals: 'aes128-sha256' });
    b.reload(makePair({ espProposals: 'aes256-sha512' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(60_000);
    assert.equal(a.ikeSaList()[0]?.state, 'established');
    assert.equal(a.childSaList().length, 0);
    assert.match(
      net.logsOf('b').join('\n'),
      /Quick Mode refused: no proposal acceptable to child 'net' \(NO_PROPOSAL_CHOSEN\)/,
    );
    assert.match(net.logsOf('a').join('\n'), /peer notifies NO_PROPOSAL_CHOSEN/);
  });
});
