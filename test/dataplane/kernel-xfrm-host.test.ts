/**
 * The kernel backend against this machine's own kernel, in a network namespace the test creates:
 * policies as `ip xfrm policy` lists them, the per-socket bypass and UDP_ENCAP on a node:dgram
 * socket, close() removing only what the backend installed, and the start-up checks (a kernel
 * without ESP -> ERR_DATAPLANE_UNSUPPORTED, decided by iproute2 on the same kernel; no
 * CAP_NET_ADMIN -> ERR_DATAPLANE_PERMISSION). SAs and traffic need ESP: kernel-xfrm.test.ts (qemu).
 * Skips (counted) when not root or without iproute2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { socketDescriptor as socketFd } from '../../src/daemon/udp.js';
import type { PolicyParams, Selector } from '../../src/dataplane/backend.js';
import { XfrmBackend } from '../../src/dataplane/kernel/xfrm-backend.js';
import { SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP } from '../../src/dataplane/kernel/xfrm-constants.js';
import { libc } from '../../src/dataplane/libc.js';
import { inNetns } from './kernel-guest/netns.js';

const NS = `ikets-xfrm-${process.pid}`;
const ip = (...args: string[]) => spawnSync('ip', ['-n', NS, ...args], { encoding: 'utf8' });
const skip =
  process.getuid?.() !== 0
    ? 'needs root (network namespaces, CAP_NET_ADMIN)'
    : spawnSync('ip', ['-V']).status !== 0
      ? 'needs iproute2'
      : false;

function v4(address: string, prefix = 32, protocol = 0, port = 0): Selector {
  const n = address.split('.').reduce((x, o) => (x << 8n) | BigInt(Number(o)), 0n);
  return { family: 4, start: n, end: n + (1n << BigInt(32 - prefix)) - 1n, protocol, port };
}

/** Does iproute2 manage to add an ESP SA in the namespace? (The oracle for the probe.) */
function kernelHasEsp(): { esp: boolean; ipSays: string } {
  const r = ip(
    'xfrm',
    'state',
    'add',
    'src',
    '127.0.0.1',
    'dst',
    '127.0.0.2',
    'proto',
    'esp',
    'spi',
    '0x100',
    'enc',
    'cbc(aes)',
    `0x${'00'.repeat(16)}`,
  );
  if (r.status === 0) ip('xfrm', 'state', 'flush');
  return { esp: r.status === 0, ipSays: r.stderr.trim() };
}

