import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import type { IpsecSaParams, PolicyParams } from '../src/dataplane/backend.js';
import { isDrop } from '../src/dataplane/esp/drop.js';
import { espProtect, espUnprotect } from '../src/dataplane/esp/esp.js';
import { parseSelector } from '../src/dataplane/esp/from-child.js';
import { IpsecSa, NO_LIMITS, type SaSpec } from '../src/dataplane/esp/sa.js';
import { UserspaceBackend } from '../src/dataplane/userspace/backend.js';
import { pooledRandom } from '../src/dataplane/userspace/random-pool.js';
import type { BenchCase, BenchSuite } from './harness.js';

// The userspace ESP engine: one 1400-byte IPv4 packet protected by an outbound SA and unprotected
// by the matching inbound SA per iteration (tunnel mode, what a userspace data plane does per
// packet, minus the TUN and socket I/O). Beside it, the bare node:crypto work for the same packet
// (the cipher and MAC calls alone), so the ratio is the engine's own overhead.

const PACKET = 1400;

function packet(): Buffer {
  const p = Buffer.alloc(PACKET, 0x5a);
  p[0] = 0x45;
  p.writeUInt16BE(PACKET, 2);
  p[9] = 17;
  Buffer.from([10, 1, 0, 5, 10, 2, 0, 9]).copy(p, 12);
  return p;
}

function keyed(n: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
}

function espCase(
  label: string,
  encryption: SaSpec['encryption'],
  integrity: SaSpec['integrity'],
): BenchCase[] {
  const base = {
    protocol: 'esp' as const,
    mode: 'tunnel' as const,
    spi: 0x1000,
    source: '192.0.2.1',
    destination: '192.0.2.2',
    encryption,
    integrity,
  };
  const out = new IpsecSa({ ...base, direction: 'out' });
  const inbound = new IpsecSa({ ...base, direction: 'in', replayWindow: 0 });
  const random = pooledRandom();
  const p = packet();
  let now = 0;
  const roundTrip = (): void => {
    const esp = espProtect(out, p, now++, random);
    if (isDrop(esp)) throw new Error(`protect: ${esp}`);
    const back = espUnprotect(inbound, esp, now);
    if (isDrop(back)) throw new Error(`unprotect: ${back}`);
  };
  // Baseline: encrypt + MAC and MAC-check + decrypt of the same bytes with node:crypto directly.
  const key = encryption?.key ?? Buffer.alloc(0);
  const iv = Buffer.alloc(16);
  const body = Buffer.alloc(PACKET + 8, 0x5a);
  let baseline: () => void;
  if (encryption?.name.includes('gcm')) {
    const nonce = Buffer.alloc(12);
    baseline = () => {
      randomFillSync(nonce, 4, 8);
      const c = createCipheriv('aes-128-gcm', key.subarray(0, 16), nonce, { authTagLength: 16 });
      c.setAAD(iv.subarray(0, 8));
      const ct = Buffer.concat([c.update(body), c.final()]);
      const tag = c.getAuthTag();
      const d = createDecipheriv('aes-128-gcm', key.subarray(0, 16), nonce, { authTagLength: 16 });
      d.setAAD(iv.subarray(0, 8));
      d.setAuthTag(tag);
      Buffer.concat([d.update(ct), d.final()]);
    };
  } else {
    const cipher = encryption?.name === 'aes256' ? 'aes-256-cbc' : 'aes-128-cbc';
    const hash = integrity?.name ?? 'sha1';
    const mac = integrity?.key ?? Buffer.alloc(20);
    baseline = () => {
      randomFillSync(iv);
      const c = createCipheriv(cipher, key, iv).setAutoPadding(false);
      const ct = Buffer.concat([c.update(body), c.final()]);
      createHmac(hash, mac).update(ct).digest();
      createHmac(hash, mac).update(ct).digest();
      const d = createDecipheriv(cipher, key, iv).setAutoPadding(false);
      Buffer.concat([d.update(ct), d.final()]);
    };
  }
  return [
    { name: `ESP ${label} protect+unprotect ${PACKET} B`, ikets: roundTrip, baseline, bytes: PACKET },
    { name: `ESP ${label} protect+unprotect ${PACKET} B (packets)`, ikets: roundTrip, baseline },
  ];
}

