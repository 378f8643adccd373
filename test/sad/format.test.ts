import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  espSaRows,
  formatSaListing,
  formatWiresharkTables,
  tsharkArguments,
  wiresharkEncryption,
} from '../../src/sad/index.js';
import { childSa, ikeSa, T0 } from './sa-fixtures.js';

const NOW = T0 + 42_000;

describe('formatSaListing', () => {
  it('lists an ISAKMP SA with its IPsec SA, byte for byte', () => {
    assert.equal(
      formatSaListing([ikeSa()], [childSa()], { now: NOW }),
      [
        'gw: #1, ESTABLISHED, IKEv1, 70bd524e37724337_i* e8267802a2bd286a_r',
        "  local  'a.ikets.test' @ 10.231.0.1[4500]",
        "  remote 'b.ikets.test' @ 10.231.0.2[4500]",
        '  aes128-sha256-modp2048, Main Mode, psk, DPD',
        '  NAT-T: no NAT, UDP-encapsulated',
        '  established 42s ago, rekeying in 12958s, expires in 14358s',
        '  net: #1, INSTALLED, TUNNEL-in-UDP, ESP:aes128-sha256-modp2048',
        '    installed 41s ago, rekeying in 2958s, expires in 3919s',
        '    in  461f5061, out b4fd716f',
        '    10.231.0.1/32 === 10.231.0.2/32',
        '',
      ].join('\n'),
    );
  });

  it('shows the traffic of each direction and the inbound drops by reason', () => {
    const traffic = {
      1: {
        bytesIn: 1200,
        packetsIn: 10,
        bytesOut: 900,
        packetsOut: 8,
        lastInAt: NOW - 2000,
        lastOutAt: undefined,
        droppedIn: 7,
        dropsIn: { truncated: 1, 'bad-icv': 2, replayed: 4 },
      },
    };
    const lines = formatSaListing([ikeSa()], [childSa()], { now: NOW, traffic }).split('\n');
    assert.ok(
      lines.includes(
        '    in  461f5061, 1200 bytes, 10 packets, 2s ago, 7 dropped (1 truncated, 2 bad-icv, 4 replayed)',
      ),
      lines.join('\n'),
    );
    assert.ok(lines.includes('    out b4fd716f, 900 bytes, 8 packets'), lines.join('\n'));
  });

  it('adds the keys only with showKeys', () => {
    const plain = formatSaListing([ikeSa()], [childSa()], { now: NOW });
    assert.doesNotMatch(plain, /588e7fec|934e6417|8596ccd6/);
    const text = formatSaListing(
      [ikeSa({ role: 'responder' })],
      [childSa({ mode: 'transport', encapsulation: false, lifetime: { seconds: 3960, kilobytes: 1024 } })],
      { now: NOW, showKeys: true },
    );
    assert.equal(
      text,
      [
        'gw: #1, ESTABLISHED, IKEv1, 70bd524e37724337_i e8267802a2bd286a_r*',
        "  local  'a.ikets.test' @ 10.231.0.1[4500]",
        "  remote 'b.ikets.test' @ 10.231.0.2[4500]",
        '  aes128-sha256-modp2048, Main Mode, psk, DPD',
        '  NAT-T: no NAT, UDP-encapsulated',
        '  established 42s ago, rekeying in 12958s, expires in 14358s',
        '  SKEYID_d 7952d6abf847537bae414063a447b6be9c212848e6af8169fe227af26923aa6e',
        '  SKEYID_a c1a206926e6647c942178c49987fe1b672cdc4d587257e9a633d3cb6cfe3b0d7',
        '  SKEYID_e 588e7fec2975a997c56d8c245db9e66d9aec6b769a015db4e4ad213d3e5fa62d',
        '  Ka       588e7fec2975a997c56d8c245db9e66d',
        '  net: #1, INSTALLED, TRANSPORT, ESP:aes128-sha256-modp2048',
        '    installed 41s ago, rekeying in 2958s, expires in 3919s, or after 1024 KB',
        '    in  461f5061, out b4fd716f',
        '    in  encryption key e4e2dddcf1560110234f7f7c85ceca83, integrity key 195616faabf0c35ec4b52ae2e269f776e7d80de93bf10e0e6e7a5e33c1b09529',
        '    out encryption key 934e6417829c0293342e332666e1ceee, integrity key 8596ccd618d049d65978a33c495ffcacde55001cb43e347bd67191b5ea0f0fc4',
        '    10.231.0.1/32 === 10.231.0.2/32',
        '',
      ].join('\n'),
    );
  });

  it('lists IPsec SAs that outlived their ISAKMP SA, and nothing when empty', () => {
    assert.equal(formatSaListing([], [], { now: NOW }), '');
    const text = formatSaListing([], [childSa({ rekeyAt: undefined })], { now: NOW });
    assert.equal(
      text,
      [
        'gw: no ISAKMP SA',
        '  net: #1, INSTALLED, TUNNEL-in-UDP, ESP:aes128-sha256-modp2048',
        '    installed 41s ago, expires in 3919s',
        '    in  461f5061, out b4fd716f',
        '    10.231.0.1/32 === 10.231.0.2/32',
        '',
      ].join('\n'),
    );
  });
});

