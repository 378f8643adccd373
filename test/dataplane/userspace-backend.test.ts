import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESP_CIPHERS } from '../../src/crypto/esp-cipher.js';
import type {
  BackendEvents,
  EspInUdpPort,
  PolicyParams,
  Selector,
  UdpAddress,
} from '../../src/dataplane/backend.js';
import { ipsecSaParamsFromChild, parseSelector } from '../../src/dataplane/esp/from-child.js';
import { NO_LIMITS } from '../../src/dataplane/esp/sa.js';
import { UserspaceBackend } from '../../src/dataplane/userspace/backend.js';
import type { HostRouting, PacketDevice } from '../../src/dataplane/userspace/host.js';
import { pooledRandom } from '../../src/dataplane/userspace/random-pool.js';
import type { ChildSaInfo } from '../../src/sa/types.js';
import { childPair } from '../support/child-pair.js';
import { udpPacket } from '../support/ip-packets.js';

// Two UserspaceBackends back to back in memory: A's NAT-T port delivers to B's receiveEspInUdp and
// back; fake devices record what the host would see; a fake HostRouting records routes.

class FakeDevice implements PacketDevice {
  readonly name = 'fake0';
  readonly written: Buffer[] = [];
  #receiver: ((p: Uint8Array) => void) | undefined;
  write(packet: Uint8Array): void {
    this.written.push(Buffer.from(packet));
  }
  onPacket(receiver: (packet: Uint8Array) => void): void {
    this.#receiver = receiver;
  }
  /**
   * The host routes a packet into the device. As the TUN device does, the receiver sees a view of a
   * reused read buffer, valid during the call; it is overwritten afterwards, so a backend that kept
   * the view instead of a copy would send garbage.
   */
  readonly #scratch = Buffer.alloc(2048);
  inject(packet: Uint8Array): void {
    this.#scratch.set(packet);
    this.#receiver?.(this.#scratch.subarray(0, packet.length));
    this.#scratch.fill(0xee);
  }
  async close(): Promise<void> {}
}

class FakeRouting implements HostRouting {
  readonly routes = new Map<string, string | undefined>();
  readonly marked: number[] = [];
  async addRoute(destination: Selector, source: string | undefined): Promise<void> {
    this.routes.set(`${destination.start}-${destination.end}`, source);
  }
  async deleteRoute(destination: Selector): Promise<void> {
    assert.ok(this.routes.delete(`${destination.start}-${destination.end}`), 'deleting a route never added');
  }
  readonly buffers: [number, number][] = [];
  markSocket(fd: number): void {
    this.marked.push(fd);
  }
  enlargeReceiveBuffer(fd: number, bytes: number): void {
    this.buffers.push([fd, bytes]);
  }
  async close(): Promise<void> {}
}

interface Wire {
  readonly sent: { local: UdpAddress; remote: UdpAddress; data: Buffer }[];
  /** Rewrites the source port as a NAT would (for the mapping test). */
  natPort?: number;
  deliver?: (d: { local: UdpAddress; remote: UdpAddress; data: Buffer }) => void;
}

interface Side {
  readonly backend: UserspaceBackend;
  readonly device: FakeDevice;
  readonly routing: FakeRouting;
  readonly wire: Wire;
  readonly events: { [K in keyof BackendEvents]: BackendEvents[K][] };
}

function side(clock: { now: number }): Side {
  const device = new FakeDevice();
  const routing = new FakeRouting();
  const wire: Wire = { sent: [] };
  const port: EspInUdpPort = {
    send: (local, remote, data) => {
      const d = { local, remote, data: Buffer.from(data) };
      wire.sent.push(d);
      wire.deliver?.({ local: remote, remote: { ...local, port: wire.natPort ?? local.port }, data: d.data });
    },
  };
  const backend = new UserspaceBackend({ device, routing, port, clock: () => clock.now });
  const events = { acquire: [], expire: [], mapping: [], log: [] } as Side['events'];
  for (const name of ['acquire', 'expire', 'mapping', 'log'] as const) {
    backend.events.on(name, (e: unknown) => {
      (events[name] as unknown[]).push(e);
    });
  }
  return { backend, device, routing, wire, events };
}

