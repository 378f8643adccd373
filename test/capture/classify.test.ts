import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyUdp,
  detectFormat,
  LinkType,
  messagesFromInput,
  readCapture,
} from '../../src/capture/index.js';
import { espPacket, ipv4, isakmpMessage, PcapngWriter, pcapFile, udp, withMarker } from './builders.js';

describe('classifyUdp', () => {
  const msg = isakmpMessage(5, 20);
  it('port 500: the whole payload is an ISAKMP message', () => {
    assert.deepEqual(classifyUdp(500, 500, msg), { kind: 'isakmp', message: msg, nonEspMarker: false });
    assert.equal(classifyUdp(34567, 500, msg).kind, 'isakmp');
    assert.equal(classifyUdp(500, 4500, msg).kind, 'isakmp');
  });
  it('port 4500: non-ESP marker -> ISAKMP without the marker', () => {
    const c = classifyUdp(4500, 4500, withMarker(msg));
    assert.ok(c.kind === 'isakmp');
    assert.deepEqual(c.message, msg);
    assert.equal(c.nonEspMarker, true);
  });
  it('port 4500: a single 0xFF byte is a NAT-keepalive', () => {
    assert.deepEqual(classifyUdp(4500, 4500, Buffer.from([0xff])), { kind: 'nat-keepalive' });
    assert.equal(classifyUdp(4500, 4500, Buffer.from([0x00])).kind, 'other');
  });
  it('port 4500: otherwise ESP with SPI and sequence number', () => {
    assert.deepEqual(classifyUdp(4500, 1234, espPacket(0xc180f5fb, 7)), {
      kind: 'esp',
      spi: 0xc180f5fb,
      sequence: 7,
    });
    assert.equal(classifyUdp(4500, 4500, Buffer.from([1, 2, 3, 4, 5])).kind, 'other');
  });
  it('other ports are other; ports are configurable', () => {
    assert.deepEqual(classifyUdp(53, 53, msg), { kind: 'other', reason: 'not an IKE port' });
    const ports = { ike: [1500], natt: [14500] };
    assert.equal(classifyUdp(2500, 1500, msg, ports).kind, 'isakmp');
    assert.equal(classifyUdp(14500, 24500, withMarker(msg), ports).kind, 'isakmp');
    assert.equal(classifyUdp(500, 500, msg, ports).kind, 'other');
  });
});

describe('readCapture classification', () => {
  const frames = [
    udp(500, 500, isakmpMessage()),
    udp(4500, 4500, withMarker(isakmpMessage(32, 40))),
    udp(4500, 4500, Buffer.from([0xff])),
    udp(4500, 4500, espPacket(0x1234, 1)),
    udp(53, 53, Buffer.from('dns')),
  ].map((u) => ({ seconds: 0, fraction: 0, data: ipv4('10.0.0.1', '10.0.0.2', 17, u) }));
  const file = pcapFile(LinkType.RAW, frames, { littleEndian: true });
  it('keeps frame numbers and skips other ports unless asked', () => {
    const r = readCapture(file);
    assert.deepEqual(
      r.datagrams.map((d) => [d.frame, d.kind]),
      [
        [1, 'isakmp'],
        [2, 'isakmp'],
        [3, 'nat-keepalive'],
        [4, 'esp'],
      ],
    );
    assert.equal(r.skipped[0]?.frame, 5);
    assert.equal(r.skipped[0]?.malformed, false);
    const all = readCapture(file, { includeOther: true });
    assert.equal(all.datagrams[4]?.kind, 'other');
    assert.equal(all.skipped.length, 0);
  });
});

describe('messagesFromInput', () => {
  it('detects pcap, pcapng and raw input', () => {
    const w = new PcapngWriter(false);
    assert.equal(detectFormat(pcapFile(1, [], { littleEndian: true })), 'pcap');
    assert.equal(detectFormat(pcapFile(1, [], { littleEndian: false, nanos: true })), 'pcap');
    assert.equal(detectFormat(w.shb()), 'pcapng');
    assert.equal(detectFormat(isakmpMessage()), 'raw');
    assert.equal(detectFormat(Buffer.alloc(0)), 'raw');
  });
  it('raw input is one message', () => {
    const msg = isakmpMessage(4, 8);
    assert.deepEqual(messagesFromInput(msg), {
      format: 'raw',
      messages: [{ message: msg, nonEspMarker: false }],
    });
  });
  it('a capture yields its ISAKMP messages with frame numbers, marker stripped', () => {
    const data = [udp(4500, 4500, espPacket(1, 1)), udp(4500, 4500, withMarker(isakmpMessage(5)))].map(
      (u) => ({
        seconds: 2,
        fraction: 5,
        data: ipv4('10.0.0.1', '10.0.0.2', 17, u),
      }),
    );
    const r = messagesFromInput(pcapFile(LinkType.RAW, data, { littleEndian: true }));
    assert.equal(r.format, 'pcap');
    assert.equal(r.messages.length, 1);
    assert.equal(r.messages[0]?.frame, 2);
    assert.equal(r.messages[0]?.nonEspMarker, true);
    assert.equal(r.messages[0]?.timestampNs, 2_000_005_000n);
    assert.deepEqual(r.messages[0]?.message, isakmpMessage(5));
  });
});
