// Follows the load generator's log (charon, filelog level 0, `time_format = %s` with
// `time_add_ms`: each line starts with the Unix time in ms, `1764642529.123`): the first
// "initiating Main Mode" line starts the clock, each "CHILD_SA load-test{N} established" line is one
// finished setup (Main Mode and Quick Mode) and moves its end. Fed in chunks as the file grows; a
// line cut at a chunk's end waits for the next.

const STAMP = /^(\d+)\.(\d{3}) /;
const INITIATING = /initiating Main Mode IKE_SA /;
const CHILD_UP = /CHILD_SA \S+\{\d+\} established/;

export class LoadTestProgress {
  /** Lines that started an IKE SA. */
  initiated = 0;
  /** Setups whose CHILD SA is up. */
  established = 0;
  /** Time of the first initiation, ms since the epoch (as charon logged it). */
  firstInitiationMs: number | undefined;
  /** Time of the last setup. */
  lastEstablishedMs: number | undefined;
  private rest = '';

  /** Takes the next piece of the log; returns true when it held a new line of interest. */
  feed(chunk: string): boolean {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    let changed = false;
    for (const line of lines) {
      const m = STAMP.exec(line);
      const at = m === null ? undefined : Number(m[1]) * 1000 + Number(m[2]);
      if (CHILD_UP.test(line)) {
        this.established++;
        if (at !== undefined) this.lastEstablishedMs = at;
        changed = true;
      } else if (INITIATING.test(line)) {
        this.initiated++;
        if (this.firstInitiationMs === undefined) this.firstInitiationMs = at;
        changed = true;
      }
    }
    return changed;
  }

  /** Seconds from the first initiation to the last setup so far (0 before either). */
  seconds(): number {
    if (this.firstInitiationMs === undefined || this.lastEstablishedMs === undefined) return 0;
    return Math.max(0, this.lastEstablishedMs - this.firstInitiationMs) / 1000;
  }
}