function policies(info: ChildSaInfo, reqid: number, action: 'protect' | 'trap' = 'protect'): PolicyParams[] {
  const local = parseSelector(info.localTs[0] ?? '');
  const remote = parseSelector(info.remoteTs[0] ?? '');
  const template = (source: string, destination: string) => ({
    reqid,
    protocol: info.protocol,
    mode: info.mode,
    source,
    destination,
  });
  return [
    {
      direction: 'out',
      source: local,
      destination: remote,
      action,
      priority: 100,
      template: template(info.local.address, info.remote.address),
    },
    {
      direction: 'in',
      source: remote,
      destination: local,
      action,
      priority: 100,
      template: template(info.remote.address, info.local.address),
    },
  ];
}

async function install(s: Side, info: ChildSaInfo, reqid: number, limits = NO_LIMITS): Promise<void> {
  const p = ipsecSaParamsFromChild(info, reqid, { limits });
  await s.backend.addSa(p.inbound);
  await s.backend.addSa(p.outbound);
}

async function tunnel(
  encryption: string | undefined,
  integrity: string | undefined,
  mode: 'tunnel' | 'transport',
  family: 4 | 6 = 4,
) {
  const clock = { now: 1000 };
  const a = side(clock);
  const b = side(clock);
  a.wire.deliver = (d) => b.backend.receiveEspInUdp(d);
  b.wire.deliver = (d) => a.backend.receiveEspInUdp(d);
  const v6 = family === 6;
  const pair = childPair({
    encryption,
    integrity,
    mode,
    ...(v6 ? { a: 'fd00::1', b: 'fd00::2' } : {}),
    ...(v6 && mode === 'tunnel' ? { aTs: 'fd01::/64', bTs: 'fd02::/64' } : {}),
  });
  for (const [s, info] of [
    [a, pair.a],
    [b, pair.b],
  ] as const) {
    for (const p of policies(info, 1)) await s.backend.addPolicy(p);
    await install(s, info, 1);
  }
  const hosts = {
    tunnel: v6 ? ['fd01::5', 'fd02::9'] : ['10.1.0.5', '10.2.0.9'],
    transport: v6 ? ['fd00::1', 'fd00::2'] : ['10.231.0.1', '10.231.0.2'],
  };
  const [aHost = '', bHost = ''] = hosts[mode];
  return { clock, a, b, pair, aHost, bHost };
}

const SUITES: readonly [string, string | undefined][] = ESP_CIPHERS.flatMap(
  (c): [string, string | undefined][] => (c.aead ? [[c.name, undefined]] : [[c.name, 'sha256']]),
).concat([
  ['aes128', 'md5'],
  ['aes128', 'sha1'],
  ['aes256', 'sha384'],
  ['aes256', 'sha512'],
  ['aes128', 'aesxcbc'],
]);

for (const mode of ['tunnel', 'transport'] as const) {
  test(`A's device to B's device and back, ${mode} mode, every transform; counters go up`, async () => {
    for (const [encryption, integrity] of SUITES) {
      const t = await tunnel(encryption, integrity, mode);
      const ab = udpPacket(t.aHost, t.bHost, Buffer.from(`to b with ${encryption}`));
      const ba = udpPacket(t.bHost, t.aHost, Buffer.from(`to a with ${encryption}/${integrity}`));
      t.a.device.inject(ab);
      t.b.device.inject(ba);
      assert.equal(t.b.device.written.length, 1, `${encryption}/${integrity} ${mode}`);
      assert.ok(t.b.device.written[0]?.equals(ab));
      assert.ok(t.a.device.written[0]?.equals(ba));
      // On the wire: ESP in UDP from port 4500 to 4500, SPI of the receiver.
      const sent = t.a.wire.sent[0];
      assert.ok(sent);
      assert.equal(sent.data.readUInt32BE(0), Number.parseInt(t.pair.a.spiOut, 16));
      assert.deepEqual([sent.local.port, sent.remote.port], [4500, 4500]);
      assert.equal(sent.remote.address, '10.231.0.2');
      const out = await t.a.backend.querySa({ spi: 0x0badf00d, protocol: 'esp', destination: '10.231.0.2' });
      const inB = await t.b.backend.querySa({ spi: 0x0badf00d, protocol: 'esp', destination: '10.231.0.2' });
      assert.equal(out.packets, 1n);
      assert.equal(inB.packets, 1n);
      assert.equal(out.bytes, BigInt(ab.length));
      assert.equal(out.lastUsedAt, 1000);
    }
  });
}

