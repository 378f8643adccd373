/** A crypto worker that dies on its first request (dh-pool.test.ts: a crash falls back inline). */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  throw new Error('crypto worker crash (test)');
});
