/** `fragmentation = yes|accept|force|no` (swanctl.conf) and `ikets start --fragment-size BYTES`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fragmentSizeOption } from '../../src/cli/start-command.js';
import { ConfigError, parseSwanctlConfig } from '../../src/config/swanctl.js';

const conf = (line: string) =>
  parseSwanctlConfig(`connections { gw { version = 1
  ${line}
  local { auth = psk }
  remote { auth = psk } } }`).connections[0];

describe('IKEv1 fragmentation settings', () => {
  it('fragmentation: yes by default, as strongSwan; accept, force and no as written', () => {
    assert.equal(conf('')?.fragmentation, 'yes');
    for (const v of ['yes', 'accept', 'force', 'no'] as const)
      assert.equal(conf(`fragmentation = ${v}`)?.fragmentation, v);
    assert.equal(conf('fragmentation = FORCE')?.fragmentation, 'force');
    assert.throws(
      () => conf('fragmentation = maybe'),
      (e: unknown) =>
        e instanceof ConfigError &&
        /fragmentation: expected one of yes, accept, force, no, found 'maybe'/.test(e.message),
    );
  });

  it('--fragment-size: an IP datagram size, or 0 for the family minimum', () => {
    assert.equal(fragmentSizeOption(undefined), undefined);
    assert.equal(fragmentSizeOption('1280'), 1280);
    assert.equal(fragmentSizeOption('0'), 0);
    for (const bad of ['99', '-1', '1e3', '65536', 'big'])
      assert.throws(() => fragmentSizeOption(bad), /--fragment-size: expected 0 or an IP datagram size/);
  });
});