test('IPv6 outside and inside, both modes: packets pass both ways', async () => {
  for (const mode of ['tunnel', 'transport'] as const) {
    const t = await tunnel('aes256gcm16', undefined, mode, 6);
    const ab = udpPacket(t.aHost, t.bHost, Buffer.from('v6 to b'));
    const ba = udpPacket(t.bHost, t.aHost, Buffer.from('v6 to a'));
    t.a.device.inject(ab);
    t.b.device.inject(ba);
    assert.ok(t.b.device.written[0]?.equals(ab), mode);
    assert.ok(t.a.device.written[0]?.equals(ba), mode);
    assert.equal(t.a.wire.sent[0]?.remote.address, 'fd00::2');
  }
});

test('IPv4 inside an IPv6 tunnel and IPv6 inside an IPv4 tunnel', async () => {
  for (const [outer, inner] of [
    [
      ['fd00::1', 'fd00::2'],
      ['10.1.0.5', '10.2.0.9'],
    ],
    [
      ['10.231.0.1', '10.231.0.2'],
      ['fd01::5', 'fd02::9'],
    ],
  ] as const) {
    const clock = { now: 0 };
    const a = side(clock);
    const b = side(clock);
    a.wire.deliver = (d) => b.backend.receiveEspInUdp(d);
    b.wire.deliver = (d) => a.backend.receiveEspInUdp(d);
    const v4inner = inner[0].includes('.');
    const pair = childPair({
      encryption: 'aes128',
      integrity: 'sha256',
      a: outer[0],
      b: outer[1],
      aTs: v4inner ? '10.1.0.0/16' : 'fd01::/64',
      bTs: v4inner ? '10.2.0.0/16' : 'fd02::/64',
    });
    for (const [s, info] of [
      [a, pair.a],
      [b, pair.b],
    ] as const) {
      for (const p of policies(info, 1)) await s.backend.addPolicy(p);
      await install(s, info, 1);
    }
    const ab = udpPacket(inner[0], inner[1], Buffer.from('mixed'));
    const ba = udpPacket(inner[1], inner[0], Buffer.from('mixed back'));
    a.device.inject(ab);
    b.device.inject(ba);
    assert.ok(b.device.written[0]?.equals(ab), `${outer[0]} / ${inner[0]}`);
    assert.ok(a.device.written[0]?.equals(ba), `${outer[0]} / ${inner[0]}`);
    assert.equal(a.wire.sent[0]?.remote.address, outer[1]);
  }
});