describe('Wireshark tables', () => {
  const outbound =
    '"IPv4","10.231.0.1","10.231.0.2","0xb4fd716f","AES-CBC [RFC3602]","0x934e6417829c0293342e332666e1ceee","HMAC-SHA-256-128 [RFC4868]","0x8596ccd618d049d65978a33c495ffcacde55001cb43e347bd67191b5ea0f0fc4"';
  const inbound =
    '"IPv4","10.231.0.2","10.231.0.1","0x461f5061","AES-CBC [RFC3602]","0xe4e2dddcf1560110234f7f7c85ceca83","HMAC-SHA-256-128 [RFC4868]","0x195616faabf0c35ec4b52ae2e269f776e7d80de93bf10e0e6e7a5e33c1b09529"';

  it('prints the UAT lines and a tshark command, byte for byte', () => {
    assert.equal(
      formatWiresharkTables([ikeSa()], [childSa()]),
      [
        "# ikev1_decryption_table: Initiator's COOKIE, Encryption Key (Ka)",
        '70bd524e37724337,588e7fec2975a997c56d8c245db9e66d',
        '# esp_sa: Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, Authentication, Authentication Key',
        outbound,
        inbound,
        `# tshark -o uat:ikev1_decryption_table:70bd524e37724337,588e7fec2975a997c56d8c245db9e66d -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE -o 'uat:esp_sa:${outbound}' -o 'uat:esp_sa:${inbound}' -r CAPTURE`,
        '',
      ].join('\n'),
    );
  });

  it('names AEAD, NULL and unsupported algorithms as Wireshark does', () => {
    assert.equal(wiresharkEncryption('aes256gcm16'), 'AES-GCM with 16 octet ICV [RFC4106]');
    assert.equal(wiresharkEncryption('aes128gcm64'), 'AES-GCM with 8 octet ICV [RFC4106]');
    assert.equal(wiresharkEncryption('3des'), 'TripleDES-CBC [RFC2451]');
    assert.equal(wiresharkEncryption('chacha20poly1305'), undefined);
    const gcm = espSaRows(childSa({ encryption: 'aes128gcm16', integrity: undefined }));
    assert.ok(typeof gcm !== 'string');
    assert.equal(gcm[0].authentication, 'NULL');
    assert.equal(gcm[0].authenticationKey, '');
    assert.match(String(espSaRows(childSa({ protocol: 'ah', encryption: undefined }))), /AH SAs/);
    const text = formatWiresharkTables(
      [ikeSa({ keys: undefined })],
      [childSa({ encryption: 'chacha20poly1305', integrity: undefined })],
    );
    assert.match(text, /# gw #1: no keys yet\n/);
    assert.match(text, /# net #1: Wireshark has no ESP decryption for 'chacha20poly1305'\n/);
    assert.doesNotMatch(text, /# tshark/);
  });

  const capture = fileURLToPath(
    new URL('../../../test/fixtures/captures/ikev1-main-psk.pcapng', import.meta.url),
  );
  const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  it('decrypts the strongSwan capture in tshark with these options', {
    skip: tshark.status === 0 ? false : 'tshark is not installed',
  }, () => {
    const args = tsharkArguments([ikeSa()], [childSa()]);
    const run = spawnSync(
      'tshark',
      [
        '-r',
        capture,
        ...args,
        '-T',
        'fields',
        '-e',
        'isakmp.exchangetype',
        '-e',
        'esp.icv_good',
        '-e',
        'icmp.type',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    // Frame 10: ESP from the initiator, authenticated; frame 11: the responder's ICMP answer inside ESP.
    assert.match(lines[9] ?? '', /\t1\t/, `frame 10: ${lines[9]}`);
    assert.match(lines[10] ?? '', /\t1\t3$/, `frame 11: ${lines[10]}`);
    const decoded = spawnSync('tshark', ['-r', capture, ...args, '-Y', 'frame.number == 7', '-V'], {
      encoding: 'utf8',
    });
    assert.match(decoded.stdout, /Payload: Hash \(8\)/, 'Quick Mode decrypted with Ka');
  });
});
