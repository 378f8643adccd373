// Follows the load generator's log (charon, filelog level 0): the first "initiating Main Mode" line
// starts the clock, each "CHILD_SA load-test{N} established" line is one finished setup (Main Mode
// and Quick Mode). Fed in chunks as the file grows; a line cut at a chunk's end waits for the next.

const INITIATING = /initiating Main Mode IKE_SA /;
const CHILD_UP = /CHILD_SA \S+\{\d+\} established/;

export class LoadTestProgress {
  /** Lines that started an IKE SA. */
  initiated = 0;
  /** Setups whose CHILD SA is up. */
  established = 0;
  private rest = '';

  /** Takes the next piece of the log; returns true when it held a new line of interest. */
  feed(chunk: string): boolean {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    let changed = false;
    for (const line of lines) {
      if (CHILD_UP.test(line)) {
        this.established++;
        changed = true;
      } else if (INITIATING.test(line)) {
        this.initiated++;
        changed = true;
      }
    }
    return changed;
  }
}
