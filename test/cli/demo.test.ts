import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ikets } from './run.js';

describe('ikets demo', () => {
  it('negotiates on 127.0.0.1 with NAT-T off and on and shows the keys match crosswise', async () => {
    const run = await ikets(['demo', '--quiet']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal(
      run.stdout.match(/: #1, ESTABLISHED, IKEv1, [0-9a-f]{16}_i\*? [0-9a-f]{16}_r\*?$/gm)?.length,
      4,
    );
    assert.equal(run.stdout.match(/INSTALLED, TUNNEL, ESP:aes128-sha256-curve25519/g)?.length, 2);
    assert.equal(run.stdout.match(/INSTALLED, TUNNEL-in-UDP, ESP:aes128-sha256-curve25519/g)?.length, 2);
    // Both ends of the NAT-T run list their ISAKMP SA as UDP-encapsulated (the responder too).
    assert.equal(run.stdout.match(/^ {2}NAT-T: .*, UDP-encapsulated$/gm)?.length, 2);
    assert.equal(run.stdout.match(/outbound keys == .*inbound keys/g)?.length, 4);
    assert.doesNotMatch(run.stdout, /!=/);
    assert.match(run.stdout, /Both negotiations succeeded/);
  });
});
