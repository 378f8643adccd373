/**
 * The parser's work and memory are bounded by what it has read (a lazy lexer), the nesting depth
 * and the size of a configuration are limited, and a file holding secrets that others can read or
 * write is reported.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_CONFIG_BYTES, MAX_DEPTH, parseSettings } from '../../src/config/settings-parser.js';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { configFileWarnings, loadConfigFile } from '../../src/daemon/service.js';

describe('configuration bounds', () => {
  it('a file of 10 MB of "{" fails at its first byte, without tokenizing the rest', () => {
    const before = process.memoryUsage().heapUsed;
    assert.throws(() => parseSettings('{'.repeat(10 * 1024 * 1024), 'big.conf'), {
      message: "big.conf:1: expected a key or section name, found '{'",
    });
    // One token object per byte would take over a gigabyte; the lexer takes none.
    assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
  });

  it(`refuses sections nested deeper than ${MAX_DEPTH} levels and files over ${MAX_CONFIG_BYTES} bytes`, () => {
    const deep = `${'a {\n'.repeat(MAX_DEPTH + 1)}${'}\n'.repeat(MAX_DEPTH + 1)}`;
    assert.throws(() => parseSettings(deep, 'deep.conf'), {
      message: `deep.conf:${MAX_DEPTH + 1}: sections nested deeper than ${MAX_DEPTH} levels`,
    });
    const fine = `${'a {\n'.repeat(MAX_DEPTH)}${'}\n'.repeat(MAX_DEPTH)}`;
    assert.equal(parseSettings(fine).entries.length, 1);
    assert.throws(() => parseSettings(' '.repeat(MAX_CONFIG_BYTES + 1), 'huge.conf'), /larger than 16 MiB/);
  });

  it('loading: a directory is one clear error; secrets others can read or write are warned about', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ikets-conf-'));
    try {
      await assert.rejects(loadConfigFile(dir), { code: 'ERR_IKETS_CONFIG', message: /is a directory/ });
      const file = join(dir, 'swanctl.conf');
      const text = 'secrets { ike-1 { secret = very-secret-0123456789 } }\n';
      await writeFile(file, text);
      const config = parseSwanctlConfig(text, file);
      await chmod(file, 0o600);
      assert.deepEqual(await configFileWarnings(file, config), []);
      await chmod(file, 0o644);
      assert.deepEqual(await configFileWarnings(file, config), [
        `${file} holds secrets and every user can read it (mode 644): chmod o-r`,
      ]);
      await chmod(file, 0o666);
      assert.equal((await configFileWarnings(file, config)).length, 2);
      assert.deepEqual(await configFileWarnings(file, parseSwanctlConfig('', file)), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
