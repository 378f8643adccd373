/**
 * The control socket is never reachable by other users, not even between its creation and the
 * chmod: seen from a watcher of its directory, the socket file is 0600 from the first moment,
 * even under a umask of 0 (which would make it 0777 until the chmod).
 */
import assert from 'node:assert/strict';
import { type FSWatcher, statSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ControlServer } from '../../src/daemon/index.js';

describe('control socket permissions', () => {
  it('is created 0600: no window in which another user can connect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ikets-ctl-mode-'));
    const saved = process.umask(0);
    try {
      for (let round = 0; round < 5; round++) {
        const path = join(dir, `ctl-${round}`);
        const seen: number[] = [];
        let watcher: FSWatcher | undefined;
        watcher = watch(dir, (_event, name) => {
          if (name !== `ctl-${round}`) return;
          try {
            seen.push(statSync(path).mode & 0o777);
          } catch {
            // removed again
          }
        });
        // The umask the daemon runs with is the operator's; here the worst case.
        process.umask(0);
        const server = await ControlServer.listen(path, async () => ({ ok: true }));
        // statSync right after listen resolved, too: the callback may have raced the watcher.
        seen.push(statSync(path).mode & 0o777);
        await server.close();
        watcher.close();
        watcher = undefined;
        assert.ok(seen.length > 0);
        assert.deepEqual(
          seen.filter((m) => m !== 0o600),
          [],
          `modes seen: ${seen.map((m) => m.toString(8))}`,
        );
        assert.equal(process.umask(), 0, 'the umask is restored');
      }
    } finally {
      process.umask(saved);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
