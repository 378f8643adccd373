import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writePcap } from '../../src/capture/pcap-writer.js';
import type { EspInUdpPort, UdpAddress } from '../../src/dataplane/backend.js';
import { ipsecSaParamsFromChild, parseSelector } from '../../src/dataplane/esp/from-child.js';
import { UserspaceBackend } from '../../src/dataplane/userspace/backend.js';
import { tsharkArguments } from '../../src/sad/wireshark.js';
import { childPair } from '../support/child-pair.js';
import { udpPacket } from '../support/ip-packets.js';

// An independent implementation reads what the userspace backend sends: Wireshark's ESP dissector,
// given the KEYMAT through the same esp_sa table `ikets list-sas --wireshark` prints, must find
// every ICV good and the inner packet intact, for every transform both know.

const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' });

const SUITES: readonly [string, string | undefined][] = [
  ['aes128', 'sha1'],
  ['aes192', 'sha256'],
  ['aes256', 'sha384'],
  ['aes256', 'sha512'],
  ['aes128', 'md5'],
  ['3des', 'sha1'],
  ['null', 'sha256'],
  ['aes128gcm16', undefined],
  ['aes256gcm12', undefined],
  ['aes192gcm8', undefined],
];

test('tshark (Wireshark 4.x ESP dissector) verifies the ICV and decrypts what the backend sends, every transform it knows', {
  skip: tshark.status === 0 ? false : 'tshark is not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ikets-esp-'));
  try {
    for (const [encryption, integrity] of SUITES) {
      const pair = childPair({ encryption, integrity });
      const sent: { local: UdpAddress; remote: UdpAddress; data: Uint8Array }[] = [];
      const port: EspInUdpPort = { send: (local, remote, data) => sent.push({ local, remote, data }) };
      let receiver: (p: Uint8Array) => void = () => {};
      const backend = new UserspaceBackend({
        device: { name: 't', write: () => {}, onPacket: (r) => (receiver = r), close: async () => {} },
        routing: {
          addRoute: async () => {},
          deleteRoute: async () => {},
          markSocket: () => {},
          close: async () => {},
        },
        port,
        clock: () => 0,
      });
      const p = ipsecSaParamsFromChild(pair.a, 1);
      await backend.addSa(p.outbound);
      await backend.addPolicy({
        direction: 'out',
        source: parseSelector('10.1.0.0/16'),
        destination: parseSelector('10.2.0.0/16'),
        action: 'protect',
        priority: 1,
        template: {
          reqid: 1,
          protocol: 'esp',
          mode: 'tunnel',
          source: '10.231.0.1',
          destination: '10.231.0.2',
        },
      });
      for (const size of [0, 1, 13, 200]) {
        receiver(udpPacket('10.1.0.5', '10.2.0.9', Buffer.alloc(size, 0x61 + (size % 26)), [4000 + size, 9]));
      }
      assert.equal(sent.length, 4);
      const file = join(dir, `${encryption}-${integrity}.pcap`);
      writeFileSync(file, writePcap(sent.map((d) => ({ src: d.local, dst: d.remote, payload: d.data }))));
      const args = tsharkArguments([], [pair.a]);
      const run = spawnSync(
        'tshark',
        [
          '-r',
          file,
          ...args,
          '-T',
          'fields',
          '-E',
          'separator=;',
          '-e',
          'esp.icv_good',
          '-e',
          'esp.pad_len',
          '-e',
          'udp.srcport',
        ],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 4);
      lines.forEach((line, i) => {
        const [icv, , ports] = line.split(';');
        // For GCM Wireshark checks the tag (RFC 4106) and reports it as the ICV too.
        assert.equal(icv, '1', `${encryption}/${integrity} frame ${i + 1}: ${line}`);
        // The inner UDP source port (after the outer 4500) proves the decryption.
        const size = [0, 1, 13, 200][i] ?? 0;
        assert.match(
          ports ?? '',
          new RegExp(`^4500,${4000 + size}$`),
          `${encryption}/${integrity} frame ${i + 1}: ${line}`,
        );
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
