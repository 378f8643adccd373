// Recreates the strongSwan captures in test/fixtures/captures/ with the interop harness.
// Run as root: test/fixtures/captures/regenerate.sh (builds, then runs this file).
// Each scenario: fresh namespace pair, charon a (initiator, ike log level 4 for the keys) and b,
// tshark on b's veth, exchange, optional traffic/DPD/delete, then <name>.pcapng + <name>.keys.json
// (+ the configs used under configs/<name>/), checked by letting tshark decrypt with the keys.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CAPTURE_PSK, CAPTURE_SCENARIOS, type CaptureScenario } from './capture-scenarios.js';
import {
  addSourceNat,
  type Charon,
  createNetnsPair,
  ensureTools,
  hostToHost,
  makeTestPki,
  type NetnsPair,
  renderSettings,
  run,
  type SwanctlSection,
  sendUdp,
  startCapture,
  startCharon,
} from './harness/index.js';
import { buildKeysFile, type KeysFile, tsharkDecryptOptions } from './keys-file.js';

// IKETS_CAPTURE_OUT redirects the output (e.g. to try the script without touching the fixtures).
const OUT_DIR =
  process.env.IKETS_CAPTURE_OUT ??
  fileURLToPath(new URL('../../../test/fixtures/captures/', import.meta.url));

async function sendTraffic(pair: NetnsPair, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    // through the tunnel: a -> b UDP/9999; b answers with ICMP port unreachable, also via ESP
    await sendUdp(pair.a.ns, pair.b.ipv4, 9999, `ikets-capture-${i}`);
    await sleep(100);
  }
}

