/**
 * The daemon's receive queue (src/daemon/receive-queue.ts): datagrams of known exchanges before
 * first messages, each queue bounded in datagrams and bytes; and a daemon with a slow engine, fed
 * a burst of datagrams over real sockets, handles the expected ones ahead of the burst.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Backlog, FULL_BATCH, ReceiveQueue } from '../../src/daemon/receive-queue.js';
import { type Harness, Peer, sleep, startFakeDaemon } from './helpers.js';

const size = (s: string) => s.length;

describe('receive queue', () => {
  it('gives the expected datagrams first, each queue in arrival order', () => {
    const q = new ReceiveQueue<string>({ datagrams: 10, bytes: 1000 }, size);
    for (const [item, expected] of [
      ['m1-a', false],
      ['m3-a', true],
      ['m1-b', false],
      ['m5-a', true],
    ] as const)
      assert.equal(q.push(item, expected), true);
    assert.equal(q.length, 4);
    assert.equal(q.expectedWaiting, 2);
    assert.equal(q.bytes, 16);
    const order: string[] = [];
    for (let item = q.shift(); item !== undefined; item = q.shift()) order.push(item);
    assert.deepEqual(order, ['m3-a', 'm5-a', 'm1-a', 'm1-b']);
    assert.equal(q.bytes, 0);
    assert.equal(q.peak, 4);
  });

  it('bounds each queue on its own, in datagrams and in bytes: a full flood queue drops only its own kind', () => {
    const q = new ReceiveQueue<string>({ datagrams: 100, bytes: 1000 }, size);
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) if (q.push('first-message', false)) accepted++;
    assert.equal(accepted, 76, '1000 bytes of 13-byte datagrams');
    assert.deepEqual(q.dropped, { expected: 0, other: 10_000 - 76 });
    for (let i = 0; i < 150; i++) q.push('m3', true);
    assert.equal(q.expectedWaiting, 100, 'the datagram bound');
    assert.deepEqual(q.dropped, { expected: 50, other: 10_000 - 76 });
    assert.equal(q.shift(), 'm3');
    // Taking some out makes room again.
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(q.push('first-message', false), true);
  });

  it('stays O(1) a datagram over millions of pushes and shifts', () => {
    const q = new ReceiveQueue<number>({ datagrams: 5000, bytes: 1 << 30 }, () => 1);
    const started = performance.now();
    for (let i = 0; i < 2_000_000; i++) {
      q.push(i, i % 7 === 0);
      if (i % 2 === 1) {
        q.shift();
        q.shift();
      }
    }
    assert.equal(q.length, 0);
    // Generous on a shared machine: a quadratic queue (Array.prototype.shift on thousands) takes minutes.
    assert.ok(performance.now() - started < 20_000);
  });

  it('a backlog turn hands the expected datagrams on first, flushing as it goes, and stops when cleared', async () => {
    const handled: string[] = [];
    let flushes = 0;
    const backlog = new Backlog<string>(
      { datagrams: 1000, bytes: 1 << 20 },
      size,
      (item) => handled.push(item),
      () => flushes++,
    );
    for (let i = 0; i < 40; i++) backlog.push(`m1-${i}`, false);
    backlog.push('m3', true);
    assert.deepEqual(handled, [], 'nothing before the event loop turns');
    await new Promise((resolve) => setImmediate(resolve));
    // Turns are time-sliced (0.5 ms each): on a busy machine the 41 take several turns.
    for (let waited = 0; handled.length < 41 && waited < 5000; waited++) await sleep(1);
    assert.equal(handled[0], 'm3');
    assert.equal(handled.length, 41);
    assert.ok(flushes >= 3, `every 16 and at the end: ${flushes}`);
    backlog.clear();
    backlog.push('late', true);
    await sleep(1);
    assert.equal(handled.length, 41);
    assert.equal(backlog.state.waiting, 0);
  });
});

describe('backlog turns', () => {
  it('after a full batch of reads the turn is short (the kernel probably holds more), else it takes its time', async () => {
    const busy = (ms: number) => {
      for (const until = performance.now() + ms; performance.now() < until; );
    };
    const handled: string[] = [];
    const backlog = new Backlog<string>(
      { datagrams: 1000, bytes: 1 << 20 },
      size,
      (item) => {
        busy(0.04);
        handled.push(item);
      },
      () => {},
    );
    const turn = async () => {
      const before = handled.length;
      await new Promise((resolve) => setImmediate(resolve));
      return handled.length - before;
    };
    // 0.1 ms of 0.04 ms datagrams: three, where a normal turn takes about twelve. Being descheduled
    // only shortens a turn, so the short turns are checked each, the normal ones at their best.
    const short: number[] = [];
    const normal: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < FULL_BATCH; i++) backlog.push(`m1-${i}`, false);
      short.push(await turn());
      normal.push(await turn());
      while ((await turn()) > 0);
    }
    assert.ok(Math.max(...short) <= 4, `short turns handled ${short}`);
    assert.ok(Math.max(...normal) >= 8, `normal turns handled ${normal}`);
    backlog.clear();
  });
});

describe('backlog turns while a control request waits', () => {
  it('a turn hands on one datagram while yieldNow says so, and the rest of the queue in one turn otherwise', async () => {
    const handled: string[] = [];
    let waiting = true;
    // A clock that never moves: time does not end a turn here, only the queue and yieldNow.
    const backlog = new Backlog<string>(
      { datagrams: 1000, bytes: 1 << 20 },
      size,
      (item) => handled.push(item),
      () => {},
      { now: () => 0, yieldNow: () => waiting },
    );
    const turn = async () => {
      const before = handled.length;
      await new Promise((resolve) => setImmediate(resolve));
      return handled.length - before;
    };
    for (let i = 0; i < 40; i++) backlog.push(`m1-${i}`, false);
    backlog.push('m3', true);
    assert.deepEqual([await turn(), await turn(), await turn()], [1, 1, 1]);
    assert.deepEqual(handled, ['m3', 'm1-0', 'm1-1'], 'the same order: expected datagrams first');
    waiting = false;
    assert.equal(await turn(), 38);
    assert.equal(await turn(), 0);
    backlog.clear();
  });
});

describe('daemon receive queue over real sockets', () => {
  const open: Harness[] = [];
  const peers: Peer[] = [];
  after(async () => {
    for (const h of open) await h.daemon.stop();
    for (const p of peers) await p.close();
  });

  it('with a slow engine and a burst of first messages, the expected datagrams are handled ahead of the burst', async () => {
    const h = await startFakeDaemon();
    open.push(h);
    h.fake.expectedPrefix = 'known';
    h.fake.busyMs = 0.5;
    const flood = await Peer.open();
    const legit = await Peer.open();
    peers.push(flood, legit);
    const BURST = 2000;
    for (let i = 0; i < BURST; i++) flood.send(h.ike, `first-${i}`);
    await sleep(20);
    for (let i = 0; i < 5; i++) legit.send(h.ike, `known-${i}`);
    const handledKnown = () =>
      h.fake.received.filter((r) => Buffer.from(r.datagram.data).toString().startsWith('known')).length;
    for (let i = 0; i < 400 && handledKnown() < 5; i++) await sleep(10);
    assert.equal(handledKnown(), 5, 'every expected datagram handled');
    const firstsBefore = h.fake.received.length - 5;
    // In arrival order they would come after all 2,000 (at 0.5 ms each, a second later).
    assert.ok(firstsBefore < BURST / 2, `${firstsBefore} first messages were handled before them`);
    await legit.waitFor(5);
    assert.ok(h.daemon.backlog.peak > 5, `backlog peak ${h.daemon.backlog.peak}`);
    h.fake.busyMs = 0;
  });
});
