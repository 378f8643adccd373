import {
  createCipheriv,
  createECDH,
  createHmac,
  diffieHellman,
  generateKeyPairSync,
  getDiffieHellman,
} from 'node:crypto';
import { CBC_CIPHERS, cbcEncrypt } from '../src/crypto/cbc.js';
import { DH_GROUPS, type DhGroup } from '../src/crypto/dh/index.js';
import { prf } from '../src/crypto/prf.js';
import type { BenchCase, BenchSuite } from './harness.js';

// Crypto benchmarks: per DH group key generation and shared secrets, the HMAC PRF and AES-CBC,
// each beside the plain node:crypto way of doing the same.

const NODE_MODP: Readonly<Record<number, string>> = {
  1: 'modp1',
  2: 'modp2',
  5: 'modp5',
  14: 'modp14',
  15: 'modp15',
  16: 'modp16',
  17: 'modp17',
  18: 'modp18',
};

function dhCases(group: DhGroup): BenchCase[] {
  const peer = group.generate();
  const mine = group.generate();
  if (group.kind === 'modp') {
    const name = NODE_MODP[group.id] ?? '';
    // Baseline: what one would write with node:crypto alone, a fresh group object per key.
    const nodeSide = getDiffieHellman(name);
    nodeSide.generateKeys();
    return [
      {
        name: `DH ${group.name} (${group.id}) keygen`,
        ikets: () => group.generate(),
        baseline: () => getDiffieHellman(name).generateKeys(),
      },
      {
        name: `DH ${group.name} (${group.id}) g^xy`,
        ikets: () => mine.computeSecret(peer.publicValue),
        baseline: () => nodeSide.computeSecret(peer.publicValue),
      },
    ];
  }
  if (group.kind === 'ecp') {
    const curve = (group as unknown as { curve: string }).curve;
    const nodeSide = createECDH(curve);
    nodeSide.generateKeys();
    const peerPoint = Buffer.concat([Buffer.from([4]), peer.publicValue]);
    return [
      {
        name: `DH ${group.name} (${group.id}) keygen`,
        ikets: () => group.generate(),
        baseline: () => createECDH(curve).generateKeys(),
      },
      {
        name: `DH ${group.name} (${group.id}) g^xy`,
        ikets: () => mine.computeSecret(peer.publicValue),
        baseline: () => nodeSide.computeSecret(peerPoint),
      },
    ];
  }
  const generate = () => (group.id === 31 ? generateKeyPairSync('x25519') : generateKeyPairSync('x448'));
  const a = generate();
  const b = generate();
  return [
    {
      name: `DH ${group.name} (${group.id}) keygen`,
      ikets: () => group.generate(),
      baseline: generate,
    },
    {
      name: `DH ${group.name} (${group.id}) g^xy`,
      ikets: () => mine.computeSecret(peer.publicValue),
      baseline: () => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }),
    },
  ];
}

export const dhSuite: BenchSuite = {
  name: 'crypto',
  cases: () => DH_GROUPS.flatMap(dhCases),
};

export const symmetricSuite: BenchSuite = {
  name: 'crypto',
  cases: () => {
    const key = Buffer.alloc(20, 0x0b);
    const small = Buffer.alloc(64, 0x61);
    const aesKey = Buffer.alloc(16, 0x2b);
    const iv = Buffer.alloc(16, 0x01);
    const message = Buffer.alloc(1024, 0x61);
    return [
      {
        name: 'PRF HMAC-SHA1, 64-byte input',
        ikets: () => prf('sha1', key, small),
        baseline: () => createHmac('sha1', key).update(small).digest(),
      },
      {
        name: 'PRF HMAC-SHA256, 64-byte input',
        ikets: () => prf('sha256', key, small),
        baseline: () => createHmac('sha256', key).update(small).digest(),
      },
      {
        name: 'AES-128-CBC, 1 KiB message',
        bytes: message.length,
        ikets: () => cbcEncrypt(CBC_CIPHERS.aes128, aesKey, iv, message),
        baseline: () => {
          const c = createCipheriv('aes-128-cbc', aesKey, iv);
          c.setAutoPadding(false);
          return Buffer.concat([c.update(message), c.final()]);
        },
      },
    ];
  },
};

export const cryptoSuites: readonly BenchSuite[] = [dhSuite, symmetricSuite];
