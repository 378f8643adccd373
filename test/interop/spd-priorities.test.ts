// The SPD's policies against charon's own: charon (kernel-netlink: this kernel has XFRM policies even
// without ESP) installs the trap policies of `start_action = trap` children, and ikets computes the
// same set for the same configuration: directions, selectors, tunnel endpoints and priorities
// (strongSwan's get_priority). Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { selectorOf } from '../../src/ikev1/quick-mode/traffic-selectors.js';
import { childPolicies, coveringPrefix } from '../../src/spd/index.js';
import { after, before, it, suite } from '../support/suite.js';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  type NetnsPair,
  run,
  startCharon,
} from './harness/index.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

const CHILDREN: Record<string, { local: string; remote: string }> = {
  subnets: { local: '10.1.0.0/16', remote: '10.2.0.0/24' },
  host: { local: 'dynamic', remote: '10.3.0.7' },
  port: { local: '10.1.0.0/16', remote: '10.4.0.0/16[tcp/443]' },
  range: { local: '10.1.0.0/16', remote: '10.5.0.1-10.5.0.9' },
};

function swanctl(local: string, remote: string): string {
  const children = Object.entries(CHILDREN)
    .map(
      ([name, ts]) =>
        `      ${name} {\n        local_ts = ${ts.local}\n        remote_ts = ${ts.remote}\n        start_action = trap\n      }`,
    )
    .join('\n');
  return `connections {
  gw {
    version = 1
    local_addrs = ${local}
    remote_addrs = ${remote}
    local { auth = psk }
    remote { auth = psk }
    children {
${children}
    }
  }
}
secrets { ike-1 { secret = spd-priorities-0123456789 } }
`;
}

/** `ip xfrm policy` as one normalized line per policy: `dir src dst priority tmpl-src tmpl-dst mode`. */
function parseXfrmPolicies(text: string): string[] {
  const blocks = text.split(/\n(?=src )/).filter((b) => b.startsWith('src '));
  return blocks
    .map((b) => {
      const sel = /^src (\S+) dst (\S+)(?: proto (\S+))?(?:.*?dport (\d+))?/.exec(b);
      const dir = /dir (\w+) priority (\d+)/.exec(b);
      const tmpl = /tmpl src (\S+) dst (\S+)\s+proto (\w+) reqid \d+ mode (\w+)/.exec(b);
      return `${dir?.[1]} ${sel?.[1]} ${sel?.[2]}${sel?.[3] ? ` ${sel[3]}/${sel[4] ?? 0}` : ''} ${dir?.[2]} ${tmpl?.[1]} ${tmpl?.[2]} ${tmpl?.[3]} ${tmpl?.[4]}`;
    })
    .filter((l) => !l.startsWith('undefined'))
    .sort();
}

suite('SPD: trap policies and priorities as charon installs them', {
  skip: tools.ok ? false : tools.reason,
}, () => {
  let pair: NetnsPair | undefined;
  let charon: Charon | undefined;

  before(async () => {
    pair = await createNetnsPair();
    charon = await startCharon({
      name: 'spd',
      netns: pair.a.ns,
      kernel: 'netlink',
      swanctl: swanctl(pair.a.ipv4, pair.b.ipv4),
    });
  });

  after(async () => {
    await charon?.stop();
    await pair?.destroy();
  });

  it('ikets computes the policies charon installed, priority for priority', async () => {
    if (pair === undefined) return assert.fail('no namespaces');
    const { stdout } = await run('ip', ['-n', pair.a.ns, 'xfrm', 'policy']);
    const kernel = parseXfrmPolicies(stdout);
    const config = parseSwanctlConfig(swanctl(pair.a.ipv4, pair.b.ipv4));
    const conn = config.connections[0] ?? assert.fail('no connection');
    const ours: string[] = [];
    for (const child of conn.children) {
      const local = selectorOf(child.localTs[0] ?? assert.fail(), pair.a.ipv4);
      const remote = selectorOf(child.remoteTs[0] ?? assert.fail(), pair.b.ipv4);
      for (const p of childPolicies({
        reqid: 1,
        protocol: 'esp',
        mode: 'tunnel',
        localAddress: pair.a.ipv4,
        remoteAddress: pair.b.ipv4,
        localTs: local,
        remoteTs: remote,
        action: 'trap',
      })) {
        // ip prints the covering prefixes, and a protocol selector by name with its port
        const toPrefix = (s: typeof local) => {
          const c = coveringPrefix(s);
          return `${c.address}/${c.prefixLength}`;
        };
        const proto = Math.max(p.source.protocol, p.destination.protocol);
        const port = p.destination.port;
        ours.push(
          `${p.direction} ${toPrefix(p.source)} ${toPrefix(p.destination)}${proto ? ` ${proto === 6 ? 'tcp' : proto}/${port}` : ''} ${p.priority} ${p.template?.source} ${p.template?.destination} esp ${p.template?.mode}`,
        );
      }
    }
    assert.deepEqual(ours.sort(), kernel, `ip xfrm policy:\n${stdout}`);
  });
});
