import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import { isDrop } from '../src/dataplane/esp/drop.js';
import { espProtect, espUnprotect } from '../src/dataplane/esp/esp.js';
import { IpsecSa, type SaSpec } from '../src/dataplane/esp/sa.js';
import { pooledRandom } from '../src/dataplane/userspace/backend.js';
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