// A skipped describe() is not counted in the runner's summary; a skipped test is.
if (skip) it("kernel backend on this machine's kernel (network namespace)", { skip }, () => {});
else
  describe("kernel backend on this machine's kernel (network namespace)", () => {
    before(() => {
      assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
      assert.equal(ip('link', 'set', 'lo', 'up').status, 0);
    });
    after(() => {
      spawnSync('ip', ['netns', 'del', NS]);
    });

    it('start-up probe: ESP present -> opens; absent -> ERR_DATAPLANE_UNSUPPORTED in one line', async () => {
      const oracle = kernelHasEsp();
      const opened = await inNetns(NS, () => XfrmBackend.open()).then(
        async (b) => {
          await b.close();
          return undefined;
        },
        (e: { code?: string; message: string }) => e,
      );
      if (oracle.esp) assert.equal(opened, undefined);
      else {
        assert.equal(opened?.code, 'ERR_DATAPLANE_UNSUPPORTED', `ip says: ${oracle.ipSays}`);
        assert.match(
          opened?.message ?? '',
          /^kernel data plane: this kernel has XFRM but cannot install an ESP SA \(EPROTONOSUPPORT|^kernel data plane:/,
        );
        assert.doesNotMatch(opened?.message ?? '', /\n/);
      }
      assert.equal(ip('xfrm', 'state').stdout, '', 'the probe SA is gone');
    });

    it('without CAP_NET_ADMIN: ERR_DATAPLANE_PERMISSION', {
      skip: spawnSync('setpriv', ['--version']).status !== 0 && 'no setpriv',
    }, () => {
      const module = new URL('../../src/dataplane/kernel/xfrm-backend.js', import.meta.url).href;
      const r = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          NS,
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--inh-caps=-all',
          process.execPath,
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(module)}).then((m) => m.XfrmBackend.open()).then(() => console.log('opened'), (e) => console.log(e.code + ': ' + e.message))`,
        ],
        { encoding: 'utf8' },
      );
      assert.match(
        r.stdout,
        /^ERR_DATAPLANE_PERMISSION: kernel data plane: no permission to install IPsec SAs \(CAP_NET_ADMIN needed\)\n$/,
        r.stderr,
      );
    });

    it('policies as the kernel lists them; deletePolicy and close() remove only ours', async () => {
      const backend = await inNetns(NS, () => XfrmBackend.open({ probe: false }));
      after(() => backend.close());
      const tunnel = (reqid: number, source: string, destination: string) => ({
        reqid,
        protocol: 'esp' as const,
        mode: 'tunnel' as const,
        source,
        destination,
      });
      const policies: PolicyParams[] = [
        {
          direction: 'out',
          source: v4('10.1.0.0', 24),
          destination: v4('10.2.0.0', 24),
          action: 'protect',
          priority: 375423,
          template: tunnel(1, '192.0.2.1', '192.0.2.2'),
        },
        {
          direction: 'in',
          source: v4('10.2.0.0', 24),
          destination: v4('10.1.0.0', 24),
          action: 'protect',
          priority: 375423,
          template: tunnel(1, '192.0.2.2', '192.0.2.1'),
        },
        {
          direction: 'fwd',
          source: v4('10.2.0.0', 24),
          destination: v4('10.1.0.0', 24),
          action: 'protect',
          priority: 375423,
          template: tunnel(1, '192.0.2.2', '192.0.2.1'),
        },
        {
          direction: 'out',
          source: v4('10.3.0.0', 16),
          destination: v4('10.4.0.0', 16),
          action: 'trap',
          priority: 391999,
          template: {
            reqid: 2,
            protocol: 'ah',
            mode: 'transport',
            source: '10.3.0.1',
            destination: '10.4.0.1',
          },
        },
        {
          direction: 'out',
          source: v4('0.0.0.0', 0),
          destination: v4('192.0.2.2', 32, 17, 500),
          action: 'bypass',
          priority: 100,
          template: undefined,
        },
        {
          direction: 'in',
          source: v4('10.2.0.5', 32, 6, 80),
          destination: v4('10.1.0.0', 24, 6),
          action: 'drop',
          priority: 5,
          template: undefined,
        },
      ];
      for (const p of policies) await backend.addPolicy(p);
      assert.equal(
        ip(
          'xfrm',
          'policy',
          'add',
          'src',
          '172.16.0.0/12',
          'dst',
          '172.16.0.0/12',
          'dir',
          'out',
          'action',
          'block',
        ).status,
        0,
      );
      const listed = ip('xfrm', 'policy').stdout;
      const expected = [
        'src 172.16.0.0/12 dst 172.16.0.0/12 \n\tdir out action block priority 0 ptype main ',
        'src 10.2.0.5/32 dst 10.1.0.0/24 proto tcp sport 80 \n\tdir in action block priority 5 ptype main ',
        'src 0.0.0.0/0 dst 192.0.2.2/32 proto udp dport 500 \n\tdir out priority 100 ptype main ',
        'src 10.1.0.0/24 dst 10.2.0.0/24 \n\tdir out priority 375423 ptype main \n\ttmpl src 192.0.2.1 dst 192.0.2.2\n\t\tproto esp reqid 1 mode tunnel',
        'src 10.2.0.0/24 dst 10.1.0.0/24 \n\tdir fwd priority 375423 ptype main \n\ttmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto esp reqid 1 mode tunnel',
        'src 10.2.0.0/24 dst 10.1.0.0/24 \n\tdir in priority 375423 ptype main \n\ttmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto esp reqid 1 mode tunnel',
        'src 10.3.0.0/16 dst 10.4.0.0/16 \n\tdir out priority 391999 ptype main \n\ttmpl src 0.0.0.0 dst 0.0.0.0\n\t\tproto ah reqid 2 mode transport',
      ];
      const blocks = listed.split(/\n(?=src )/).map((b) => b.replace(/\n$/, ''));
      assert.deepEqual([...blocks].sort(), [...expected].sort());
      await backend.deletePolicy(policies[4] as PolicyParams);
      assert.doesNotMatch(ip('xfrm', 'policy').stdout, /dport 500/);
      await assert.rejects(backend.deletePolicy(policies[4] as PolicyParams), {
        code: 'ERR_DATAPLANE_NOT_FOUND',
      });
      // One policy per direction and selector: a second addPolicy replaces it (XFRM_MSG_UPDPOLICY),
      // whatever the priorities, as an SA's protect policy replaces its trap policy and back.
      const out = policies[0] as PolicyParams;
      await backend.addPolicy({
        ...out,
        action: 'trap',
        priority: 375424,
        template: tunnel(7, '192.0.2.1', '192.0.2.2'),
      });
      assert.match(
        ip('xfrm', 'policy', 'list', 'dir', 'out', 'src', '10.1.0.0/24').stdout,
        /^src 10\.1\.0\.0\/24 dst 10\.2\.0\.0\/24 \n\tdir out priority 375424 ptype main \n\ttmpl src 192\.0\.2\.1 dst 192\.0\.2\.2\n\t\tproto esp reqid 7 mode tunnel\n$/,
      );
      await backend.addPolicy(out);
      assert.match(
        ip('xfrm', 'policy', 'list', 'dir', 'out', 'src', '10.1.0.0/24').stdout,
        /priority 375423 .*\n.*\n.*reqid 1 mode tunnel\n$/,
      );
      await backend.close();
      assert.equal(ip('xfrm', 'policy').stdout, `${expected[0]}\n`);
      ip('xfrm', 'policy', 'flush');
    });

    it('bypassSocket: ALLOW socket policies in and out, UDP_ENCAP_ESPINUDP on the NAT-T socket only', async () => {
      const backend = await inNetns(NS, () => XfrmBackend.open({ probe: false }));
      const bind = (port: number) =>
        inNetns(
          NS,
          () =>
            new Promise<Socket>((resolve) => {
              const s = createSocket('udp4');
              s.bind(port, '127.0.0.1', () => resolve(s));
            }),
        );
      const ike = await bind(500);
      const natt = await bind(4500);
      try {
        const ikeFd = socketFd(ike);
        const nattFd = socketFd(natt);
        assert.ok(ikeFd !== undefined && nattFd !== undefined);
        await backend.bypassSocket({ fd: ikeFd, family: 4, natt: false });
        await backend.bypassSocket({ fd: nattFd, family: 4, natt: true });
        const listed = ip('xfrm', 'policy').stdout;
        assert.equal(listed.match(/socket in priority 0/g)?.length, 2, listed);
        assert.equal(listed.match(/socket out priority 0/g)?.length, 2, listed);
        assert.doesNotMatch(listed, /tmpl|block/);
        assert.equal(libc().getsockoptInt(nattFd, SOL_UDP, UDP_ENCAP).value, UDP_ENCAP_ESPINUDP);
        assert.equal(libc().getsockoptInt(ikeFd, SOL_UDP, UDP_ENCAP).value, 0);
        const v6 = await inNetns(
          NS,
          () =>
            new Promise<Socket>((resolve) => {
              const s = createSocket({ type: 'udp6', ipv6Only: true });
              s.bind(4500, '::1', () => resolve(s));
            }),
        );
        const v6Fd = socketFd(v6);
        assert.ok(v6Fd !== undefined);
        await backend.bypassSocket({ fd: v6Fd, family: 6, natt: true });
        const listed6 = ip('-6', 'xfrm', 'policy').stdout;
        v6.close();
        assert.equal(
          listed6.match(/src ::\/0 dst ::\/0 \n\tsocket (in|out) priority 0/g)?.length,
          2,
          listed6,
        );
        assert.equal(libc().getsockoptInt(v6Fd, SOL_UDP, UDP_ENCAP).value, undefined, 'closed socket');
        await assert.rejects(backend.bypassSocket({ fd: 1_000_000, family: 4, natt: false }), {
          code: 'ERR_DATAPLANE_IO',
        });
      } finally {
        ike.close();
        natt.close();
        await backend.close();
      }
    });
  });
