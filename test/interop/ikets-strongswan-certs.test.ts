// Signature authentication with X.509 certificates against strongSwan's charon, both roles: the
// ikets daemon (`ikets start`, credentials loaded from the swanctl folders beside its swanctl.conf)
// in namespace a, charon in namespace b, the same swanctl.conf text on both sides. RSA and ECDSA
// (P-256, P-384, P-521), Main and Aggressive Mode, Quick Mode after; ikets' intermediate CA sent along;
// then refusals: a certificate from a CA the other side does not trust, each way.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it, suite } from '../support/suite.js';
import { makeCert, type TestCert, type TestKeyType } from '../support/test-pki.js';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  type IketsDaemon,
  type NetnsPair,
  startCharon,
  startIketsDaemon,
  waitUntil,
} from './harness/index.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

const ca = makeCert('ikets Interop CA', { ca: true });
const otherCa = makeCert('Some Other CA', { ca: true });

interface Case {
  readonly keyType: TestKeyType;
  readonly aggressive: boolean;
  readonly initiator: 'ikets' | 'charon';
}

const CASES: Case[] = [
  { keyType: 'rsa', aggressive: false, initiator: 'ikets' },
  { keyType: 'rsa', aggressive: false, initiator: 'charon' },
  { keyType: 'rsa', aggressive: true, initiator: 'ikets' },
  { keyType: 'rsa', aggressive: true, initiator: 'charon' },
  { keyType: 'ec256', aggressive: false, initiator: 'ikets' },
  { keyType: 'ec256', aggressive: false, initiator: 'charon' },
  { keyType: 'ec256', aggressive: true, initiator: 'ikets' },
  { keyType: 'ec256', aggressive: true, initiator: 'charon' },
  { keyType: 'ec384', aggressive: false, initiator: 'ikets' },
  { keyType: 'ec384', aggressive: false, initiator: 'charon' },
  { keyType: 'ec521', aggressive: false, initiator: 'ikets' },
  { keyType: 'ec521', aggressive: false, initiator: 'charon' },
];

const METHOD: Record<TestKeyType, string> = {
  rsa: 'rsa',
  ec256: 'ecdsa256',
  ec384: 'ecdsa384',
  ec521: 'ecdsa521',
  dsa: 'dss',
};

/** The one swanctl.conf text both sides read (only addresses, names and files differ). */
function swanctl(self: 'a' | 'b', local: string, remote: string, aggressive: boolean): string {
  const other = self === 'a' ? 'b' : 'a';
  return `connections {
  gw {
    version = 1
    aggressive = ${aggressive ? 'yes' : 'no'}
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = aes128-sha256-modp2048
    local {
      auth = pubkey
      certs = ${self}.crt
      id = ${self}.ikets.test
    }
    remote {
      auth = pubkey
      id = ${other}.ikets.test
      cacerts = ca.crt
    }
    children {
      net {
        esp_proposals = aes128-sha256
        local_ts = dynamic
        remote_ts = dynamic
      }
    }
  }
}
`;
}