test('a replayed, a tampered and an unknown-SPI datagram are dropped and counted, with one log line each kind', async () => {
  const t = await tunnel('aes128gcm16', undefined, 'tunnel');
  t.a.device.inject(udpPacket(t.aHost, t.bHost, Buffer.from('once')));
  const sent = t.a.wire.sent[0];
  assert.ok(sent);
  const datagram = { local: sent.remote, remote: sent.local };
  for (let i = 0; i < 5; i++) t.b.backend.receiveEspInUdp({ ...datagram, data: sent.data });
  const tampered = Buffer.from(sent.data);
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
  tampered.writeUInt32BE(2, 4); // a fresh sequence number, so the ICV decides
  t.b.backend.receiveEspInUdp({ ...datagram, data: tampered });
  const unknown = Buffer.from(sent.data);
  unknown.writeUInt32BE(0xdeadbeef, 0);
  t.b.backend.receiveEspInUdp({ ...datagram, data: unknown });
  t.b.backend.receiveEspInUdp({ ...datagram, data: Buffer.from([0xff]) }); // keepalive: ignored
  assert.equal(t.b.device.written.length, 1);
  const id = { spi: 0x0badf00d, protocol: 'esp' as const, destination: '10.231.0.2' };
  const drops = t.b.backend.saDrops(id);
  assert.equal(drops.replayed, 5, 'the first copy was delivered by the wire');
  assert.equal(drops['bad-icv'], 1);
  assert.equal((await t.b.backend.querySa(id)).dropped, 6n);
  assert.deepEqual((await t.b.backend.querySa(id)).dropReasons, { 'bad-icv': 1, replayed: 5 });
  assert.equal(t.b.backend.drops.unknownSpi, 1);
  assert.deepEqual(
    t.b.events.log.map((l) => l.message.replace(/ \(and.*/, '')),
    [
      'SA badf00d: inbound packet dropped (replayed)',
      'SA badf00d: inbound packet dropped (bad-icv)',
      'dropped ESP with unknown SPI deadbeef',
    ],
  );
});

test('trap policy: acquire once per reqid (again after 30 s), a few packets wait for the SA and leave with it', async () => {
  const clock = { now: 0 };
  const a = side(clock);
  const pair = childPair({ encryption: 'aes128', integrity: 'sha1' });
  for (const p of policies(pair.a, 9, 'trap')) await a.backend.addPolicy(p);
  const packet = (n: number) => udpPacket('10.1.0.5', '10.2.0.9', Buffer.from(`wake up ${n}`));
  for (let i = 0; i < 6; i++) a.device.inject(packet(i));
  assert.deepEqual(a.events.acquire, [{ reqid: 9, source: '10.1.0.5', destination: '10.2.0.9' }]);
  assert.equal(a.backend.drops.noSa, 2, 'four wait, two are dropped');
  clock.now = 29_999;
  a.device.inject(packet(6));
  assert.equal(a.events.acquire.length, 1);
  clock.now = 30_000;
  a.device.inject(packet(7));
  assert.equal(a.events.acquire.length, 2, 'asked again');
  assert.equal(a.backend.drops.noSa, 7, 'the four of the last round waited in vain');
  assert.equal(a.wire.sent.length, 0);
  const b = side(clock);
  a.wire.deliver = (d) => b.backend.receiveEspInUdp(d);
  await install(b, pair.b, 9);
  await install(a, pair.a, 9);
  assert.equal(a.wire.sent.length, 1, 'the waiting packet left with the SA');
  assert.deepEqual(b.device.written, [packet(7)], 'intact: a copy was queued, not the device buffer');
  a.device.inject(packet(8));
  assert.equal(a.wire.sent.length, 2);
  assert.deepEqual(
    a.wire.sent.map((d) => d.data.readUInt32BE(4)),
    [1, 2],
  );
  // A packet no policy covers is dropped and counted.
  a.device.inject(udpPacket('10.1.0.5', '10.3.0.1', Buffer.from('nowhere')));
  assert.equal(a.backend.drops.noPolicy, 1);
});

test('bypass and drop policies routed into the device: the packet is dropped and counted, no route added', async () => {
  const a = side({ now: 0 });
  const pair = childPair({ encryption: 'aes128', integrity: 'sha1' });
  const [out] = policies(pair.a, 1);
  assert.ok(out);
  await a.backend.addPolicy({ ...out, action: 'bypass', template: undefined, priority: 10 });
  await a.backend.addPolicy({
    ...out,
    action: 'drop',
    template: undefined,
    priority: 20,
    destination: parseSelector('10.3.0.0/16'),
  });
  await install(a, pair.a, 1);
  a.device.inject(udpPacket('10.1.0.5', '10.2.0.9', Buffer.from('bypass')));
  a.device.inject(udpPacket('10.1.0.5', '10.3.0.9', Buffer.from('drop')));
  assert.equal(a.backend.drops.noPolicy, 2);
  assert.equal(a.wire.sent.length, 0);
  assert.equal(a.routing.routes.size, 0);
});

test('soft and hard packet limits raise expire once each for the SA that reached them', async () => {
  const clock = { now: 0 };
  const a = side(clock);
  const pair = childPair({ encryption: 'aes256gcm16', integrity: undefined });
  for (const p of policies(pair.a, 3)) await a.backend.addPolicy(p);
  await install(a, pair.a, 3, { softBytes: 0n, hardBytes: 0n, softPackets: 2n, hardPackets: 4n });
  const packet = udpPacket('10.1.0.5', '10.2.0.9', Buffer.from('count me'));
  for (let i = 0; i < 6; i++) a.device.inject(packet);
  assert.deepEqual(a.events.expire, [
    { spi: 0x0badf00d, protocol: 'esp', destination: '10.231.0.2', hard: false },
    { spi: 0x0badf00d, protocol: 'esp', destination: '10.231.0.2', hard: true },
  ]);
  assert.equal(a.wire.sent.length, 4);
});

test('rekeying: the newest outbound SA of a reqid takes over; deleting it falls back to the older one', async () => {
  const t = await tunnel('aes128', 'sha256', 'tunnel');
  const fresh = childPair({ encryption: 'aes128', integrity: 'sha256' });
  const params = ipsecSaParamsFromChild(fresh.a, 1);
  const newer = { ...params.outbound, spi: 0x22222222 };
  await t.a.backend.addSa(newer);
  t.a.device.inject(udpPacket(t.aHost, t.bHost, Buffer.from('new SA')));
  assert.equal(t.a.wire.sent.at(-1)?.data.readUInt32BE(0), 0x22222222);
  await t.a.backend.deleteSa({ spi: 0x22222222, protocol: 'esp', destination: '10.231.0.2' });
  t.a.device.inject(udpPacket(t.aHost, t.bHost, Buffer.from('old SA')));
  assert.equal(t.a.wire.sent.at(-1)?.data.readUInt32BE(0), 0x0badf00d);
  await assert.rejects(
    t.a.backend.deleteSa({ spi: 0x22222222, protocol: 'esp', destination: '10.231.0.2' }),
    {
      code: 'ERR_DATAPLANE_NOT_FOUND',
    },
  );
});

test('a NAT mapping change is reported once, after the ICV verified (RFC 3948 section 3.3)', async () => {
  const t = await tunnel('aes128gcm16', undefined, 'tunnel');
  t.a.wire.natPort = 31000;
  const packet = udpPacket(t.aHost, t.bHost, Buffer.from('through a NAT'));
  t.a.device.inject(packet);
  t.a.device.inject(packet);
  assert.equal(t.b.device.written.length, 2);
  assert.deepEqual(t.b.events.mapping, [
    { spi: 0x0badf00d, protocol: 'esp', destination: '10.231.0.2', address: '10.231.0.1', port: 31000 },
  ]);
  // A forged packet from yet another port moves nothing.
  const sent = t.a.wire.sent[0];
  assert.ok(sent);
  const forged = Buffer.from(sent.data);
  forged.writeUInt32BE(99, 4);
  t.b.backend.receiveEspInUdp({
    local: sent.remote,
    remote: { address: '10.231.0.1', port: 1 },
    data: forged,
  });
  assert.equal(t.b.events.mapping.length, 1);
  await t.b.backend.updateSa(
    { spi: 0x0badf00d, protocol: 'esp', destination: '10.231.0.2' },
    {
      source: '10.231.0.1',
      destination: '10.231.0.2',
      encapsulation: { sourcePort: 31000, destinationPort: 4500 },
    },
  );
  t.a.device.inject(packet);
  assert.equal(t.b.events.mapping.length, 1);
  assert.equal(t.b.device.written.length, 3);
  // Another family cannot replace the outer addresses; the SA stays as it was.
  const id = { spi: 0x0badf00d, protocol: 'esp' as const, destination: '10.231.0.2' };
  await assert.rejects(
    t.b.backend.updateSa(id, {
      source: 'fd00::1',
      destination: 'fd00::2',
      encapsulation: { sourcePort: 1, destinationPort: 2 },
    }),
    { code: 'ERR_DATAPLANE_IO' },
  );
  assert.equal((await t.b.backend.querySa(id)).packets, 3n);
});

test('routes follow the out protect/trap policies, reference-counted; close removes the rest', async () => {
  const clock = { now: 0 };
  const a = side(clock);
  const pair = childPair({ encryption: 'aes128', integrity: 'sha1', aTs: '10.1.0.1/32' });
  const [out, inbound] = policies(pair.a, 1);
  assert.ok(out && inbound);
  await a.backend.addPolicy(out);
  await a.backend.addPolicy(inbound);
  const remote = parseSelector('10.2.0.0/16');
  assert.deepEqual([...a.routing.routes.entries()], [[`${remote.start}-${remote.end}`, '10.1.0.1']]);
  // The same direction and selectors replace the policy (XFRM's update, as the SPD expects when an
  // SA's policy takes over from a trap policy and back), and the route stays one.
  const second = { ...out, priority: 50, action: 'trap' as const };
  await a.backend.addPolicy(second);
  await a.backend.addPolicy(second);
  assert.deepEqual(
    a.backend
      .policies()
      .filter((p) => p.direction === 'out')
      .map((p) => [p.priority, p.action]),
    [[50, 'trap']],
  );
  assert.equal(a.routing.routes.size, 1, 'one route for the replaced policy');
  await a.backend.deletePolicy(out);
  assert.equal(a.routing.routes.size, 0);
  await assert.rejects(a.backend.deletePolicy(out), { code: 'ERR_DATAPLANE_NOT_FOUND' });
  await a.backend.addPolicy(out);
  await a.backend.bypassSocket({ fd: 16, family: 4, natt: false });
  await a.backend.bypassSocket({ fd: 17, family: 4, natt: true });
  assert.deepEqual(a.routing.marked, [16, 17]);
  assert.deepEqual(a.routing.buffers, [[17, 2 << 20]], 'the NAT-T socket, where ESP arrives, gets 2 MiB');
  await a.backend.close();
  assert.equal(a.routing.routes.size, 0);
});

test('SAs without UDP encapsulation, and AH, are refused with ERR_DATAPLANE_UNSUPPORTED', async () => {
  const a = side({ now: 0 });
  const pair = childPair({ encryption: 'aes128', integrity: 'sha1' });
  const p = ipsecSaParamsFromChild(pair.a, 1);
  await assert.rejects(a.backend.addSa({ ...p.outbound, encapsulation: undefined }), {
    code: 'ERR_DATAPLANE_UNSUPPORTED',
    message: /needs NAT-T encapsulation/,
  });
  const ah = childPair({ encryption: undefined, integrity: 'sha256', protocol: 'ah' });
  await assert.rejects(a.backend.addSa(ipsecSaParamsFromChild(ah.a, 1).inbound), {
    code: 'ERR_DATAPLANE_UNSUPPORTED',
  });
  await a.backend.addSa(p.inbound);
  await assert.rejects(a.backend.addSa(p.inbound), { code: 'ERR_DATAPLANE_EXISTS' });
  await assert.rejects(
    a.backend.addSa({ ...p.outbound, encryption: { name: 'aes128', key: Buffer.alloc(3) } }),
    {
      code: 'ERR_DATAPLANE_ALGORITHM',
    },
  );
  // A 3DES key whose thirds repeat is weak (RFC 2451 section 2.3), an address no address.
  const weak = Buffer.concat([Buffer.alloc(8, 1), Buffer.alloc(8, 1), Buffer.alloc(8, 2)]);
  await assert.rejects(a.backend.addSa({ ...p.outbound, encryption: { name: '3des', key: weak } }), {
    code: 'ERR_DATAPLANE_ALGORITHM',
  });
  await assert.rejects(a.backend.addSa({ ...p.outbound, destination: 'not-an-address' }), {
    code: 'ERR_DATAPLANE_IO',
  });
});

test('the pooled IV source hands out fresh bytes across pool refills', () => {
  const random = pooledRandom();
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const iv = Buffer.alloc(16);
    random(iv);
    seen.add(iv.toString('hex'));
  }
  assert.equal(seen.size, 1000);
});
