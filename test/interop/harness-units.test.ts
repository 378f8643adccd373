// The harness's pure parts (config rendering, log parsing, process state); no root needed.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ensureTools,
  firstDump,
  hostToHost,
  keyDumps,
  procRunning,
  procState,
  renderSettings,
  renderStrongswanConf,
} from './harness/index.js';

describe('renderSettings', () => {
  it('renders sections, booleans, numbers, lists and quotes values that need it', () => {
    const text = renderSettings(
      {
        a: {
          b: true,
          c: false,
          n: 3,
          list: ['x', 'y'],
          q: 'two words',
          e: '',
          skip: undefined,
          s: { k: 'C=CH, O=x' },
        },
      },
      'hello',
    );
    assert.equal(
      text,
      [
        '# hello',
        'a {',
        '  b = yes',
        '  c = no',
        '  n = 3',
        '  list = x,y',
        '  q = "two words"',
        '  e = ""',
        '  s {',
        '    k = "C=CH, O=x"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    assert.equal(renderSettings({ k: 'say "hi" \\' }), 'k = "say \\"hi\\" \\\\"\n');
    assert.throws(() => renderSettings({ 'bad key': 1 }), TypeError);
  });

  it('hostToHost builds a PSK connection with secrets, or a pubkey one with certs', () => {
    const psk = hostToHost({
      name: 'c',
      version: 1,
      localAddr: '10.0.0.1',
      remoteAddr: '10.0.0.2',
      localId: 'a',
      remoteId: 'b',
      auth: 'psk',
      psk: 'secret',
      aggressive: true,
      dpdDelay: '2s',
    });
    const text = renderSettings(psk);
    assert.match(text, /connections \{\n {2}c \{\n {4}version = 1\n/);
    assert.match(text, /aggressive = yes/);
    assert.match(text, /dpd_delay = 2s/);
    assert.match(text, /children \{\n {6}c \{\n {8}esp_proposals = aes128-sha256-modp2048/);
    assert.match(
      text,
      /secrets \{\n {2}ike-test \{\n {4}id-local = a\n {4}id-remote = b\n {4}secret = secret/,
    );
    const rsa = renderSettings(
      hostToHost({
        name: 'r',
        version: 2,
        localAddr: 'fd31::1',
        remoteAddr: 'fd31::2',
        localId: 'CN=a',
        remoteId: 'CN=b',
        auth: 'pubkey',
        localCert: 'a.crt',
      }),
    );
    assert.match(rsa, /local \{\n {6}auth = pubkey\n {6}id = CN=a\n {6}certs = a.crt\n/);
    assert.doesNotMatch(rsa, /secrets/);
  });
});

describe('renderStrongswanConf', () => {
  const conf = renderStrongswanConf({
    runDir: '/tmp/x',
    port: 1500,
    nattPort: 14500,
    kernel: 'libipsec',
    log: { ike: 4 },
    charon: { keep_alive: '1s' },
  });
  it('loads kernel-libipsec before kernel-netlink and sets the fwmark pair', () => {
    const load = /load = "([^"]+)"/.exec(conf)?.[1] ?? '';
    assert.ok(
      load.indexOf('kernel-libipsec') < load.indexOf('kernel-netlink') && load.includes('kernel-libipsec'),
    );
    assert.match(conf, /kernel-netlink \{\n\s+fwmark = !0x42/);
    assert.match(conf, /socket-default \{\n\s+fwmark = 0x42/);
    assert.match(conf, /allow_peer_ts = yes/);
  });
  it('puts ports, the vici socket, the log and extra settings where charon reads them', () => {
    assert.match(conf, /port = 1500\n\s+port_nat_t = 14500/);
    assert.match(conf, /socket = unix:\/\/\/tmp\/x\/charon.vici/);
    assert.match(conf, /path = \/tmp\/x\/charon.log/);
    assert.match(conf, /ike = 4/);
    assert.match(conf, /keep_alive = 1s/);
    assert.match(conf, /i_dont_care_about_security_and_use_aggressive_mode_psk = yes/);
    const netlink = renderStrongswanConf({
      runDir: '/r',
      port: 500,
      nattPort: 4500,
      kernel: 'netlink',
      log: {},
    });
    assert.doesNotMatch(netlink, /kernel-libipsec kernel-netlink/);
  });
});

describe('keyDumps', () => {
  const log = [
    '09:00:23 11[IKE] <mm|1> SKEYID_e => 20 bytes @ 0x7f5c54001ec0',
    '09:00:23 11[IKE] <mm|1>    0: E0 91 7D 45 95 9A A3 1E DB 9B 1A 3A 99 D0 74 C4  ..}E.......:..t.',
    '09:00:23 11[IKE] <mm|1>   16: B5 36 DD 70                                      .6.p',
    '09:00:23 11[IKE] <mm|1> encryption key Ka => 16 bytes @ 0x7f5c54001ec0',
    '09:00:23 11[IKE] <mm|1>    0: E0 91 7D 45 95 9A A3 1E DB 9B 1A 3A 99 D0 74 C4  ..}E.......:..t.',
    '09:00:23 11[IKE] <mm|1> remote host is behind NAT',
    '09:00:24 12[IKE] <mm|2> encryption key Ka => 16 bytes @ 0x7f5c54001ec0',
    '09:00:24 12[IKE] <mm|2>    0: 00 91 7D 45 95 9A A3 1E DB 9B 1A 3A 99 D0 74 C4  ..}E.......:..t.',
  ].join('\n');
  it('collects multi-line dumps with their IKE SA tag', () => {
    const dumps = keyDumps(log);
    assert.deepEqual(
      dumps.map((d) => [d.label, d.hex.length, d.sa]),
      [
        ['SKEYID_e', 40, 'mm|1'],
        ['encryption key Ka', 32, 'mm|1'],
        ['encryption key Ka', 32, 'mm|2'],
      ],
    );
    assert.equal(firstDump(log, 'SKEYID_e'), 'e0917d45959aa31edb9b1a3a99d074c4b536dd70');
    assert.equal(firstDump(log, 'encryption key Ka'), 'e0917d45959aa31edb9b1a3a99d074c4');
    assert.equal(firstDump(log, 'nothing'), undefined);
  });
});

describe('process helpers and tool detection', () => {
  it('reads the state of this process from /proc and knows absent PIDs', () => {
    assert.match(procState(process.pid) ?? '', /^[RS]$/);
    assert.equal(procRunning(process.pid), true);
    assert.equal(procState(2 ** 22 + 17), undefined);
    assert.equal(procRunning(2 ** 22 + 17), false);
  });
  it('ensureTools says what is missing', () => {
    const t = ensureTools(['ip']);
    assert.equal(typeof t.ok, 'boolean');
    assert.equal(t.ok, t.reason === '');
    if (!t.root) assert.match(t.reason, /not running as root/);
  });
});