function files(self: 'a' | 'b', cert: TestCert, anchor: TestCert): Record<string, string> {
  return {
    [`x509/${self}.crt`]: cert.pem,
    'x509ca/ca.crt': anchor.pem,
    [`private/${self}.key`]: cert.key.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

suite('certificates: ikets <-> charon (RSA, ECDSA; Main and Aggressive Mode)', {
  skip: tools.ok ? false : tools.reason,
}, () => {
  let pair: NetnsPair | undefined;
  const running: { charon?: Charon; daemon?: IketsDaemon } = {};
  const dirs: string[] = [];

  before(async () => {
    pair = await createNetnsPair();
  });

  after(async () => {
    await running.daemon?.stop();
    await running.charon?.stop();
    await pair?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function startBoth(
    keyType: TestKeyType,
    aggressive: boolean,
    anchors: { ikets: TestCert; charon: TestCert } = { ikets: ca, charon: ca },
    iketsIssuer: TestCert = ca,
  ) {
    const p = pair ?? assert.fail('no namespaces');
    await running.daemon?.stop();
    await running.charon?.stop();
    const certA = makeCert('a.ikets.test', { keyType, issuer: iketsIssuer, san: ['DNS:a.ikets.test'] });
    const certB = makeCert('b.ikets.test', { keyType, issuer: ca, san: ['DNS:b.ikets.test'] });
    const charon = await startCharon({
      name: `certs-${keyType}`,
      netns: p.b.ns,
      kernel: 'libipsec',
      swanctl: swanctl('b', p.b.ipv4, p.a.ipv4, aggressive),
      files: files('b', certB, anchors.charon),
    });
    running.charon = charon;
    const dir = mkdtempSync(join(tmpdir(), 'ikets-certs-'));
    dirs.push(dir);
    const ours = files('a', certA, anchors.ikets);
    // An intermediate CA in x509/ goes with our certificate (charon trusts only the root).
    if (iketsIssuer !== ca) ours['x509/intermediate.crt'] = iketsIssuer.pem;
    for (const [rel, content] of Object.entries(ours)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), content, { mode: rel.startsWith('private/') ? 0o600 : 0o644 });
    }
    const daemon = await startIketsDaemon({
      ns: p.a.ns,
      dir,
      name: 'a',
      swanctl: swanctl('a', p.a.ipv4, p.b.ipv4, aggressive),
      args: ['--dataplane', 'none'],
    });
    running.daemon = daemon;
    return { charon, daemon };
  }

  for (const c of CASES) {
    const mode = c.aggressive ? 'Aggressive' : 'Main';
    it(`${METHOD[c.keyType]} in ${mode} Mode, ${c.initiator} initiates; Quick Mode after`, async () => {
      const { charon, daemon } = await startBoth(c.keyType, c.aggressive);
      if (c.initiator === 'ikets') {
        const up = await daemon.ikets(['up', 'net', '--timeout', '20']);
        assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${daemon.log()}\n${charon.readLog()}`);
      } else {
        await charon.initiate('net', { timeoutS: 20 }).catch((error: Error) => {
          assert.fail(`${error.message}\n${charon.readLog()}\n${daemon.log()}`);
        });
      }
      let listing = await charon.listSas();
      await waitUntil(async () => {
        listing = await charon.listSas();
        return listing.ikeSas.some(
          (s) => s.state === 'ESTABLISHED' && s.childSas.some((ch) => ch.state === 'INSTALLED'),
        );
      }, 15_000);
      const ike = listing.ikeSas.find((s) => s.state === 'ESTABLISHED');
      assert.ok(ike !== undefined, `${charon.readLog()}\n${daemon.log()}`);
      assert.equal(ike.remoteId, 'a.ikets.test');
      assert.ok(
        ike.childSas.some((ch) => ch.state === 'INSTALLED'),
        JSON.stringify(ike),
      );
      const sas = await daemon.ikets(['list-sas']);
      assert.match(sas.stdout, /ESTABLISHED|established/, sas.stdout);
      assert.match(sas.stdout, new RegExp(METHOD[c.keyType]), sas.stdout);
      assert.match(charon.readLog(), /authentication of 'a.ikets.test' with .* successful/);
      assert.match(daemon.log(), /authentication of 'b.ikets.test' with .* successful/);
    });
  }

  it('ikets sends its intermediate CA with its certificate; charon, trusting the root, accepts the chain', async () => {
    const intermediate = makeCert('ikets Interop Intermediate', { ca: true, issuer: ca, keyType: 'ec256' });
    const { charon, daemon } = await startBoth('ec256', false, { ikets: ca, charon: ca }, intermediate);
    const up = await daemon.ikets(['up', 'net', '--timeout', '20']);
    assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${daemon.log()}\n${charon.readLog()}`);
    assert.match(
      charon.readLog(),
      /received cert "CN=ikets Interop Intermediate"|received issuer cert "CN=ikets Interop Intermediate"/,
    );
    assert.match(charon.readLog(), /authentication of 'a.ikets.test' with .* successful/);
  });

  // Issue 8: certificate chains exceed the path MTU; with fragmentation (both sides' default
  // `fragmentation = yes`, 1280-byte datagrams) they go in IKE fragments, not IP fragments.
  for (const initiator of ['ikets', 'charon'] as const)
    it(`a chain larger than one datagram goes in IKE fragments (${initiator} initiates)`, async () => {
      const intermediate = makeCert('ikets Interop RSA Intermediate', { ca: true, issuer: ca });
      const { charon, daemon } = await startBoth('rsa', false, { ikets: ca, charon: ca }, intermediate);
      if (initiator === 'ikets') {
        const up = await daemon.ikets(['up', 'net', '--timeout', '20']);
        assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${daemon.log()}\n${charon.readLog()}`);
      } else {
        await charon.initiate('net', { timeoutS: 20 }).catch((error: Error) => {
          assert.fail(`${error.message}\n${charon.readLog()}\n${daemon.log()}`);
        });
      }
      const why = `${daemon.log()}\n${charon.readLog()}`;
      // charon's log: fragments of ours received and reassembled into a message above 1280 bytes.
      const joined = /received fragment #(\d+), reassembled fragmented IKE message \((\d+) bytes\)/.exec(
        charon.readLog(),
      );
      assert.ok(joined !== null, why);
      assert.ok(Number(joined[1]) >= 2 && Number(joined[2]) > 1280, joined[0]);
      assert.match(
        charon.readLog(),
        /received issuer cert "CN=ikets Interop RSA Intermediate"|received cert "CN=ikets Interop RSA Intermediate"/,
        why,
      );
      assert.match(charon.readLog(), /authentication of 'a.ikets.test' with .* successful/, why);
      assert.match(daemon.log(), /authentication of 'b.ikets.test' with .* successful/, why);
    });

  it('charon refuses a certificate from a CA it does not trust; ikets hears why', async () => {
    const { charon, daemon } = await startBoth('rsa', false, { ikets: ca, charon: otherCa });
    const up = await daemon.ikets(['up', 'net', '--timeout', '20']);
    assert.notEqual(up.code, 0);
    assert.match(
      charon.readLog(),
      /no trusted RSA public key found for 'a.ikets.test'|signature validation failed|no issuer certificate found/,
    );
    assert.match(daemon.log(), /phase 1 failed: the peer refused: AUTHENTICATION_FAILED/);
    assert.doesNotMatch(daemon.log(), /no secret matches/);
  });

  it('ikets refuses charon certificate from a CA it does not trust, with the reason', async () => {
    const { charon, daemon } = await startBoth('rsa', false, { ikets: otherCa, charon: ca });
    const up = await daemon.ikets(['up', 'net', '--timeout', '20']);
    assert.notEqual(up.code, 0);
    assert.match(daemon.log(), /certificate refused \(untrusted\)/, daemon.log());
    await waitUntil(
      async () => /INVALID_CERTIFICATE|deleting IKE_SA|received DELETE/.test(charon.readLog()),
      5000,
    ).catch(() => undefined);
  });
});
