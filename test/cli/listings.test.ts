/** Issue 11 item 8: what `list-sas` and `up` tell the operator. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import type { DaemonService } from '../../src/daemon/index.js';
import { Ikev1Endpoint } from '../../src/ikev1/ikev1-endpoint.js';
import { formatSaListing } from '../../src/sad/index.js';
import { startFakeService } from '../daemon/helpers.js';
import { ikets } from './run.js';

describe('list-sas of an ISAKMP SA still connecting', () => {
  it("shows the configured identities, not '%any'", () => {
    const config = parseSwanctlConfig(`connections {
  gw {
    local_addrs = 192.0.2.1
    remote_addrs = 192.0.2.2
    proposals = aes128-sha256-modp2048
    local { auth = psk
      id = moon.example }
    remote { auth = psk
      id = sun.example }
  }
}
secrets { ike-1 { secret = 0x0102030405060708 } }`);
    const ep = new Ikev1Endpoint({ config }, 0);
    assert.equal(ep.initiate(0, 'gw'), undefined);
    const [sa] = ep.ikeSaList();
    assert.equal(sa?.state, 'connecting');
    assert.equal(sa?.localId, 'moon.example');
    assert.equal(sa?.remoteId, 'sun.example');
    const text = formatSaListing(ep.ikeSaList(), [], { now: 0, showKeys: false });
    assert.match(text, /\n {2}local {2}'moon\.example' @ 192\.0\.2\.1\[500\]\n {2}remote 'sun\.example' @ /);
  });
});

describe('ikets up CONNECTION without a child to start', () => {
  let service: DaemonService;
  let control: string;
  before(async () => {
    ({ service, control } = await startFakeService());
  });
  after(() => service.stop());

  it('says that no CHILD SA came up and how to start one', async () => {
    const run = await ikets(['up', 'other', '--control', control]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines.at(-2) ?? '', /^'other' is up: IKE SA #\d+ [0-9a-f]{16}_i [0-9a-f]{16}_r$/);
    assert.equal(
      lines.at(-1),
      "no CHILD SA: no child of 'other' has start_action = start; 'ikets up lone' starts one (children: lone)",
    );
    const child = await ikets(['up', 'lone', '--control', control]);
    assert.doesNotMatch(child.stdout, /no CHILD SA/);
  });
});
