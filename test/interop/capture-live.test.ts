// The harness's tshark capture and key extraction, checked against ikets' own capture reader:
// a strongSwan <-> strongSwan IKEv1 Main Mode run with traffic through the tunnel is captured,
// then the reader must find the messages with the cookies and the ESP packets with the SPIs
// that swanctl lists, and tshark must decrypt Main Mode 5/6 with the keys from charon's log.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCaptureFile } from '../../src/capture/file.js';
import { isakmpDatagrams } from '../../src/capture/index.js';
import { it, suite } from '../support/suite.js';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  firstDump,
  hostToHost,
  run,
  sendUdp,
  startCapture,
  startCharon,
} from './harness/index.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare', 'tshark']);

suite('interop harness: live capture', { skip: tools.ok ? false : tools.reason }, () => {
  it('captures IKEv1 + ESP-in-UDP that the capture reader and tshark understand', async (t) => {
    const pair = await createNetnsPair();
    const dir = mkdtempSync(join(tmpdir(), 'ikets-capture-test-'));
    const peers: Charon[] = [];
    let stopCapture: (() => Promise<string>) | undefined;
    t.after(async () => {
      await stopCapture?.();
      for (const p of peers) await p.stop();
      await pair.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    for (const [self, peer, me, other] of [
      [pair.a, pair.b, 'a', 'b'],
      [pair.b, pair.a, 'b', 'a'],
    ] as const) {
      const conf = hostToHost({
        name: 'mm',
        version: 1,
        localAddr: self.ipv4,
        remoteAddr: peer.ipv4,
        localId: `${me}.test`,
        remoteId: `${other}.test`,
        auth: 'psk',
        psk: 'ikets-capture-live-psk-0123',
      });
      peers.push(
        await startCharon({ name: me, netns: self.ns, log: me === 'a' ? { ike: 4 } : {}, swanctl: conf }),
      );
    }
    const [a, b] = peers;
    assert.ok(a && b);
    const capture = await startCapture({
      iface: pair.b.iface,
      netns: pair.b.ns,
      path: join(dir, 'mm.pcapng'),
    });
    stopCapture = capture.stop;
    await a.initiate('mm');
    await sendUdp(pair.a.ns, pair.b.ipv4, 9999, 'hello through the tunnel');
    await sleep(200);
    const path = await capture.stop();
    stopCapture = undefined;

    const ike = (await a.listSas()).ikeSas[0];
    const child = ike?.childSas[0];
    assert.ok(ike && child);
    const r = await readCaptureFile(path);
    const summary = r.datagrams.map((d) => `${d.frame}:${d.kind}:${d.src.port}>${d.dst.port}`).join(' ');
    // a retransmission (charon retransmits after 1 s, e.g. on a loaded machine) repeats a message byte for byte
    const seen = new Set<string>();
    const messages = isakmpDatagrams(r).filter((m) => {
      const key = m.message.toString('hex');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    assert.equal(messages.length, 9, `MM1-6 + QM1-3 in ${summary}`);
    for (const m of messages) assert.equal(m.message.subarray(0, 8).toString('hex'), ike.initiatorSpi);
    assert.equal(messages[5]?.message.subarray(8, 16).toString('hex'), ike.responderSpi);
    assert.deepEqual(
      messages.map((m) => m.dst.port),
      [500, 500, 500, 500, 4500, 4500, 4500, 4500, 4500],
    );
    const esp = r.datagrams.filter((d) => d.kind === 'esp');
    assert.ok(esp.length >= 1, `the datagram travels as ESP-in-UDP: ${summary}`);
    const fromA = esp.filter((d) => d.src.address === pair.a.ipv4);
    assert.ok(fromA.length >= 1 && fromA[0]?.kind === 'esp', summary);
    assert.equal(fromA[0].spi.toString(16).padStart(8, '0'), child.spiOut);

    const ka = firstDump(a.readLog(), 'encryption key Ka');
    assert.match(ka ?? '', /^[0-9a-f]{32}$/);
    const { stdout } = await run('tshark', [
      '-n',
      '-r',
      path,
      '-o',
      `uat:ikev1_decryption_table:${ike.initiatorSpi},${ka}`,
      '-V',
      '-Y',
      'frame.number == 5',
    ]);
    assert.match(stdout, /Payload: Identification/);
  });
});
