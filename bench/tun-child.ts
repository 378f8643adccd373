/**
 * The TUN device benchmark's worker, run inside a namespace that bench/tun.ts creates (root only):
 *   write MS          TunDevice.write of 100-byte IPv4 UDP packets the stack drops (no route)
 *   loop MS           write, the kernel forwards the packet back into the device, read: one process
 *   loop-1400 MS      the same with 1400-byte packets (the device's MTU)
 *   read MS           only reads: what a second process (`feed`) writes into its own device is
 *                     forwarded into this one
 *   feed MS           writes as fast as it can into its own device, towards the `read` worker
 *   routes MS         LinuxRouting.addRoute of distinct /32 routes (one `ip -batch` each), then close()
 *   loop-async MS     `loop` with the alternatives TunDevice does not use, for comparison: reads by
 *   loop-fs MS        koffi's async calls (a worker thread per call) or by fs.read (libuv's pool)
 * Each prints one JSON line {packets, seconds} (read: the packets it read in MS).
 */
import { execFileSync } from 'node:child_process';
import { read as fsRead, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { libc, O_CLOEXEC, O_NONBLOCK, O_RDWR } from '../src/dataplane/libc.js';
import { LinuxRouting } from '../src/dataplane/userspace/routing-linux.js';
import { TunDevice } from '../src/dataplane/userspace/tun-device.js';
import { ipv4Udp } from '../test/dataplane/packets.js';

const [mode = '', msText = '1000'] = process.argv.slice(2);
const ms = Number(msText);
const sysctl = (path: string, value: string) => writeFileSync(`/proc/sys/net/${path}`, value);
const ip = (...args: string[]) => execFileSync('ip', args);
const payload = Buffer.alloc(72, 0x5a); // 20 + 8 + 72 = 100-byte packets
const report = (packets: number, seconds: number) =>
  process.stdout.write(`${JSON.stringify({ packets, seconds })}\n`);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function writeOnly(): Promise<void> {
  const device = TunDevice.open({ name: 'bw%d' });
  const packet = ipv4Udp({
    source: '10.9.9.9',
    destination: '10.200.0.1',
    sourcePort: 1,
    destinationPort: 9,
    payload,
  });
  let packets = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 1000; i++) device.write(packet);
    packets += 1000;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (device.stats.packetsWritten !== packets)
    throw new Error(`write errors: ${JSON.stringify(device.stats)}`);
  await device.close();
  report(packets, seconds);
}

/** Forwarding on, reverse-path filter off: packets written into one device can leave by another. */
function forwardingNamespace(): void {
  sysctl('ipv4/ip_forward', '1');
  sysctl('ipv4/conf/all/rp_filter', '0');
  sysctl('ipv4/conf/default/rp_filter', '0');
}

async function loop(size: number): Promise<void> {
  forwardingNamespace();
  const device = TunDevice.open({ name: 'bl%d' });
  ip('route', 'add', '10.78.0.0/24', 'dev', device.name);
  const packet = ipv4Udp({
    source: '10.9.9.9',
    destination: '10.78.0.5',
    sourcePort: 1,
    destinationPort: 9,
    payload: Buffer.alloc(size - 28, 0x5a),
  });
  let read = 0;
  let written = 0;
  device.onPacket(() => {
    read++;
  });
  // A window of packets in flight (below the device's 500-packet queue), refilled each turn.
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    while (written - read < 256) {
      device.write(packet);
      written++;
    }
    await tick();
  }
  const seconds = (performance.now() - t0) / 1000;
  await device.close();
  report(read, seconds);
}

async function readOnly(): Promise<void> {
  forwardingNamespace();
  const device = TunDevice.open({ name: 'br%d' });
  ip('route', 'add', '10.78.0.0/24', 'dev', device.name);
  let read = 0;
  let t0 = 0;
  device.onPacket(() => {
    if (read++ === 0) t0 = performance.now();
  });
  process.stdout.write('ready\n');
  while (read === 0 || performance.now() - t0 < ms) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - t0) / 1000;
  report(read, seconds);
  await device.close();
}

