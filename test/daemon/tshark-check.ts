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

/**
 * `revised`: the exchange used RFC 2409 section 5.3, whose KE payloads travel encrypted under
 * Ke_i/Ke_r. Wireshark derives the phase 1 IV from the KE payload bodies as they are on the wire
 * (hash(g^xi | g^xr), RFC 2409 Appendix B), so with the revised mode it starts the first encrypted
 * phase 1 message from a wrong IV: in CBC only that message's first block comes out wrong, which
 * garbles the first payload header it reads. That one message must dissect cleanly without keys; every
 * other message must dissect and decrypt cleanly with them.
 */
export function tsharkDissects(
  sent: readonly Sent[],
  ikeSas: readonly IkeSaInfo[],
  o: { readonly revised?: boolean } = {},
): Dissected {
  assert.ok(sent.length > 0, 'nothing was sent');
  const dir = mkdtempSync(join(tmpdir(), 'ikets-tshark-pair-'));
  try {
    const file = join(dir, 'pair.pcap');
    writeFileSync(file, recordedPcap(sent));
    const keys = tsharkArguments(ikeSas, []);
    assert.ok(keys.length > 0, 'no Ka to decrypt with');
    // One run without keys and one with: -V for every frame, -z expert for the expert summary that
    // tshark appends after the frames (nothing when there is no expert item).
    const run = (withKeys: boolean) => {
      const out = execFileSync(
        'tshark',
        ['-n', '-r', file, ...(withKeys ? keys : []), '-V', '-z', 'expert'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      // The summary: sections such as "Errors (1)" underlined with "=", after the last frame.
      const at = out.search(/^(Errors|Warns|Notes|Chats|Comments) \(\d+\)\n=+$/m);
      const text = at < 0 ? out : out.slice(0, at);
      return {
        frames: text.split(/^(?=Frame \d+:)/m).filter((f) => f.startsWith('Frame')),
        expert: at < 0 ? '' : out.slice(at),
        text,
      };
    };
    const flagged = (f: string) => /Malformed Packet|Expert Info/.test(f);
    const title = (f: string) => f.split('\n')[0] ?? '';
    // Without keys: every frame, its encrypted parts opaque.
    const plain = run(false);
    assert.equal(plain.frames.length, sent.length, 'one frame a datagram');
    assert.deepEqual(plain.frames.filter(flagged).map(title), [], plain.frames.filter(flagged).join('\n'));
    assert.doesNotMatch(plain.expert, /Warning|Error/, plain.expert);
    // With keys: decrypted, except (revised mode) the first encrypted phase 1 message.
    const keyed = run(true);
    const frames = keyed.frames;
    const verbose = keyed.text;
    const firstSealed = frames.find(
      (f) => /= Encryption: Encrypted/.test(f) && /Exchange type: (Identity Protection|Aggressive)/.test(f),
    );
    const exempt = o.revised === true && firstSealed !== undefined ? [firstSealed] : [];
    const bad = frames.filter((f) => flagged(f) && !exempt.includes(f));
    assert.deepEqual(bad.map(title), [], `malformed or expert-flagged frames:\n${bad.join('\n')}`);
    if (exempt.length === 0) assert.doesNotMatch(keyed.expert, /Warning|Error/, keyed.expert);
    const exchangeTypes = plain.frames.map((f) => Number(/Exchange type: .*\((\d+)\)$/m.exec(f)?.[1]));
    // An encrypted message (E flag) shows its decrypted payloads under "Encrypted Data".
    const encrypted = frames.filter((f) => /= Encryption: Encrypted/.test(f) && !exempt.includes(f));
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
