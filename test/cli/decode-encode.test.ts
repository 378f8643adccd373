import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { messagesFromInput } from '../../src/capture/index.js';
import { loadCapture } from '../integration/capture-replay.js';
import { ikets } from './run.js';

const capture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/captures/${name}`, import.meta.url));
const MAIN_MODE = capture('ikev1-main-psk.pcapng');

describe('ikets decode', () => {
  it('prints every message of a capture as a tree, and ESP-in-UDP packets as such', async () => {
    const run = await ikets(['decode', MAIN_MODE]);
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
    assert.match(
      run.stdout,
      /^Message 1 \(frame 1, 10\.231\.0\.1:500 -> 10\.231\.0\.2:500\)\n {2}ISAKMP message: IDENTITY_PROTECTION \(2\)/,
    );
    assert.match(run.stdout, /ENCRYPTION_ALGORITHM \(1\): AES_CBC \(7\)/);
    assert.match(run.stdout, /Vendor ID: 4a131c81070358455c5728f20e95452f \(16 bytes\) = NAT_T_RFC3947/);
    assert.match(
      run.stdout,
      /Message 5 \(frame 5, 10\.231\.0\.1:4500 -> 10\.231\.0\.2:4500, after the non-ESP marker\)/,
    );
    assert.equal(run.stdout.match(/^Message \d+ /gm)?.length, 15);
    assert.equal(
      run.stdout.match(/^ESP in UDP \(frame \d+, .*\): SPI 0x[0-9a-f]{8}, sequence \d, \d+ bytes$/gm)?.length,
      6,
    );
  });

  it('lists IKEv2 messages without failing on them', async () => {
    const run = await ikets(['decode', capture('ikev2-psk.pcapng')]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Message 1 \(frame 1, .*\): IKEv2, exchange type 34, message ID 0, 464 bytes/);
  });

  it('decodes the raw bytes of one message, also from standard input', async () => {
    const { messages } = loadCapture('ikev1-main-psk');
    const run = await ikets(['decode', '-'], messages[0]!.bytes);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Message 1\n {2}ISAKMP message: IDENTITY_PROTECTION/);
  });

  it('prints one JSON object per line, which encode turns back into the same bytes', async () => {
    const json = await ikets(['decode', '--json', MAIN_MODE]);
    assert.equal(json.status, 0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 21);
    assert.deepEqual(Object.keys(lines[0]!), ['frame', 'time', 'src', 'dst', 'nonEspMarker', 'message']);
    assert.match(String(lines[0]!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.equal(lines[0]!.src, '10.231.0.1:500');
    assert.deepEqual(Object.keys(lines[9]!), ['frame', 'time', 'src', 'dst', 'esp']);

    const originals = loadCapture('ikev1-main-psk').messages.map((m) => m.bytes);

    const hex = await ikets(['encode', '--hex', '-'], Buffer.from(json.stdout));
    assert.deepEqual(
      hex.stdout.trim().split('\n'),
      originals.map((b) => b.toString('hex')),
    );

    // --pcap: the same messages in a capture, with the addresses, ports and non-ESP markers of the original.
    const pcap = await ikets(['encode', '--pcap', '-'], Buffer.from(json.stdout));
    const reread = messagesFromInput(pcap.bytes).messages;
    assert.deepEqual(
      reread.map((m) => m.message),
      originals,
    );
    assert.deepEqual(reread.map((m) => `${m.src?.address}:${m.src?.port} ${m.nonEspMarker}`).slice(3, 5), [
      '10.231.0.2:500 false',
      '10.231.0.1:4500 true',
    ]);
  });

  it('reports a malformed message in one line with its number, offset and reason, exit status 1', async () => {
    const bad = Buffer.from(loadCapture('ikev1-main-psk').messages[0]!.bytes);
    bad.writeUInt16BE(3, 30); // the SA payload's length field: shorter than its own header
    const run = await ikets(['decode', '-'], bad);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^ikets: message 1: offset 30: payload length 3 is shorter than the generic header \(notify PAYLOAD_MALFORMED\)\n$/,
    );
  });

  it('reports unreadable files and bad captures in one line', async () => {
    const missing = await ikets(['decode', '/nonexistent/file.pcap']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'ikets: cannot read /nonexistent/file.pcap: ENOENT\n');
    const truncated = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    const run = await ikets(['decode', '-'], truncated);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^ikets: -: offset \d+: .+\n$/);
  });
});

describe('ikets encode', () => {
  it('names the JSON path of an invalid value', async () => {
    const json = JSON.stringify({ ...minimalMessage(), exchangeType: 'NO_SUCH_EXCHANGE' });
    const run = await ikets(['encode', '--hex', '-'], Buffer.from(json));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^ikets: message 1: .*exchangeType.*\n$/);
  });

  it('refuses binary output to a terminal, and bad usage with status 2', async () => {
    assert.equal((await ikets(['encode'])).status, 2);
    assert.equal((await ikets(['encode', '--hex', '--pcap', 'x'])).status, 2);
    assert.equal((await ikets(['frobnicate'])).status, 2);
    assert.equal((await ikets(['decode', '--bogus', 'x'])).status, 2);
  });
});

function minimalMessage(): Record<string, unknown> {
  return {
    initiatorCookie: '0102030405060708',
    responderCookie: '0000000000000000',
    majorVersion: 1,
    minorVersion: 0,
    exchangeType: 'INFORMATIONAL',
    commit: false,
    authenticationOnly: false,
    messageId: 0,
    payloads: [],
  };
}
