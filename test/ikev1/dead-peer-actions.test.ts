/**
 * What happens to a child when its peer is declared dead (dpd_action) or closes it (close_action), as
 * strongSwan's swanctl.conf defines them: `restart`/`start` bring it up again, `clear`/`none` leave it
 * down. A peer that restarts (all its state lost) is reached again by `dpd_action = restart`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { seededRandom } from '../support/seeded-random.js';
import { assertCrosswise, makePair, peerConfig } from './peers.js';

const DPD = 'dpd_delay = 10s\n    dpd_timeout = 30s';

describe('dpd_action and close_action', () => {
  it('dpd_action = restart: a peer that restarted is reached again, with a new ISAKMP SA and child', () => {
    const options = { connExtra: DPD, childExtra: 'dpd_action = restart' };
    const { net, a, b } = makePair(options);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const firstIke = a.ikeSaList()[0]?.id;
    assert.equal(b.childSaList().length, 1);
    // b crashes and comes back with nothing (a fresh endpoint on the same addresses).
    net.detach('b');
    const reborn = new EndpointCore(
      { config: parseSwanctlConfig(peerConfig('b', options)), random: seededRandom('reborn') },
      net.now,
    );
    net.run(net.now + 20_000);
    net.attach('b', reborn, [
      { address: '192.0.2.2', port: 500 },
      { address: '192.0.2.2', port: 4500 },
    ]);
    net.run(net.now + 120_000);
    const logs = net.logsOf('a').join('\n');
    assert.match(logs, /the peer is dead/);
    assert.match(logs, /dpd_action = restart: starting 'net' again/);
    const ike = a.ikeSaList();
    assert.equal(ike.length, 1, logs);
    assert.notEqual(ike[0]?.id, firstIke);
    assert.equal(ike[0]?.state, 'established');
    assertCrosswise(a.childSaList(), reborn.childSaList());
  });

  it('dpd_action = clear (the default): the dead peer tunnel stays down', () => {
    const { net, a, b } = makePair({ connExtra: DPD });
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    assert.equal(b.childSaList().length, 1);
    net.detach('b');
    net.run(net.now + 200_000);
    assert.deepEqual(a.ikeSaList(), []);
    assert.deepEqual(a.childSaList(), []);
    assert.doesNotMatch(net.logsOf('a').join('\n'), /starting 'net' again/);
  });

  it('close_action = start: the peer deleting the child brings it up again; none leaves it down', () => {
    for (const action of ['start', 'none'] as const) {
      const { net, a, b } = makePair({ childExtra: `close_action = ${action}` });
      a.initiate(0, 'gw', 'net');
      net.run(10_000);
      const [old] = a.childSaList();
      assert.equal(b.terminate(net.now, 'net'), undefined);
      net.run(net.now + 10_000);
      if (action === 'start') {
        const [fresh] = a.childSaList();
        assert.ok(fresh !== undefined && fresh.spiIn !== old?.spiIn, net.logsOf('a').join('\n'));
        assertCrosswise(a.childSaList(), b.childSaList());
        assert.equal(a.ikeSaList().length, 1, 'on the same ISAKMP SA');
      } else {
        assert.deepEqual(a.childSaList(), []);
        assert.deepEqual(b.childSaList(), []);
      }
    }
  });
});
