// Extracts IKE key material from a charon log written with `ike` level 4. charon dumps each
// secret as `LABEL => N bytes @ 0xADDR` followed by lines `   0: 01 02 ... 10  ascii`.

export interface KeyDump {
  readonly label: string;
  /** Lowercase hex. */
  readonly hex: string;
  /** The IKE SA tag (`<name|id>`) the line carries, if any. */
  readonly sa: string | undefined;
}

const HEADER = /\] (?:<([^>]*)> )?(.+?) => (\d+) bytes @ /;
const ROW = /\]\s+(?:<[^>]*>\s+)?\d+: ((?:[0-9A-F]{2} ){1,16})/;

/** Every hex dump in the log, in order. */
export function keyDumps(log: string): KeyDump[] {
  const lines = log.split('\n');
  const out: KeyDump[] = [];
  for (let i = 0; i < lines.length; i++) {
    const h = HEADER.exec(lines[i] ?? '');
    if (!h) continue;
    const n = Number(h[3]);
    let hex = '';
    let j = i + 1;
    for (; j < lines.length && hex.length < 2 * n; j++) {
      const row = ROW.exec(lines[j] ?? '');
      if (!row) break;
      hex += (row[1] ?? '').replace(/ /g, '');
    }
    out.push({ label: h[2] ?? '', hex: hex.toLowerCase().slice(0, 2 * n), sa: h[1] });
    i = j - 1;
  }
  return out;
}

/** First dump with this label (e.g. "encryption key Ka", "Sk_ei secret"), or undefined. */
export function firstDump(log: string, label: string): string | undefined {
  return keyDumps(log).find((d) => d.label === label)?.hex;
}
