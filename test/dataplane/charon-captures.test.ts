import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/reader.js';
import { isDrop } from '../../src/dataplane/esp/drop.js';
import { espUnprotect } from '../../src/dataplane/esp/esp.js';
import { parseSelector } from '../../src/dataplane/esp/from-child.js';
import { packetFlow } from '../../src/dataplane/esp/ip.js';
import { IpsecSa } from '../../src/dataplane/esp/sa.js';

// Inbound cross-check against a real implementation: the ESP-in-UDP packets in the strongSwan
// captures were made by charon's libipsec (test/fixtures/captures/README.md: charon ran with
// kernel-libipsec). The ESP engine, given the KEYMAT charon logged, must verify and decrypt every
// one of them, padding and selectors included.

interface KeysFile {
  readonly initiator: { readonly ipv4: string; readonly publicIpv4?: string };
  readonly responder: { readonly ipv4: string };
  readonly proposals: { readonly esp: string };
  readonly child: {
    readonly spiIn: string;
    readonly spiOut: string;
    readonly secrets: Readonly<Record<string, string>>;
  };
}

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/captures/${name}`, import.meta.url));

for (const name of ['ikev1-main-psk', 'ikev1-aggressive-psk', 'nat-ikev1-main-psk']) {
  test(`charon libipsec's ESP in ${name}.pcapng: every packet verifies and decrypts`, () => {
    const keys = JSON.parse(readFileSync(fixture(`${name}.keys.json`), 'utf8')) as KeysFile;
    const [encryption = '', integrity = ''] = keys.proposals.esp.split('-');
    const a = keys.initiator.ipv4;
    const aOuter = keys.initiator.publicIpv4 ?? a;
    const b = keys.responder.ipv4;
    const secret = (what: string) => Buffer.from(keys.child.secrets[what] ?? '', 'hex');
    const sa = (spi: string, from: string, fromOuter: string, to: string, who: string) =>
      new IpsecSa({
        protocol: 'esp',
        direction: 'in',
        mode: 'tunnel',
        spi: Number.parseInt(spi, 16),
        source: fromOuter,
        destination: to,
        encryption: { name: encryption, key: secret(`encryption ${who} key`) },
        integrity: { name: integrity, key: secret(`integrity ${who} key`) },
        localTs: [parseSelector(`${to}/32`)],
        remoteTs: [parseSelector(`${from}/32`)],
      });
    // KEYMAT of the initiator's packets (to the responder's SPI, spiOut from a's side) and back.
    const atB = sa(keys.child.spiOut, a, aOuter, b, 'initiator');
    const atA = sa(keys.child.spiIn, b, b, a, 'responder');
    const capture = readCapture(readFileSync(fixture(`${name}.pcapng`)));
    const esp = capture.datagrams.filter((d) => d.kind === 'esp');
    assert.ok(esp.length >= 2, `${esp.length} ESP packets`);
    const seen = { ab: 0, ba: 0 };
    for (const d of esp) {
      const inbound = d.payload.readUInt32BE(0) === atB.spi ? atB : atA;
      const inner = espUnprotect(inbound, d.payload, 0);
      assert.ok(!isDrop(inner), `frame ${d.frame}: ${String(inner)}`);
      const flow = packetFlow(inner);
      assert.ok(flow);
      if (inbound === atB) {
        seen.ab++;
        assert.equal(flow.protocol, 17, `frame ${d.frame}: UDP from a to b`);
        if (name !== 'ikev1-aggressive-psk') assert.equal(flow.destinationPort, 9999);
      } else {
        seen.ba++;
        assert.ok([1, 17].includes(flow.protocol), `frame ${d.frame}: protocol ${flow.protocol}`);
      }
      // The same packet again is a replay.
      assert.equal(espUnprotect(inbound, d.payload, 0), 'replayed');
    }
    assert.ok(seen.ab > 0 && seen.ba > 0, JSON.stringify(seen));
    assert.equal(atB.packets + atA.packets, esp.length);
  });
}