async function runScenario(s: CaptureScenario, work: string): Promise<KeysFile> {
  const pair = await createNetnsPair();
  if (s.natPublicIpv4) await addSourceNat(pair.a, pair.b, s.natPublicIpv4);
  const peers: Charon[] = [];
  let capture: Awaited<ReturnType<typeof startCapture>> | undefined;
  try {
    const ids = { a: 'a.ikets.test', b: 'b.ikets.test' };
    const pki = s.auth === 'pubkey' ? await makeTestPki([ids.a, ids.b]) : undefined;
    const confs: Record<string, SwanctlSection> = {};
    for (const [me, other, self, peer] of [
      ['a', 'b', pair.a, pair.b],
      ['b', 'a', pair.b, pair.a],
    ] as const) {
      const conf = hostToHost({
        name: s.name,
        version: s.version,
        localAddr: self.ipv4,
        // behind the NAT, b sees a as the public address, and a proposes its private address as TS
        remoteAddr: me === 'b' && s.natPublicIpv4 ? s.natPublicIpv4 : peer.ipv4,
        ...(me === 'b' && s.natPublicIpv4 ? { childExtra: { remote_ts: `${pair.a.ipv4}/32` } } : {}),
        localId: pki ? `CN=${ids[me]}` : ids[me],
        remoteId: pki ? `CN=${ids[other]}` : ids[other],
        auth: s.auth,
        psk: CAPTURE_PSK,
        ...(pki ? { localCert: `${me}.crt` } : {}),
        proposals: s.proposals,
        espProposals: s.espProposals,
        ...(s.aggressive ? { aggressive: true } : {}),
        ...(s.dpdDelay ? { dpdDelay: s.dpdDelay } : {}),
      });
      confs[me] = conf;
      const creds = pki?.hosts[ids[me]];
      peers.push(
        await startCharon({
          name: `${s.name}-${me}`,
          netns: self.ns,
          log: { ike: me === 'a' ? 4 : 2, chd: me === 'a' ? 4 : 1 },
          ...(s.natPublicIpv4 ? { charon: { keep_alive: '1s' } } : {}),
          swanctl: conf,
          ...(pki && creds
            ? {
                files: {
                  'x509ca/ca.crt': pki.caPem,
                  [`x509/${me}.crt`]: creds.certPem,
                  [`private/${me}.key`]: creds.keyPem,
                },
              }
            : {}),
        }),
      );
    }
    const [a, b] = peers;
    if (!a || !b) throw new Error('peers missing');
    const pcap = join(work, `${s.name}.pcapng`);
    capture = await startCapture({
      iface: s.captureAny ? 'any' : pair.b.iface,
      netns: pair.b.ns,
      path: pcap,
    });
    await a.initiate(s.name);
    const ike = (await a.listSas()).ikeSas[0];
    if (ike?.state !== 'ESTABLISHED' || ike.childSas[0]?.state !== 'INSTALLED') {
      throw new Error(`${s.name}: not established:\n${a.readLog().slice(-3000)}`);
    }
    if (s.traffic) await sendTraffic(pair, s.captureAny ? 1 : 3);
    if (s.natPublicIpv4) {
      if (!(await a.waitForLog(/local host is behind NAT, sending keep alives/, 1000))) {
        throw new Error(`${s.name}: charon a did not detect the NAT`);
      }
      await sleep(2300); // two keepalives at keep_alive = 1s
    }
    if (s.dpdDelay) {
      const ack = s.version === 1 ? /N\(DPD_ACK\)/ : /INFORMATIONAL (request|response) \d+ \[ \]/;
      if (!(await a.waitForLog(ack, 8000)))
        throw new Error(
          `${s.name}: no DPD round seen:\n${a
            .readLog()
            .split('\n')
            .filter((l) => /DPD|INFORMATIONAL|keep|NAT|R_U/.test(l))
            .join('\n')}`,
        );
    }
    if (s.delete) {
      if (s.version === 1) {
        await a.terminate(s.name);
        await sleep(200);
      }
      await a.terminate(s.name, { ike: true });
      await sleep(300);
    } else {
      await sleep(200);
    }
    await capture.stop();
    capture = undefined;
    const log = a.readLog();
    const versionLine = /strongSwan ([0-9.]+)/.exec(log)?.[1] ?? 'unknown';
    const keys = buildKeysFile(s, log, ike, versionLine, { a: pair.a, b: pair.b }, CAPTURE_PSK);
    const configDir = join(OUT_DIR, 'configs', s.name);
    mkdirSync(configDir, { recursive: true });
    for (const [me, conf] of Object.entries(confs)) {
      writeFileSync(join(configDir, `${me}.swanctl.conf`), renderSettings(conf, `${s.name}, peer ${me}`));
    }
    writeFileSync(
      join(configDir, 'strongswan.conf'),
      readFileSync(join(a.runDir, 'strongswan.conf'), 'utf8').replaceAll(a.runDir, '/RUNDIR'),
    );
    copyFileSync(pcap, join(OUT_DIR, `${s.name}.pcapng`));
    chmodSync(join(OUT_DIR, `${s.name}.pcapng`), 0o644);
    writeFileSync(join(OUT_DIR, `${s.name}.keys.json`), `${JSON.stringify(keys, null, 2)}\n`);
    return keys;
  } finally {
    await capture?.stop();
    for (const p of peers) await p.stop();
    await pair.destroy();
  }
}

/** Lets tshark decrypt the capture with the keys; returns how many decrypted payload lines it shows. */
async function verifyDecryption(s: CaptureScenario, keys: KeysFile): Promise<number> {
  const pcap = join(OUT_DIR, `${s.name}.pcapng`);
  const opts = tsharkDecryptOptions(keys).flatMap((o) => ['-o', o]);
  const { stdout } = await run('tshark', ['-n', '-r', pcap, ...opts, '-V']);
  const marker = s.version === 1 ? /Payload: (Identification|Hash)/g : /Decrypted Data/g;
  return stdout.match(marker)?.length ?? 0;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = CAPTURE_SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name));
  const nat = selected.some((s) => s.natPublicIpv4 !== undefined);
  const tools = ensureTools([
    'charon',
    'swanctl',
    'pki',
    'ip',
    'unshare',
    'tshark',
    ...(nat ? (['nft'] as const) : []),
  ]);
  if (!tools.ok) throw new Error(tools.reason);
  const work = mkdtempSync(join(tmpdir(), 'ikets-captures-'));
  try {
    for (const s of selected) {
      const t0 = Date.now();
      const keys = await runScenario(s, work);
      const decrypted = await verifyDecryption(s, keys);
      if (decrypted === 0) throw new Error(`${s.name}: tshark could not decrypt with the saved keys`);
      console.log(`${s.name}: captured in ${Date.now() - t0} ms, tshark decrypted ${decrypted} payloads`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
