// The strongSwan captures committed under test/fixtures/captures/ (see its README.md).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isakmpDatagrams, LinkType, messagesFromInput, readCapture } from '../../src/capture/index.js';

const DIR = new URL('../../../test/fixtures/captures/', import.meta.url);

interface Keys {
  readonly initiatorSpi: string;
  readonly responderSpi: string;
  readonly initiator: { readonly ipv4: string };
  readonly child: { readonly spiIn: string; readonly spiOut: string };
}

interface Expected {
  readonly name: string;
  readonly linkType: number;
  readonly frames: number;
  /** Exchange type of each ISAKMP message in order. */
  readonly exchanges: readonly number[];
  readonly esp: number;
  /** How many ISAKMP messages went over port 500 (the rest used 4500 with the marker). */
  readonly onPort500: number;
  readonly keepalives?: number;
  /** The address peer a appears with (behind NAT), default keys.initiator.ipv4. */
  readonly initiatorSeenAs?: string;
}

const MM = 2;
const AGGR = 4;
const INFO = 5;
const QM = 32;
const CAPTURES: readonly Expected[] = [
  {
    name: 'ikev1-main-psk',
    linkType: LinkType.ETHERNET,
    frames: 21,
    exchanges: [MM, MM, MM, MM, MM, MM, QM, QM, QM, INFO, INFO, INFO, INFO, INFO, INFO],
    esp: 6,
    onPort500: 4,
  },
  {
    name: 'ikev1-aggressive-psk',
    linkType: LinkType.LINUX_SLL,
    frames: 10,
    exchanges: [AGGR, AGGR, AGGR, QM, QM, QM, INFO, INFO],
    esp: 2,
    onPort500: 2,
  },
  {
    name: 'ikev1-main-rsa',
    linkType: LinkType.ETHERNET,
    frames: 11,
    exchanges: [MM, MM, MM, MM, MM, MM, QM, QM, QM, INFO, INFO],
    esp: 0,
    onPort500: 4,
  },
  {
    name: 'nat-ikev1-main-psk',
    linkType: LinkType.ETHERNET,
    frames: 19,
    exchanges: [MM, MM, MM, MM, MM, MM, QM, QM, QM, INFO, INFO],
    esp: 6,
    onPort500: 4,
    keepalives: 2,
    initiatorSeenAs: '10.231.0.101',
  },
  {
    name: 'ikev2-psk',
    linkType: LinkType.ETHERNET,
    frames: 6,
    exchanges: [34, 34, 35, 35, 37, 37],
    esp: 0,
    onPort500: 2,
  },
];

for (const c of CAPTURES) {
  describe(`capture ${c.name}.pcapng`, () => {
    const bytes = readFileSync(new URL(`${c.name}.pcapng`, DIR));
    const keys = JSON.parse(readFileSync(new URL(`${c.name}.keys.json`, DIR), 'utf8')) as Keys;
    const r = readCapture(bytes);
    const messages = isakmpDatagrams(r);

    it('is a pcapng with the expected link type and frame count, nothing skipped', () => {
      assert.equal(r.format, 'pcapng');
      assert.equal(r.interfaces.length, 1);
      assert.equal(r.interfaces[0]?.linkType, c.linkType);
      assert.equal(r.frameCount, c.frames);
      assert.deepEqual(r.skipped, []);
      assert.equal(r.datagrams.length, c.frames);
    });

    it('has the expected ISAKMP messages in order, with consistent lengths and cookies', () => {
      assert.deepEqual(
        messages.map((m) => m.message[18]),
        c.exchanges,
      );
      for (const m of messages) {
        assert.equal(m.message.readUInt32BE(24), m.message.length, `frame ${m.frame}: ISAKMP length field`);
        assert.equal(
          m.message.subarray(0, 8).toString('hex'),
          keys.initiatorSpi,
          `frame ${m.frame}: initiator cookie`,
        );
        const onNatt = m.src.port === 4500;
        assert.equal(m.nonEspMarker, onNatt);
        assert.equal(m.payload.length, m.message.length + (onNatt ? 4 : 0));
      }
      assert.equal(messages.filter((m) => m.dst.port === 500).length, c.onPort500);
      // the first messages use port 500, everything after the float uses 4500
      assert.ok(messages.slice(0, c.onPort500).every((m) => m.src.port === 500 && m.dst.port === 500));
      assert.equal(messages[0]?.src.address, c.initiatorSeenAs ?? keys.initiator.ipv4);
      assert.equal(messages[0]?.message.subarray(8, 16).toString('hex'), '0000000000000000');
      assert.equal(messages[1]?.message.subarray(8, 16).toString('hex'), keys.responderSpi);
    });

    it('finds the ESP-in-UDP packets with the CHILD SA SPIs and rising sequence numbers', () => {
      const esp = r.datagrams.filter((d) => d.kind === 'esp');
      assert.equal(esp.length, c.esp);
      const spis = new Set([keys.child.spiIn, keys.child.spiOut]);
      const lastSeq = new Map<number, number>();
      for (const d of esp) {
        assert.ok(d.kind === 'esp');
        assert.ok(
          spis.has(d.spi.toString(16).padStart(8, '0')),
          `frame ${d.frame}: SPI ${d.spi.toString(16)}`,
        );
        assert.equal(d.sequence, (lastSeq.get(d.spi) ?? 0) + 1);
        lastSeq.set(d.spi, d.sequence);
      }
      const keepalives = r.datagrams.filter((d) => d.kind === 'nat-keepalive');
      assert.equal(keepalives.length, c.keepalives ?? 0);
      for (const k of keepalives) {
        assert.deepEqual(k.payload, Buffer.from([0xff]));
        assert.equal(k.src.address, c.initiatorSeenAs);
        assert.equal(k.dst.port, 4500);
      }
    });

    it('has non-decreasing timestamps from the capture day', () => {
      let last = 0n;
      for (const d of r.datagrams) {
        assert.ok(d.timestampNs >= last);
        last = d.timestampNs;
      }
      assert.ok(last > 1_700_000_000_000_000_000n);
    });

    it('messagesFromInput gives the same messages', () => {
      const m = messagesFromInput(bytes);
      assert.equal(m.format, 'pcapng');
      assert.deepEqual(
        m.messages.map((x) => x.frame),
        messages.map((x) => x.frame),
      );
    });
  });
}