/**
 * The whole userspace path minus the system calls: a packet read from A's device goes through A's
 * SPD and ESP, "arrives" at B as ESP-in-UDP, is checked against B's SA and policy and written to
 * B's device.
 */
async function backendCase(label: string, encryption: SaSpec['encryption'], integrity: SaSpec['integrity']) {
  const local = parseSelector('10.1.0.0/16');
  const remote = parseSelector('10.2.0.0/16');
  let inject: (p: Uint8Array) => void = () => {};
  let delivered = 0;
  const noRoutes = {
    addRoute: async () => {},
    deleteRoute: async () => {},
    markSocket: () => {},
    close: async () => {},
  };
  const b = new UserspaceBackend({
    device: { name: 'b', write: () => void delivered++, onPacket: () => {}, close: async () => {} },
    routing: noRoutes,
    port: { send: () => {} },
    clock: () => 0,
  });
  const a = new UserspaceBackend({
    device: { name: 'a', write: () => {}, onPacket: (r) => (inject = r), close: async () => {} },
    routing: noRoutes,
    port: { send: (l, r, data) => b.receiveEspInUdp({ local: r, remote: l, data }) },
    clock: () => 0,
  });
  const sa = (direction: 'in' | 'out'): IpsecSaParams => ({
    reqid: 1,
    direction,
    protocol: 'esp',
    spi: 0x1000,
    mode: 'tunnel',
    source: '192.0.2.1',
    destination: '192.0.2.2',
    encapsulation: { sourcePort: 4500, destinationPort: 4500 },
    encryption:
      encryption === undefined ? undefined : { name: encryption.name, key: Buffer.from(encryption.key) },
    integrity:
      integrity === undefined ? undefined : { name: integrity.name, key: Buffer.from(integrity.key) },
    replayWindow: 0,
    limits: NO_LIMITS,
    localTs: direction === 'out' ? local : remote,
    remoteTs: direction === 'out' ? remote : local,
  });
  const template = {
    reqid: 1,
    protocol: 'esp' as const,
    mode: 'tunnel' as const,
    source: '',
    destination: '',
  };
  const policy = (
    direction: 'in' | 'out',
    source: typeof local,
    destination: typeof local,
  ): PolicyParams => ({
    direction,
    source,
    destination,
    action: 'protect',
    priority: 1,
    template,
  });
  await a.addSa(sa('out'));
  await a.addPolicy(policy('out', local, remote));
  await b.addSa(sa('in'));
  await b.addPolicy(policy('in', local, remote));
  const p = packet();
  return {
    name: `userspace backend ${label} device->ESP-in-UDP->device ${PACKET} B (packets)`,
    ikets: () => {
      const before = delivered;
      inject(p);
      if (delivered !== before + 1) throw new Error('packet lost');
    },
  };
}

export const backendSuite = async (): Promise<BenchSuite> => {
  const cases = [
    await backendCase('aes128gcm16', { name: 'aes128gcm16', key: keyed(20, 1) }, undefined),
    await backendCase(
      'aes128-sha256',
      { name: 'aes128', key: keyed(16, 2) },
      { name: 'sha256', key: keyed(32, 3) },
    ),
    await backendCase(
      'aes256-sha1',
      { name: 'aes256', key: keyed(32, 4) },
      { name: 'sha1', key: keyed(20, 5) },
    ),
  ];
  return { name: 'dataplane', cases: () => cases };
};

export const espSuites: readonly BenchSuite[] = [
  {
    name: 'dataplane',
    cases: () => [
      ...espCase('aes128gcm16', { name: 'aes128gcm16', key: keyed(20, 1) }, undefined),
      ...espCase(
        'aes128-sha256',
        { name: 'aes128', key: keyed(16, 2) },
        { name: 'sha256', key: keyed(32, 3) },
      ),
      ...espCase('aes256-sha1', { name: 'aes256', key: keyed(32, 4) }, { name: 'sha1', key: keyed(20, 5) }),
    ],
  },
];
