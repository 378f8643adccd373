/**
 * tshark over what two daemons sent (daemon-pair.ts records it): every datagram dissected, the
 * encrypted ones decrypted with the daemons' Ka (`ikets list-sas --wireshark`'s table), without a
 * malformed packet or an expert note of any severity. The check of
 * test/integration/tshark-dissects.test.ts, on real exchanges instead of built messages.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IkeSaInfo } from '../../src/sa/types.js';
import { tsharkArguments } from '../../src/sad/wireshark.js';
import { recordedPcap, type Sent } from './daemon-pair.js';

/** Why tshark checks cannot run here, or undefined. */
export function tsharkMissing(): string | undefined {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'tshark is not installed';
  }
}

export interface Dissected {
  /** ISAKMP exchange type of each frame, in order. */
  readonly exchangeTypes: readonly number[];
  /** Encrypted frames, all of which tshark decrypted (asserted). */
  readonly decrypted: number;
  /** tshark -V of the whole capture, for failure messages. */
  readonly verbose: string;
}

export function tsharkDissects(sent: readonly Sent[], ikeSas: readonly IkeSaInfo[]): Dissected {
  assert.ok(sent.length > 0, 'nothing was sent');
  const dir = mkdtempSync(join(tmpdir(), 'ikets-tshark-pair-'));
  try {
    const file = join(dir, 'pair.pcap');
    writeFileSync(file, recordedPcap(sent));
    const keys = tsharkArguments(ikeSas, []);
    assert.ok(keys.length > 0, 'no Ka to decrypt with');
    const tshark = (...args: string[]) =>
      execFileSync('tshark', ['-n', '-r', file, ...keys, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    const verbose = tshark('-V');
    const frames = verbose.match(/^Frame \d+:/gm) ?? [];
    assert.equal(frames.length, sent.length, 'one frame a datagram');
    const bad = verbose.split(/^(?=Frame \d+:)/m).filter((f) => /Malformed Packet|Expert Info/.test(f));
    assert.deepEqual(
      bad.map((f) => f.split('\n')[0]),
      [],
      `malformed or expert-flagged frames:\n${bad.join('\n')}`,
    );
    const expert = tshark('-q', '-z', 'expert');
    assert.doesNotMatch(expert, /Warning|Error/, expert);
    const exchangeTypes = tshark('-T', 'fields', '-e', 'isakmp.exchangetype')
      .trim()
      .split('\n')
      .map((line) => Number(line.split(',')[0]));
    // An encrypted message (E flag) shows its decrypted payloads under "Encrypted Data".
    const perFrame = verbose.split(/^(?=Frame \d+:)/m).filter((f) => f.startsWith('Frame'));
    const encrypted = perFrame.filter((f) => /= Encryption: Encrypted/.test(f));
    const opened = encrypted.filter((f) => /Encrypted Data \(\d+ bytes\)\n\s+Payload: /.test(f));
    assert.deepEqual(
      encrypted.filter((f) => !opened.includes(f)).map((f) => f.split('\n')[0]),
      [],
      "every encrypted message decrypts with the daemons' Ka",
    );
    return { exchangeTypes, decrypted: opened.length, verbose };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
