/**
 * Issue 11 item 6: `npm pack` of a clean copy of the sources (its `prepare` builds them) gives a
 * package whose CLI runs once installed; no source map points at a file the package lacks; the
 * LICENSE, the CHANGELOG heading of the version and the systemd unit are in it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../daemon/helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const SHIPPED = ['README.md', 'CHANGELOG.md', 'LICENSE'];

async function version(): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('the npm package', () => {
  it('npm pack builds a package whose installed ikets runs (--version, help)', async (t) => {
    // A copy, so `prepare` rebuilds its own dist/ and never the one other test files run from.
    const dir = await tempDir();
    const copy = join(dir, 'ikets');
    await mkdir(copy);
    for (const f of [...SOURCES, ...SHIPPED]) await cp(join(root, f), join(copy, f));
    for (const d of ['src', 'packaging']) await cp(join(root, d), join(copy, d), { recursive: true });
    await symlink(join(root, 'node_modules'), join(copy, 'node_modules'));
    const packed = await run('npm', ['pack', '--silent'], { cwd: copy, maxBuffer: 1 << 24 });
    const tarball = join(copy, packed.stdout.trim().split('\n').at(-1) ?? '');
    const { stdout: listing } = await run('tar', ['tzf', tarball], { maxBuffer: 1 << 24 });
    const files = listing.split('\n').filter((f) => f !== '');
    for (const f of [
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'packaging/ikets.service',
      'dist/src/cli/main.js',
    ])
      assert.ok(files.includes(`package/${f}`), `${f} is in the package`);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.map')),
      [],
      'no source maps: they would point at src/, which is not shipped',
    );
    assert.ok(!files.some((f) => f.startsWith('package/dist/test')), 'no tests in the package');
    const built = await readFile(join(copy, 'dist/src/cli/main.js'), 'utf8');
    assert.doesNotMatch(built, /sourceMappingURL/);

    const prefix = join(dir, 'prefix');
    try {
      await run(
        'npm',
        ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
        { maxBuffer: 1 << 24 },
      );
    } catch (error) {
      // Its one dependency (koffi) comes from npm's cache; a machine without it cannot install offline.
      const reason = String((error as { stderr?: string }).stderr ?? error);
      if (/ENOTCACHED/.test(reason)) return t.skip('koffi is not in the npm cache (offline install)');
      throw error;
    }
    const ikets = join(prefix, 'bin', 'ikets');
    const v = await run(ikets, ['--version']);
    assert.equal(v.stdout, `ikets ${await version()}\n`);
    const help = await run(ikets, ['help']);
    assert.match(help.stdout, /^usage: ikets <command> \[options\]/);

    // ESM-only: CommonJS reaches it with a dynamic import (README.md, "Library").
    const app = join(dir, 'app');
    await mkdir(join(app, 'node_modules'), { recursive: true });
    await symlink(join(prefix, 'lib', 'node_modules', 'ikets'), join(app, 'node_modules', 'ikets'));
    await writeFile(
      join(app, 'main.cjs'),
      "(async () => { const { parseSwanctlConfig } = await import('ikets'); console.log(typeof parseSwanctlConfig); })();\n",
    );
    assert.equal((await run(process.execPath, [join(app, 'main.cjs')])).stdout, 'function\n');
  });

  it('has a LICENSE for the license package.json names, and a CHANGELOG heading for its version', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { license: string };
    assert.equal(pkg.license, 'MIT');
    assert.match(await readFile(join(root, 'LICENSE'), 'utf8'), /^MIT License\n/);
    const changelog = await readFile(join(root, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, new RegExp(`^## \\[${(await version()).replaceAll('.', '\\.')}\\]`, 'm'));
  });

  it('ships a systemd unit with the hardening a CAP_NET_ADMIN daemon can take', async (t) => {
    const unit = await readFile(join(root, 'packaging/ikets.service'), 'utf8');
    for (const line of [
      'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE',
      'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'RuntimeDirectory=ikets',
      'ReadWritePaths=/run/ikets',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
      'DeviceAllow=/dev/net/tun rw',
      'ExecReload=/bin/kill -HUP $MAINPID',
      // V8's young generation for many SAs (docs/daemon.md): read at start, so from the environment.
      'Environment=NODE_OPTIONS=--max-semi-space-size=64',
    ])
      assert.ok(unit.split('\n').includes(line), line);
    try {
      await run('systemd-analyze', ['--version']);
    } catch {
      return t.skip('systemd-analyze is not installed');
    }
    const verify = await run('systemd-analyze', ['verify', join(root, 'packaging/ikets.service')]);
    assert.equal(verify.stderr, '');
  });
});
