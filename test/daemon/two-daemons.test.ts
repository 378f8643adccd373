/**
 * Two ikets daemons (the real Ikev1Endpoint in the daemon shell) on 127.0.0.1 with non-default ports:
 * `ikets up` on one brings the IKE SA and the CHILD SA up on both, over real UDP sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ikets } from '../cli/run.js';
import { type DaemonPair, startPair } from './daemon-pair.js';
import { sleep } from './helpers.js';
import { pairConfig } from './pair-config.js';

describe('two daemons on 127.0.0.1', () => {
  let pair: DaemonPair;
  before(async () => {
    pair = await startPair({ config: pairConfig });
  });
  after(() => pair.stop());

  it('brings the IKE SA and the child up with `ikets up`, and both list them', async (t) => {
    const up = await ikets(['up', 'net', '--timeout', '10', '--control', pair.control.a]);
    if (up.status !== 0) t.diagnostic(`a:\n${pair.logs.a.join('')}\nb:\n${pair.logs.b.join('')}`);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /'net' is up: IKE SA #\d+ [0-9a-f]{16}_i [0-9a-f]{16}_r, CHILD SA 'net' #\d+/);
    // The responder installs its side when the initiator's last Quick Mode message arrives.
    let listB = await ikets(['list-sas', '--control', pair.control.b]);
    for (let i = 0; i < 40 && !/INSTALLED/.test(listB.stdout); i++) {
      await sleep(50);
      listB = await ikets(['list-sas', '--control', pair.control.b]);
    }
    const listA = await ikets(['list-sas', '--control', pair.control.a]);
    for (const [who, list] of [
      ['a', listA.stdout],
      ['b', listB.stdout],
    ] as const) {
      assert.match(list, /^gw: #\d+, ESTABLISHED, IKEv1, /, `${who}: ${list}`);
      assert.match(list, /\n {2}net: #\d+, INSTALLED, TUNNEL, ESP:aes128-sha256/, `${who}: ${list}`);
    }
    assert.match(listA.stdout, /10\.1\.0\.0\/16 === 10\.2\.0\.0\/16/);
    assert.match(listB.stdout, /10\.2\.0\.0\/16 === 10\.1\.0\.0\/16/);
    // Same cookies on both sides, SPIs crossed.
    const a = pair.services.a.daemon.sad;
    const b = pair.services.b.daemon.sad;
    const ikeA = a?.ikeSas()[0];
    assert.ok(
      ikeA && b?.byCookies(ikeA.initiatorCookie, ikeA.responderCookie),
      'B knows the same cookie pair',
    );
    const childA = a?.childSas()[0];
    assert.equal(b?.byInboundSpi(childA?.spiOut ?? '')?.spiOut, childA?.spiIn);
    // Both daemons print the same Ka for Wireshark.
    const wsA = await ikets(['list-sas', '--wireshark', '--control', pair.control.a]);
    const wsB = await ikets(['list-sas', '--wireshark', '--control', pair.control.b]);
    const kaLine = (text: string) => text.split('\n')[1];
    assert.equal(kaLine(wsA.stdout), kaLine(wsB.stdout));
    assert.doesNotMatch(
      pair.logs.a.join('') + pair.logs.b.join(''),
      // The keys are the engine's: the SAD keeps none (issue 12).
      new RegExp(pair.services.a.daemon.endpoint.ikeSaKeys?.(ikeA?.id ?? 0)?.encryptionKey ?? 'no key'),
      'no key in the logs',
    );
  });

  it('`ikets up` of a child that is up reports it and negotiates nothing (issue 10 item 8)', async () => {
    const before = pair.services.a.daemon.sad.size;
    const again = await ikets(['up', 'net', '--timeout', '10', '--control', pair.control.a]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /'net' was already up: IKE SA #\d+ .*CHILD SA 'net' #\d+/);
    await sleep(200);
    assert.deepEqual(pair.services.a.daemon.sad.size, before);
    assert.deepEqual(pair.services.b.daemon.sad.size, before);
  });

  it('takes the connection down from one side, and the other side deletes it too', async () => {
    const down = await ikets(['down', 'gw', '--control', pair.control.a]);
    assert.equal(down.status, 0, down.stderr);
    let listB = await ikets(['list-sas', '--control', pair.control.b]);
    for (let i = 0; i < 40 && /ESTABLISHED/.test(listB.stdout); i++) {
      await sleep(50);
      listB = await ikets(['list-sas', '--control', pair.control.b]);
    }
    assert.doesNotMatch(listB.stdout, /ESTABLISHED/, listB.stdout);
  });
});

describe('two daemons on 127.0.0.1 with encap = yes (NAT-T sockets)', () => {
  let pair: DaemonPair;
  before(async () => {
    pair = await startPair({ config: (self, ports) => pairConfig(self, ports, 'encap = yes') });
  });
  after(() => pair.stop());

  it('floats the initiator to its NAT-T socket and installs UDP-encapsulated children on both sides', async () => {
    const up = await ikets(['up', 'net', '--timeout', '10', '--control', pair.control.a]);
    assert.equal(up.status, 0, up.stderr);
    const b = pair.services.b.daemon.sad;
    for (let i = 0; i < 40 && b?.size.child !== 1; i++) await sleep(50);
    const ikeA = pair.services.a.daemon.sad.ikeSas()[0];
    assert.equal(ikeA?.local.port, pair.natt.a, 'A speaks from its NAT-T socket');
    assert.equal(b?.ikeSas()[0]?.remote.port, pair.natt.a, 'B sees A on its NAT-T port');
    for (const c of [pair.control.a, pair.control.b]) {
      const list = await ikets(['list-sas', '--control', c]);
      assert.match(list.stdout, /\n {2}net: #\d+, INSTALLED, TUNNEL-in-UDP, /, list.stdout);
    }
  });
});
