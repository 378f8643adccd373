/**
 * `ikets start` writes its log lines once per turn of the event loop (LineBatcher, issue 12): the
 * same lines in the same order as one write per line, none late by more than a turn, none lost when
 * the daemon stops or the process exits.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LineBatcher, type LogEntry, Logger } from '../../src/daemon/logger.js';

const entries: LogEntry[] = [
  {
    time: Date.UTC(2026, 11, 2, 5, 0, 0),
    level: 'info',
    message: 'ISAKMP SA established',
    connection: 'c',
    ikeSa: 1,
  },
  { time: Date.UTC(2026, 11, 2, 5, 0, 1), level: 'debug', message: 'not at info' },
  { time: Date.UTC(2026, 11, 2, 5, 0, 2), level: 'warn', message: 'CHILD SA installed', connection: 'c' },
  { time: Date.UTC(2026, 11, 2, 5, 0, 3), level: 'error', message: 'third', ikeSa: 7 },
];

describe('log lines batched per turn', () => {
  it('are the lines one write per line gives, in one write at the end of the turn', async () => {
    const direct: string[] = [];
    const plain = new Logger('info', false, (l) => direct.push(l));
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text));
    const batched = new Logger('info', false, batcher.write);
    for (const e of entries) {
      plain.log(e);
      batched.log(e);
    }
    assert.equal(direct.length, 3);
    assert.deepEqual(writes, [], 'nothing written before the turn ends');
    await nextTurn();
    assert.deepEqual(writes, [direct.join('')]);
    // The next turn's lines are a write of their own.
    batched.log(entries[3] as LogEntry);
    await nextTurn();
    assert.deepEqual(writes, [direct.join(''), direct[2]]);
    batcher.close();
  });

  it('writes what is queued at once on flush and close', () => {
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text));
    batcher.write('a\n');
    batcher.write('b\n');
    batcher.flush();
    assert.deepEqual(writes, ['a\nb\n']);
    batcher.write('c\n');
    batcher.close();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  });

  it('loses no line when the process exits in the same turn', () => {
    const logger = fileURLToPath(new URL('../../src/daemon/logger.js', import.meta.url));
    const script = `
      const { LineBatcher } = await import(${JSON.stringify(logger)});
      const batcher = new LineBatcher((text) => process.stdout.write(text));
      batcher.write('first\\n');
      batcher.write('last\\n');
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'first\nlast\n');
  });
});
