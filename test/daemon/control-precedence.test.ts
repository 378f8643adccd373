/**
 * Control requests ahead of datagrams (src/daemon/requests-waiting.ts, issue 12): from the moment
 * the control socket accepts a connection until its request line is read, the receive queue hands
 * on one datagram a turn, so a `list-sas` that arrives behind thousands of queued datagrams is
 * served after a few of them, not after the turns' worth.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type DaemonService, sendControlRequest } from '../../src/daemon/index.js';
import { RequestsWaiting } from '../../src/daemon/requests-waiting.js';
import { Peer, sleep, startFakeService } from './helpers.js';

describe('requests waiting', () => {
  it('counts each accepted connection until its line arrives, once, or until the bound passes', async () => {
    const waiting = new RequestsWaiting();
    assert.equal(waiting.any, false);
    const first = waiting.expect();
    const second = waiting.expect();
    first();
    first();
    assert.equal(waiting.any, true, 'calling done twice ends one wait only');
    second();
    assert.equal(waiting.any, false);
    waiting.expect(20);
    assert.equal(waiting.any, true);
    for (let i = 0; i < 200 && waiting.any; i++) await sleep(10);
    assert.equal(waiting.any, false, 'a connection that says nothing stops counting');
  });
});

describe('a control request behind a queue of datagrams', () => {
  const open: DaemonService[] = [];
  const peers: Peer[] = [];
  after(async () => {
    for (const s of open) await s.stop();
    for (const p of peers) await p.close();
  });

  it('is served after at most a few of them, where a turn hands on about twelve', async () => {
    const { service, fake, control } = await startFakeService();
    open.push(service);
    const daemon = service.daemon;
    const ike = daemon.bound.find((b) => b.kind === 'ike')?.local;
    assert.ok(ike !== undefined);
    // 0.04 ms a datagram: a 0.5 ms turn hands on about twelve.
    fake.busyMs = 0.04;
    // The number of datagrams the engine had handled when the listing read its SAs.
    let servedAt = -1;
    const ikeSas = fake.ikeSas.bind(fake);
    fake.ikeSas = () => {
      servedAt = fake.received.length;
      return ikeSas();
    };
    const flood = await Peer.open();
    peers.push(flood);
    const turns: number[] = [];
    const served: number[] = [];
    for (let round = 0; round < 5; round++) {
      // Bursts the kernel's socket buffer holds, until hundreds wait and the daemon has read them all
      // (a turn right after a full batch of reads is short: receive-queue.ts).
      let sent = daemon.datagramsReceived;
      for (let burst = 0; burst < 100 && daemon.backlog.waiting < 300; burst++) {
        for (let i = 0; i < 100; i++) flood.send(ike, `first-${round}-${burst}-${i}`);
        sent += 100;
        await sleep(1);
      }
      for (let i = 0; i < 400 && daemon.datagramsReceived < sent; i++) await sleep(5);
      assert.equal(daemon.datagramsReceived, sent, 'every datagram read');
      assert.ok(daemon.backlog.waiting >= 100, `queued: ${daemon.backlog.waiting}`);
      // How many a turn hands on when nothing waits (at its best: being descheduled shortens it).
      for (let i = 0; i < 3; i++) {
        const before = fake.received.length;
        await new Promise((resolve) => setImmediate(resolve));
        turns.push(fake.received.length - before);
      }
      // From a timer callback, so no turn of this check phase comes before the poll that accepts.
      await sleep(1);
      const before = fake.received.length;
      const response = await sendControlRequest(control, { command: 'list-sas' });
      assert.equal(response.ok, true);
      served.push(servedAt - before);
      assert.ok(daemon.backlog.waiting > 0, 'datagrams were still queued when the answer came');
      while (daemon.backlog.waiting > 0) await sleep(5);
    }
    assert.ok(Math.max(...turns) >= 8, `turns handed on ${turns}`);
    // Accept (one poll phase), a turn of one datagram, the read (the next poll phase): allow three.
    assert.ok(Math.max(...served) <= 3, `datagrams handled before the request was served: ${served}`);
  });
});
