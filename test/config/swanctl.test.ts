import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseSwanctlConfig } from '../../src/config/swanctl.js';

const SAMPLE = `
# an IKEv1 PSK tunnel, as strongSwan's swanctl.conf writes it
connections {
  gw {
    version = 1
    local_addrs = 10.99.0.1
    remote_addrs = 10.99.0.2
    local_port = 1500
    proposals = aes128-sha256-modp2048, aes256-sha1-modp1024
    dpd_delay = 30s
    rekey_time = 2h
    local {
      auth = psk
      id = a.test
    }
    remote {
      auth = psk
      id = "b.test"
    }
    children {
      net {
        local_ts = 10.1.0.0/16, 10.3.0.1-10.3.0.9
        remote_ts = 10.2.0.0/16[tcp/443]
        esp_proposals = aes128-sha256-modp2048
        start_action = start
        rekey_time = 30m
      }
    }
  }
}
secrets {
  ike-gw {
    id-a = a.test
    id-b = b.test
    secret = 0x696b657473
  }
}
`;

describe('swanctl.conf', () => {
  it('reads the ikets extensions new_group (a MODP group) and commit', () => {
    const gw = parseSwanctlConfig(SAMPLE).connections[0]!;
    assert.equal(gw.newGroup, undefined);
    assert.equal(gw.children[0]!.commit, false);
    const extended = parseSwanctlConfig(
      SAMPLE.replace('dpd_delay = 30s', 'new_group = MODP3072').replace(
        'start_action = start',
        'commit = yes',
      ),
    ).connections[0]!;
    assert.equal(extended.newGroup, 'modp3072');
    assert.equal(extended.children[0]!.commit, true);
    for (const bad of ['ecp256', 'aes128', 'modp9999'])
      assert.throws(
        () => parseSwanctlConfig(SAMPLE.replace('dpd_delay = 30s', `new_group = ${bad}`)),
        (e: unknown) => e instanceof ConfigError && /new_group: expected a MODP group/.test(e.message),
      );
  });

  it('reads a connection with its children and defaults', () => {
    const config = parseSwanctlConfig(SAMPLE);
    const gw = config.connections[0]!;
    assert.equal(gw.name, 'gw');
    assert.deepEqual(gw.localAddrs, ['10.99.0.1']);
    assert.equal(gw.localPort, 1500);
    assert.equal(gw.remotePort, 500);
    assert.deepEqual(gw.proposals, ['aes128-sha256-modp2048', 'aes256-sha1-modp1024']);
    assert.equal(gw.dpdDelay, 30);
    assert.equal(gw.rekeyTime, 7200);
    assert.equal(gw.overTime, 720);
    assert.equal(gw.aggressive, false);
    assert.deepEqual(gw.local.id, { type: 'fqdn', name: 'a.test' });
    assert.deepEqual(gw.remote.id, { type: 'fqdn', name: 'b.test' });
    const net = gw.children[0]!;
    assert.equal(net.name, 'net');
    assert.deepEqual(net.localTs, [
      { protocol: 0, port: 0, kind: 'subnet', family: 4, address: '10.1.0.0', prefix: 16 },
      { protocol: 0, port: 0, kind: 'range', family: 4, from: '10.3.0.1', to: '10.3.0.9' },
    ]);
    assert.deepEqual(net.remoteTs, [
      { protocol: 6, port: 443, kind: 'subnet', family: 4, address: '10.2.0.0', prefix: 16 },
    ]);
    assert.equal(net.startAction, 'start');
    assert.equal(net.mode, 'tunnel');
    assert.equal(net.rekeyTime, 1800);
    assert.equal(net.lifeTime, 1980);
    assert.equal(net.randTime, 180);
    const secret = config.secrets[0]!;
    assert.equal(secret.secret.toString(), 'ikets');
    assert.deepEqual(secret.ids, [
      { type: 'fqdn', name: 'a.test' },
      { type: 'fqdn', name: 'b.test' },
    ]);
  });

  it('reads certificate authentication (auth = pubkey/rsa/ecdsa, certs, cacerts, revocation, send_cert)', () => {
    const config = parseSwanctlConfig(`connections {
  moon {
    send_cert = always
    send_certreq = no
    local { auth = pubkey
      certs = moon.crt, moon-ca.crt
      id = moon.test }
    remote { auth = pubkey
      id = *.test
      cacerts = ca.crt
      revocation = strict }
  }
  sun {
    local { auth = ecdsa
      certs = sun.crt }
    remote { auth = rsa }
  }
}`);
    const [moon, sun] = config.connections;
    assert.equal(moon?.sendCert, 'always');
    assert.equal(moon?.sendCertreq, false);
    assert.deepEqual(moon?.local, {
      auth: 'pubkey',
      line: 5,
      keyType: 'any',
      id: { type: 'fqdn', name: 'moon.test' },
      certs: ['moon.crt', 'moon-ca.crt'],
      pubkeys: [],
      cacerts: [],
      revocation: 'relaxed',
    });
    assert.deepEqual(moon?.remote.cacerts, ['ca.crt']);
    assert.equal(moon?.remote.revocation, 'strict');
    assert.equal(sun?.sendCert, 'ifasked');
    assert.equal(sun?.sendCertreq, true);
    assert.equal(sun?.local.keyType, 'ecdsa');
    assert.equal(sun?.remote.keyType, 'rsa');
    assert.equal(sun?.remote.auth, 'pubkey');
  });

  it('reads identities the way strongSwan does', () => {
    // '#' starts a comment in swanctl.conf, so a '@#' key identifier must be quoted.
    const ids = ['10.0.0.1', 'fd00::1', '@host', 'user@example.org', '"@#0a0b"', 'keyid:0c0d', 'email:x'];
    const text = `connections { c { local { auth = psk
      id = ID } remote { auth = psk } } }`;
    const parsed = ids.map((id) => parseSwanctlConfig(text.replace('ID', id)).connections[0]!.local.id);
    assert.deepEqual(parsed, [
      { type: 'ipv4', address: '10.0.0.1' },
      { type: 'ipv6', address: 'fd00::1' },
      { type: 'fqdn', name: 'host' },
      { type: 'user_fqdn', name: 'user@example.org' },
      { type: 'key_id', keyId: Buffer.from('0a0b', 'hex') },
      { type: 'key_id', keyId: Buffer.from('0c0d', 'hex') },
      { type: 'user_fqdn', name: 'x' },
    ]);
  });

  const errors: [string, string, RegExp][] = [
    ['unknown key', 'connections {\n c {\n  bogus = 1\n } }', /swanctl.conf:3: unknown key 'bogus' in 'c'/],
    ['bad port', 'connections {\n c {\n  local_port = 70000\n } }', /:3: local_port: expected a UDP port/],
    ['bad duration', 'connections {\n c {\n  dpd_delay = soon\n } }', /:3: dpd_delay: expected a duration/],
    ['IKEv2', 'connections {\n c {\n  version = 2\n } }', /:3: version: expected 1/],
    ['unclosed section', 'connections {\n c {\n', /:2: section opened here is not closed/],
    ['stray brace', '}\n', /:1: unexpected '}'/],
    [
      'missing local',
      'connections {\n c {\n  remote {\n auth = psk\n }\n } }',
      /:2: connection 'c' has no 'local' section/,
    ],
    [
      'bad auth',
      'connections { c {\n local {\n auth = eap\n }\n } }',
      /:3: auth: expected one of psk, pubkey, rsa, ecdsa/,
    ],
    [
      'pubkey without certs',
      'connections { c {\n local {\n auth = pubkey\n }\n remote { auth = pubkey } } }',
      /:2: 'local' with 'auth = pubkey' needs 'certs'/,
    ],
    [
      'mixed auth',
      'connections { c {\n local {\n auth = pubkey\n certs = a.crt }\n remote { auth = psk } } }',
      /:1: connection 'c': local auth 'pubkey' and remote auth 'psk' differ/,
    ],
    [
      'certs with psk',
      'connections { c {\n local {\n auth = psk\n certs = a.crt }\n remote { auth = psk } } }',
      /:4: certs: certificates need 'auth = pubkey'/,
    ],
    [
      'bad revocation',
      'connections { c {\n local { auth = pubkey\n certs = a.crt }\n remote { auth = pubkey\n revocation = maybe } } }',
      /:5: revocation: expected one of strict, ifuri, relaxed/,
    ],
    [
      'bad send_cert',
      'connections { c {\n send_cert = sometimes\n local { auth = psk }\n remote { auth = psk } } }',
      /:2: send_cert: expected one of always, ifasked, never/,
    ],
    [
      'bad selector',
      'connections { c { local { auth = psk }\n remote { auth = psk }\n children { x {\n local_ts = 10.0.0.0/40\n } } } }',
      /:4: local_ts: '10.0.0.0\/40' is not a subnet/,
    ],
    [
      'reversed range',
      'connections { c { local { auth = psk }\n remote { auth = psk }\n children { x {\n remote_ts = 10.0.0.9-10.0.0.1\n } } } }',
      /:4: remote_ts: .* first address is above its last/,
    ],
    [
      'bad mode',
      'connections { c { local { auth = psk }\n remote { auth = psk }\n children { x {\n mode = pass\n } } } }',
      /:4: mode: expected one of tunnel, transport/,
    ],
    [
      'bad address',
      'connections {\n c {\n remote_addrs = gateway\n } }',
      /:3: remote_addrs: 'gateway' is not an IP address/,
    ],
    ['duplicate key', 'connections {\n c {\n encap = yes\n encap = no\n } }', /:4: 'encap' is set twice/],
    [
      'bad hex secret',
      'secrets {\n ike-x {\n secret = 0xabc\n } }',
      /:3: secret: 0x must be followed by an even number/,
    ],
    ['unterminated string', 'secrets {\n ike-x {\n secret = "abc\n } }', /:3: unterminated quoted string/],
    [
      'non-IKE secret',
      'secrets {\n eap-x {\n secret = a\n } }',
      /:2: secret 'eap-x': only IKE pre-shared keys/,
    ],
  ];
  for (const [name, text, message] of errors) {
    it(`rejects ${name} with file:line`, () => {
      assert.throws(
        () => parseSwanctlConfig(text),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.code, 'ERR_IKETS_CONFIG');
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