async function feed(): Promise<void> {
  const device = TunDevice.open({ name: 'bf%d' });
  const packet = ipv4Udp({
    source: '10.9.9.9',
    destination: '10.78.0.5',
    sourcePort: 1,
    destinationPort: 9,
    payload,
  });
  let packets = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 1000; i++) device.write(packet);
    packets += 1000;
    await tick();
  }
  const seconds = (performance.now() - t0) / 1000;
  await device.close();
  report(packets, seconds);
}

async function routes(): Promise<void> {
  const device = TunDevice.open({ name: 'bt%d' });
  const routing = await LinuxRouting.open({ device: device.name });
  let added = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const address = 0x0a500000n + BigInt(added);
    await routing.addRoute({ family: 4, start: address, end: address, protocol: 0, port: 0 }, undefined);
    added++;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (routing.routes.size !== added) throw new Error('routes missing');
  await routing.close();
  await device.close();
  report(added, seconds);
}

/** A bare TUN fd (not a TunDevice) for the read methods TunDevice does not use. */
function bareTun(): { fd: number; name: string } {
  const c = libc();
  const fd = c.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC).result;
  const ifr = Buffer.alloc(40);
  ifr.write('bx%d');
  ifr.writeUInt16LE(0x0001 | 0x1000, 16); // IFF_TUN | IFF_NO_PI (little-endian machines)
  if (fd < 0 || c.ioctl(fd, 0x400454ca, ifr).result < 0) throw new Error('TUNSETIFF failed');
  const name = ifr.toString('utf8', 0, ifr.indexOf(0));
  ip('link', 'set', name, 'up');
  return { fd, name };
}

interface AsyncRead {
  async(fd: number, buffer: Buffer, length: number, done: (error: unknown, n: number) => void): void;
}

async function loopAlternative(method: 'async' | 'fs'): Promise<void> {
  forwardingNamespace();
  const { fd, name } = bareTun();
  ip('route', 'add', '10.78.0.0/24', 'dev', name);
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(path: string): { func(definition: string): AsyncRead };
  };
  const asyncRead = koffi.load('libc.so.6').func('long read(int fd, void *buf, size_t count)');
  const packet = ipv4Udp({
    source: '10.9.9.9',
    destination: '10.78.0.5',
    sourcePort: 1,
    destinationPort: 9,
    payload,
  });
  const buffer = Buffer.alloc(65535);
  let read = 0;
  let written = 0;
  let running = true;
  // One read in flight at a time, as a reader must to keep packets whole and in order.
  const next = (): void => {
    if (!running) return;
    const done = (error: unknown, n: number) => {
      if (error === null && n > 0) {
        Buffer.from(buffer.subarray(0, n));
        read++;
        next();
      } else setImmediate(next); // EAGAIN: nothing queued yet
    };
    if (method === 'async')
      asyncRead.async(fd, buffer, buffer.length, (e, n) => done(n < 0 ? (e ?? 'EAGAIN') : null, n));
    else fsRead(fd, buffer, 0, buffer.length, null, (e, n) => done(e, n));
  };
  next();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    while (written - read < 256) {
      libc().write(fd, packet);
      written++;
    }
    await tick();
  }
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  report(read, seconds);
  process.exit(0);
}

const modes: Record<string, () => Promise<void>> = {
  write: writeOnly,
  loop: () => loop(100),
  'loop-1400': () => loop(1400),
  read: readOnly,
  feed,
  routes,
  'loop-async': () => loopAlternative('async'),
  'loop-fs': () => loopAlternative('fs'),
};
const run = modes[mode];
if (run === undefined || !Number.isFinite(ms)) {
  process.stderr.write('usage: tun-child write|loop|read|feed MS\n');
  process.exit(2);
}
await run();
