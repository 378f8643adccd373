/**
 * `list-sas` as a stream (src/daemon/list-sas.ts, issue 12): one line per SA, each ISAKMP SA
 * followed by its IPsec SAs and the orphans last, filtered by connection or child name, written in
 * chunks that yield to the event loop and wait for a client that has not read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { LISTING_CHUNK, type ListingSink, streamSas } from '../../src/daemon/list-sas.js';
import type { IkeSaInfo } from '../../src/sa/types.js';
import { SecurityAssociationDatabase } from '../../src/sad/index.js';
import { childSa, ikeSa, T0 } from '../sad/sa-fixtures.js';

const N = 2000;
const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');

function fakeDaemon(): Daemon {
  const sad = new SecurityAssociationDatabase();
  for (let id = 1; id <= N; id++) {
    const connection = id % 2 === 0 ? 'gw' : 'other';
    sad.apply({
      type: 'ike-sa-up',
      sa: ikeSa({ id, connection, initiatorCookie: hex(id, 16), responderCookie: hex(id + 1, 16) }),
    });
    sad.apply({
      type: 'child-sa-up',
      sa: childSa({
        id,
        ikeSaId: id,
        connection,
        child: id % 2 === 0 ? 'net' : 'web',
        spiIn: hex(0x1000 + id, 8),
      }),
      rekeyOf: undefined,
    });
  }
  // An IPsec SA outlives the ISAKMP SA that negotiated it (RFC 2409 section 5.5).
  sad.apply({
    type: 'child-sa-up',
    sa: childSa({ id: N + 1, ikeSaId: N + 100, connection: 'gw', spiIn: hex(0x100000, 8) }),
    rekeyOf: undefined,
  });
  const connecting: IkeSaInfo = ikeSa({ id: N + 2, connection: 'gw', state: 'connecting', keys: undefined });
  return {
    sad,
    endpoint: {
      ikeSas: () => [connecting],
      connectingIkeSas: () => [connecting],
      // The keys are the engine's (the SAD keeps none, issue 12).
      ikeSaKeys: (id: number) => (id <= N ? ikeSa({ id }).keys : undefined),
    },
    now: () => T0,
    dataplane: undefined,
  } as unknown as Daemon;
}

function collect(): { lines: Record<string, unknown>[]; sink: ListingSink } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    sink: {
      line: (value) => lines.push(value as Record<string, unknown>),
      drained: () => Promise.resolve(true),
    },
  };
}

describe('list-sas streamed', () => {
  it('sends a header, each ISAKMP SA with its IPsec SAs below, orphans last, no keys', async () => {
    const { lines, sink } = collect();
    const result = await streamSas(fakeDaemon(), { showKeys: false }, sink);
    assert.deepEqual(result, {
      ok: true,
      now: T0,
      ikeSas: N + 1,
      childSas: N + 1,
      dataplaneDrops: undefined,
    });
    assert.deepEqual(lines[0], { listing: { now: T0, ikeSas: N + 1, childSas: N + 1 } });
    assert.equal(lines.length, 1 + 2 * (N + 1));
    for (let id = 1; id <= N; id++) {
      assert.equal((lines[2 * id - 1]?.ikeSa as IkeSaInfo | undefined)?.id, id);
      assert.equal((lines[2 * id]?.childSa as { ikeSaId: number } | undefined)?.ikeSaId, id);
    }
    assert.equal((lines[2 * N + 1]?.ikeSa as IkeSaInfo | undefined)?.state, 'connecting');
    assert.equal((lines[2 * N + 2]?.childSa as { id: number } | undefined)?.id, N + 1, 'the orphan last');
    assert.ok(
      lines.every((l) => JSON.stringify(l).indexOf('588e7fec') < 0),
      'no key without showKeys',
    );
    const keyed = collect();
    await streamSas(fakeDaemon(), { showKeys: true }, keyed.sink);
    assert.match(JSON.stringify(keyed.lines[1]), /588e7fec/);
  });

  it('lists one connection, or one child with the ISAKMP SAs that carry it', async () => {
    const other = collect();
    await streamSas(fakeDaemon(), { showKeys: false, name: 'other' }, other.sink);
    const ike = other.lines.flatMap((l) => (l.ikeSa === undefined ? [] : [l.ikeSa as IkeSaInfo]));
    assert.equal(ike.length, N / 2);
    assert.ok(ike.every((s) => s.connection === 'other'));
    assert.equal(other.lines.filter((l) => l.childSa !== undefined).length, N / 2);
    const net = collect();
    await streamSas(fakeDaemon(), { showKeys: false, name: 'net' }, net.sink);
    const children = net.lines.flatMap((l) =>
      l.childSa === undefined ? [] : [l.childSa as { child: string }],
    );
    assert.equal(children.length, N / 2 + 1);
    assert.ok(children.every((c) => c.child === 'net'));
    const carriers = net.lines.flatMap((l) => (l.ikeSa === undefined ? [] : [l.ikeSa as IkeSaInfo]));
    assert.deepEqual(
      carriers.map((s) => s.id),
      Array.from({ length: N / 2 }, (_, i) => 2 * (i + 1)),
    );
  });

  it('yields to the event loop between chunks', async () => {
    const { sink } = collect();
    let ticks = 0;
    let running = true;
    const spin = () => {
      ticks++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    await streamSas(fakeDaemon(), { showKeys: false }, sink);
    running = false;
    const lines = 2 * (N + 1);
    assert.ok(ticks >= Math.floor(lines / LISTING_CHUNK) - 1, `${ticks} turns of the event loop`);
  });

  it('waits for a client that has not read, and stops when it went away', async () => {
    const lines: unknown[] = [];
    let release: ((ok: boolean) => void) | undefined;
    const sink: ListingSink = {
      line: (value) => lines.push(value),
      drained: () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    };
    const listing = streamSas(fakeDaemon(), { showKeys: false }, sink);
    for (let i = 0; i < 10 && release === undefined; i++) await new Promise((r) => setImmediate(r));
    const written = lines.length;
    assert.ok(written > 0 && written <= LISTING_CHUNK + 1, `${written} lines before the first wait`);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, written, 'nothing more until the client read');
    release?.(false);
    assert.deepEqual(await listing, { ok: false, error: 'the client went away' });
  });
});
