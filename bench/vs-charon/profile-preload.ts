/**
 * Loaded into the ikets responder with `node --import` when IKETS_BENCH_CPU_PROF=DIR is set: the
 * first SIGUSR2 starts V8's CPU profiler (in this process, through node:inspector), the second stops
 * it and writes DIR/<name>.cpuprofile, then answers by touching DIR/<name>.done. So the profile
 * covers exactly the window whose CPU the benchmark measures (after start-up, before the kill),
 * without the daemon's start or its shutdown. The file name comes from IKETS_BENCH_CPU_PROF_NAME.
 *
 *   node dist/bench/cpu-profile.js DIR/ikets-x25519-1.cpuprofile 25
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.IKETS_BENCH_CPU_PROF ?? '';
const name = process.env.IKETS_BENCH_CPU_PROF_NAME ?? `ikets-${process.pid}`;
/** µs between samples: finer than --cpu-prof's default 1 ms, for setups of 1-2 ms. */
const INTERVAL_US = 200;

if (dir !== '') {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US }, () =>
          session.post('Profiler.start'),
        ),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(result.profile));
      writeFileSync(join(dir, `${name}.done`), error === null ? '' : String(error));
    });
  });
}
