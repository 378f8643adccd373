/** Issue 11 item 1: proposals checked when the configuration is read; warnings for what cannot work. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseSwanctlConfig } from '../../src/config/swanctl.js';
import { configWarnings } from '../../src/config/warnings.js';

const config = (connection: string, child = '', secrets = SECRET) => `connections {
  gw {
    local_addrs = 10.99.0.1
    remote_addrs = 10.99.0.2
${connection}
    local {
      auth = psk
      id = a.test
    }
    remote {
      auth = psk
      id = b.test
    }
    children {
      net {
${child}
      }
    }
  }
}
${secrets}`;
const SECRET = `secrets {
  ike-1 {
    id = b.test
    secret = 0x0102030405060708
  }
}
`;

function configError(text: string): ConfigError {
  try {
    parseSwanctlConfig(text, 'test.conf');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('no ConfigError');
}

describe('proposals are checked when the configuration is read', () => {
  it('a mistyped IKE proposal is a ConfigError naming file:line', () => {
    const e = configError(config('    proposals = aes128-sha256-modp2048, aes128-sha257-modp2048'));
    assert.equal(
      e.message,
      "test.conf:5: proposals: unknown algorithm keyword 'sha257' in proposal 'aes128-sha257-modp2048'",
    );
  });

  it('a mistyped ESP or AH proposal is a ConfigError naming file:line', () => {
    const esp = configError(config('', '        esp_proposals = aes128-sha257-modp2048'));
    assert.match(esp.message, /^test\.conf:16: esp_proposals: unknown algorithm keyword 'sha257'/);
    const ah = configError(config('', '        ah_proposals = aes128'));
    assert.match(ah.message, /^test\.conf:16: ah_proposals: /);
  });

  it('an IKE proposal without a DH group or a hash is refused, as phase 1 needs both', () => {
    assert.match(
      configError(config('    proposals = aes128-sha256')).message,
      /^test\.conf:5: proposals: invalid proposal 'aes128-sha256': no key exchange method$/,
    );
    assert.match(
      configError(config('    proposals = aes128-modp2048')).message,
      /^test\.conf:5: proposals: .*'aes128-modp2048'/,
    );
  });

  it('accepts default and well-formed lists', () => {
    const parsed = parseSwanctlConfig(
      config('    proposals = default, aes256-sha384-ecp384', '        esp_proposals = aes128gcm16, default'),
    );
    assert.deepEqual(parsed.connections[0]?.proposals, ['default', 'aes256-sha384-ecp384']);
  });
});

describe('configuration warnings', () => {
  it('a connection without a matching secret', () => {
    const none = parseSwanctlConfig(config('', '', ''));
    assert.deepEqual(configWarnings(none), [
      {
        connection: 'gw',
        message:
          "no secret matches this connection's identities (local a.test, remote b.test): every exchange will fail; add an ike secret with a matching id",
      },
    ]);
    const other = parseSwanctlConfig(config('', '', SECRET.replace('b.test', 'c.test')));
    assert.equal(configWarnings(other).length, 1);
    assert.deepEqual(configWarnings(parseSwanctlConfig(config(''))), []);
    const anyPeer = SECRET.replace('    id = b.test\n', '');
    assert.deepEqual(configWarnings(parseSwanctlConfig(config('', '', anyPeer))), []);
  });

  it('a connection with certificates needs no secret', () => {
    const pubkey = parseSwanctlConfig(
      'connections { gw { local { auth = pubkey\n certs = a.crt\n id = a.test }\n remote { auth = pubkey\n id = b.test } } }',
    );
    assert.deepEqual(configWarnings(pubkey), []);
  });

  it('local_addrs that no socket listens on', () => {
    const parsed = parseSwanctlConfig(config(''));
    assert.deepEqual(configWarnings(parsed, ['10.99.0.1']), []);
    assert.deepEqual(configWarnings(parsed, ['127.0.0.1']), [
      {
        connection: 'gw',
        message:
          "local_addrs 10.99.0.1: no IKE socket listens on this address (see --address and 'listening on' above)",
      },
    ]);
  });
});
