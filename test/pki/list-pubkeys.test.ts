/**
 * pubkey/ in the daemon (issue 9): loaded at start and on reload together with the configuration and
 * the other folders (both or neither), listed by `ikets list-certs` as swanctl lists raw public keys,
 * and the warnings for an `auth = pke` connection whose keys are missing, naming swanctl.conf:line.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DaemonService } from '../../src/daemon/index.js';
import type { CredentialListing } from '../../src/pki/index.js';
import { ikets } from '../cli/run.js';
import { startFakeService } from '../daemon/helpers.js';
import { TestPki } from './openssl.js';

const pki = new TestPki();
const peerKey = pki.key('peer', 'rsa');
const peerDer = join(pki.dir, 'peer.pub.der');
pki.openssl('pkey', '-in', peerKey, '-pubout', '-outform', 'DER', '-out', peerDer);
const peerPem = join(pki.dir, 'peer.pub.pem');
pki.openssl('pkey', '-in', peerKey, '-pubout', '-out', peerPem);
const peerRsaPub = join(pki.dir, 'peer.rsapub.der');
pki.openssl('rsa', '-pubin', '-in', peerPem, '-RSAPublicKey_out', '-outform', 'DER', '-out', peerRsaPub);
const colonSha1 = (file: string) =>
  (createHash('sha1').update(readFileSync(file)).digest('hex').match(/../g) ?? []).join(':');

/** A PKE connection: the peer's key from pubkey/ (and a second, missing one), ours missing. */
const PKE_CONFIG = `connections {
  pk {
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    local {
      auth = pke
      certs = moon.crt
    }
    remote {
      auth = pke
      id = peer.test
      pubkeys = peer.pem, gone.pem
    }
    children { net { } }
  }
}
`;

describe('pubkey/ in the daemon', () => {
  let service: DaemonService;
  let control: string;
  let dir: string;
  let configFile: string;
  const logs: string[] = [];

  before(async () => {
    ({ service, control, dir, configFile } = await startFakeService((line) => logs.push(line)));
    mkdirSync(join(dir, 'pubkey'));
    copyFileSync(peerPem, join(dir, 'pubkey', 'peer.pem'));
    writeFileSync(configFile, PKE_CONFIG);
    const reload = await ikets(['reload', '--control', control]);
    assert.equal(reload.status, 0, reload.stderr);
  });
  after(async () => {
    await service.stop();
    pki.cleanup();
  });

  it('loads the keys on reload and warns, with file:line, about what the pke connection lacks', () => {
    assert.equal(service.daemon.credentials.findPublicKey('peer.pem')?.keySize, 2048);
    assert.ok(
      logs.some((l) =>
        l.includes(
          'loaded 0 certificate(s), 0 CA certificate(s), 0 CRL(s), 0 private key(s), 1 public key(s)',
        ),
      ),
    );
    const warned = (text: string) => logs.some((l) => l.includes(text));
    assert.ok(
      warned(
        `${configFile}:5: local certs = moon.crt: no such certificate was loaded from x509/; auth = pke cannot work`,
      ),
      logs.join('\n'),
    );
    assert.ok(
      warned(`${configFile}:9: remote pubkeys = gone.pem: no such public key was loaded from pubkey/`),
    );
    assert.ok(!warned('no RSA public key of the peer'), 'peer.pem is usable');
  });

  it('ikets list-certs lists them as swanctl --list-certs does', async () => {
    const run = await ikets(['list-certs', '--control', control]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        '',
        'List of Raw Public Keys',
        '',
        '  pubkey:    RSA 2048 bits',
        `  keyid:     ${colonSha1(peerDer)}`,
        `  subjkey:   ${colonSha1(peerRsaPub)}`,
        '',
      ].join('\n'),
    );
    const json = await ikets(['list-certs', '--json', '--control', control]);
    const listing = JSON.parse(json.stdout) as CredentialListing;
    assert.deepEqual(listing.publicKeys, [
      {
        folder: 'pubkey',
        file: 'peer.pem',
        keyType: 'rsa',
        keySize: 2048,
        keyId: colonSha1(peerDer),
        subjKey: colonSha1(peerRsaPub),
        hasPrivateKey: false,
      },
    ]);
  });

  it('a reload with a bad pubkey/ file keeps the configuration and credentials in force', async () => {
    const bad = join(dir, 'pubkey', 'peer.rsapub.der');
    copyFileSync(peerRsaPub, bad);
    writeFileSync(configFile, PKE_CONFIG.replace('pk {', 'pk2 {'));
    try {
      const reload = await ikets(['reload', '--control', control]);
      assert.equal(reload.status, 1);
      assert.match(reload.stderr, new RegExp(`${bad}: a PKCS#1 RSAPublicKey \\(DER\\): `));
      assert.deepEqual(
        service.daemon.config.connections.map((c) => c.name),
        ['pk'],
        'the configuration in force is kept',
      );
      assert.equal(service.daemon.credentials.publicKeyFiles.length, 1);
    } finally {
      rmSync(bad);
      writeFileSync(configFile, PKE_CONFIG);
    }
  });

  it('a key added to pubkey/ appears on the next reload, its private half noticed', async () => {
    mkdirSync(join(dir, 'private'), { recursive: true });
    copyFileSync(peerDer, join(dir, 'pubkey', 'peer.der'));
    copyFileSync(peerKey, join(dir, 'private', 'peer.key'));
    chmodSync(join(dir, 'private', 'peer.key'), 0o600);
    const reload = await ikets(['reload', '--control', control]);
    assert.equal(reload.status, 0, reload.stderr);
    const run = await ikets(['list-certs', '--control', control]);
    assert.equal(run.stdout.match(/pubkey: {4}RSA 2048 bits, has private key\n/g)?.length, 2);
  });
});
