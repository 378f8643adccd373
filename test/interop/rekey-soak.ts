// The rekey collision soak against charon (issue 10 item 3), minutes long, so not in npm test:
//   node dist/test/interop/rekey-soak.js [seconds=120] [rekey seconds=4] [life seconds=7]
// Prints the SAs each side lists every second and the summary; exits 1 when a check fails.
import { writeFileSync } from 'node:fs';
import { createNetnsPair, ensureTools } from './harness/index.js';
import { agree, assertSoak, soak } from './rekey-collision-charon.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);
if (!tools.ok) {
  console.log(`skipped: ${tools.reason}`);
  process.exit(0);
}
const [durationS = 120, rekeyS = 4, lifeS = 7] = process.argv.slice(2).map(Number);
const pair = await createNetnsPair();
let code = 0;
try {
  let lastSecond = -1;
  const r = await soak(pair, { rekeyS, lifeS, durationS, everyMs: 250 }, (s) => {
    const second = Math.floor(s.at / 1000);
    // One line a second, and every sample with more than 4 pairs listed.
    if (second === lastSecond && s.ikets.length <= 4 && s.charon.length <= 4) return;
    lastSecond = second;
    console.log(
      `t=${String(second).padStart(4)} s  ikets ${s.ikets.length}  charon ${s.charon.length} (${s.charonRekeyed.length} REKEYED)  ${agree(s) ? 'same SAs' : 'differ'}`,
    );
  });
  console.log(
    `summary: ${durationS} s, rekey ${rekeyS} s, life ${lifeS} s: ikets initiated ${r.iketsQuickModes} Quick Modes, charon installed ${r.charonInstalled} CHILD SAs, ${r.collisions} collisions left a redundant pair on ikets (${r.charonRedundant} on charon), at most ${r.maxIkets} SAs on ikets and ${r.maxCharon} on charon (${r.maxCharonListed} listed), longest listed ${r.longestListed} ms, longest disagreement ${r.longestDisagreement} ms over ${r.samples.length} samples`,
  );
  // SOAK_LOG=<file>: both peers' logs, for a failing run.
  if (process.env.SOAK_LOG) writeFileSync(process.env.SOAK_LOG, r.logs);
  try {
    assertSoak(r, { rekeyS, lifeS });
    console.log('ok');
  } catch (error) {
    console.log(`FAILED: ${(error as Error).message.slice(0, 4000)}`);
    code = 1;
  }
} finally {
  await pair.destroy();
}
process.exit(code);
