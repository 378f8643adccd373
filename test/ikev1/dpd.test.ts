/**
 * Dead Peer Detection with loss (RFC 3706 section 5.4): an R-U-THERE that gets no ACK is sent again
 * on the retransmission schedule until `dpd_timeout`, so a lost R-U-THERE or ACK does not kill a
 * live peer's SAs; a peer that is really gone is declared dead after `dpd_timeout`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeType, NotifyType } from '../../src/codec/index.js';
import { decodeDatagram } from './forge.js';
import { assertCrosswise, makePair } from './peers.js';

const DPD = 'dpd_delay = 10s\n    dpd_timeout = 30s';

describe('IKEv1 engine: DPD on a lossy network', () => {
  it('two lost R-U-THEREs in a row: retransmitted, answered, the SA stays', () => {
    const { net, a, b } = makePair({ connExtra: DPD });
    // Only a runs DPD, so every Informational from a to b is an R-U-THERE.
    b.reload(makePair({}).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    let lost = 0;
    const original = b.handleDatagram.bind(b);
    b.handleDatagram = (now, dg) => {
      const { message } = decodeDatagram(dg.data);
      if (message.header.exchangeType === ExchangeType.INFORMATIONAL && lost < 2) {
        lost++;
        return { kind: 'dropped' };
      }
      return original(now, dg);
    };
    net.run(net.now + 120_000);
    const logs = net.logsOf('a').join('\n');
    assert.equal(lost, 2);
    assert.equal(a.ikeSaList()[0]?.state, 'established', logs);
    assert.match(logs, /R-U-THERE again \(2\)/);
    assert.doesNotMatch(logs, /the peer is dead/);
    assertCrosswise(a.childSaList(), b.childSaList());
  });

  it('no ACK ever, but other authenticated messages from the peer: it is alive', () => {
    // b runs DPD of its own (after 20 s of silence, a's after 10 s) but never answers a's R-U-THEREs.
    const { net, a, b } = makePair({ connExtra: DPD });
    b.reload(makePair({ connExtra: 'dpd_delay = 20s\n    dpd_timeout = 60s' }).b.config);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const sa = b.ikeSas.all()[0]!;
    const original = b.handleDatagram.bind(b);
    b.handleDatagram = (now, dg) => {
      const { message } = decodeDatagram(dg.data);
      // Lose every R-U-THERE from a (and only those: a's ACKs to b get through).
      if (message.header.exchangeType === ExchangeType.INFORMATIONAL) {
        const d = sa.decrypt(message);
        if (
          'payloads' in d &&
          d.payloads.some((p) => p.type === 'notification' && p.notifyType === NotifyType.R_U_THERE)
        )
          return { kind: 'dropped' };
      }
      return original(now, dg);
    };
    net.run(net.now + 300_000);
    const logs = net.logsOf('a').join('\n');
    assert.equal(a.ikeSaList()[0]?.state, 'established', logs);
    assert.doesNotMatch(logs, /the peer is dead/);
  });

  it('10% loss for 30 minutes, both sides running DPD: no SA is declared dead (5 loss patterns)', () => {
    for (let seed = 0; seed < 5; seed++) {
      const { net, a, b } = makePair(
        { connExtra: 'dpd_delay = 10s\n    dpd_timeout = 60s', settings: { retransmitTries: 10 } },
        { latency: 20, loss: 0.1, duplication: 0, reorder: 0, reorderDelay: 0 },
        `dpd-loss-${seed}`,
      );
      a.initiate(0, 'gw', 'net');
      net.run(1_800_000);
      const context = `seed ${seed}\n${net.logsOf('a').join('\n')}`;
      assert.equal(net.eventsOf('a', 'ike-sa-down').length, 0, context);
      assert.equal(net.eventsOf('b', 'ike-sa-down').length, 0, context);
      assert.equal(a.ikeSaList()[0]?.state, 'established', context);
      assertCrosswise(a.childSaList(), b.childSaList());
      // Loss happened to DPD: some R-U-THERE had to be sent again.
      assert.match(`${net.logsOf('a')}${net.logsOf('b')}`, /R-U-THERE again/, context);
    }
  });

  it('a peer that is gone: R-U-THERE sent on the retransmission schedule, dead after dpd_timeout', () => {
    const { net, a } = makePair({ connExtra: DPD });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    net.detach('b');
    const gone = net.now;
    net.run(gone + 120_000);
    const logs = net.logsOf('a').join('\n');
    assert.equal(a.ikeSaList().length, 0, logs);
    // R-U-THEREs at +0, +4, +11.2 and +24.2 s of the round; dead at +30 s.
    assert.match(logs, /no DPD answer for 30 s \(4 R-U-THERE sent\): the peer is dead/);
    const down = net.eventsOf('a', 'ike-sa-down');
    assert.equal(down.length, 1);
  });
});
