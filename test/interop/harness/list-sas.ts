// Parses `swanctl --list-sas --raw`: one line per IKE SA, `list-sa event {NAME {key=value ...
// child-sas {CHILD {key=value ...}}}}`, lists as `key=[a b]`. swanctl prints values unquoted, so
// a value containing blanks is recognised by its continuation not looking like `key=` / `key {`.
import { HarnessError } from './errors.js';

export type ViciValue = string | readonly string[] | ViciSection;
export interface ViciSection {
  readonly [key: string]: ViciValue;
}

export interface ChildSaInfo {
  /** Child config name (the `name` key), e.g. `net`. */
  readonly name: string;
  /** Section key, e.g. `net-1`. */
  readonly key: string;
  readonly uniqueId: number;
  readonly reqid: number;
  /** INSTALLED, REKEYING, ... */
  readonly state: string;
  /** TUNNEL, TRANSPORT, BEET. */
  readonly mode: string;
  /** ESP or AH. */
  readonly protocol: string;
  /** UDP-encapsulated (NAT-T). */
  readonly encap: boolean;
  /** Inbound / outbound SPI, 8 lowercase hex digits. */
  readonly spiIn: string;
  readonly spiOut: string;
  readonly encrAlg: string | undefined;
  readonly encrKeysize: number | undefined;
  readonly integAlg: string | undefined;
  readonly dhGroup: string | undefined;
  readonly bytesIn: number;
  readonly packetsIn: number;
  readonly bytesOut: number;
  readonly packetsOut: number;
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
  readonly raw: ViciSection;
}

export interface IkeSaInfo {
  readonly name: string;
  readonly uniqueId: number;
  readonly version: number;
  /** ESTABLISHED, CONNECTING, DELETING, ... */
  readonly state: string;
  readonly localHost: string;
  readonly localPort: number;
  readonly localId: string;
  readonly remoteHost: string;
  readonly remotePort: number;
  readonly remoteId: string;
  readonly initiator: boolean;
  /** IKEv1 initiator / responder cookie (IKEv2 SPI), 16 lowercase hex digits. */
  readonly initiatorSpi: string;
  readonly responderSpi: string;
  readonly natLocal: boolean;
  readonly natRemote: boolean;
  readonly natAny: boolean;
  readonly encrAlg: string | undefined;
  readonly encrKeysize: number | undefined;
  readonly integAlg: string | undefined;
  readonly prfAlg: string | undefined;
  readonly dhGroup: string | undefined;
  readonly childSas: readonly ChildSaInfo[];
  readonly raw: ViciSection;
}

export interface SaListing {
  readonly ikeSas: readonly IkeSaInfo[];
}

// swanctl keys are lowercase (`local-id=`); DN attributes in identities are not (`O=ikets`).
const KEY_START = /^[a-z0-9_-]+=/;

/** Parses one `{...}` body in raw swanctl output; returns the section and the index after `}`. */
function parseSection(text: string, start: number): [ViciSection, number] {
  const out: Record<string, ViciValue> = {};
  let i = start;
  const skipBlanks = (): void => {
    while (i < text.length && text[i] === ' ') i++;
  };
  for (;;) {
    skipBlanks();
    if (i >= text.length) throw new HarnessError('BAD_LIST_SAS', 'unterminated section in swanctl output');
    if (text[i] === '}') return [out, i + 1];
    let j = i;
    while (j < text.length && !' ={}'.includes(text[j] ?? '')) j++;
    const key = text.slice(i, j);
    if (key === '') throw new HarnessError('BAD_LIST_SAS', `unexpected ${text[j]} at ${j} in swanctl output`);
    i = j;
    skipBlanks();
    if (text[i] === '{') {
      const [section, next] = parseSection(text, i + 1);
      out[key] = section;
      i = next;
    } else if (text[i] === '=' && text[i + 1] === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw new HarnessError('BAD_LIST_SAS', 'unterminated list in swanctl output');
      out[key] = text
        .slice(i + 2, close)
        .split(' ')
        .filter((s) => s !== '');
      i = close + 1;
    } else if (text[i] === '=') {
      i++;
      let value = '';
      for (;;) {
        let k = i;
        while (k < text.length && text[k] !== ' ' && text[k] !== '}') k++;
        value += text.slice(i, k);
        i = k;
        // continuation of a value with blanks: the next word is neither `key=...`, `key {` nor `}`
        if (text[i] !== ' ') break;
        let n = i;
        while (text[n] === ' ') n++;
        const rest = text.slice(n);
        const word = rest.split(' ', 1)[0] ?? '';
        if (rest.startsWith('}') || KEY_START.test(word) || /^[A-Za-z0-9_.-]+ *\{/.test(rest)) break;
        value += text.slice(i, n);
        i = n;
      }
      out[key] = value;
    } else {
      out[key] = '';
    }
  }
}

function str(s: ViciSection, key: string): string | undefined {
  const v = s[key];
  return typeof v === 'string' ? v : undefined;
}
function num(s: ViciSection, key: string): number {
  const v = str(s, key);
  return v === undefined ? 0 : Number(v);
}
function optNum(s: ViciSection, key: string): number | undefined {
  const v = str(s, key);
  return v === undefined ? undefined : Number(v);
}
function list(s: ViciSection, key: string): readonly string[] {
  const v = s[key];
  return Array.isArray(v) ? v : [];
}
function section(v: ViciValue | undefined): ViciSection {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ViciSection) : {};
}

function toChild(key: string, s: ViciSection): ChildSaInfo {
  return {
    name: str(s, 'name') ?? key,
    key,
    uniqueId: num(s, 'uniqueid'),
    reqid: num(s, 'reqid'),
    state: str(s, 'state') ?? '',
    mode: str(s, 'mode') ?? '',
    protocol: str(s, 'protocol') ?? '',
    encap: str(s, 'encap') === 'yes',
    spiIn: (str(s, 'spi-in') ?? '').toLowerCase(),
    spiOut: (str(s, 'spi-out') ?? '').toLowerCase(),
    encrAlg: str(s, 'encr-alg'),
    encrKeysize: optNum(s, 'encr-keysize'),
    integAlg: str(s, 'integ-alg'),
    dhGroup: str(s, 'dh-group'),
    bytesIn: num(s, 'bytes-in'),
    packetsIn: num(s, 'packets-in'),
    bytesOut: num(s, 'bytes-out'),
    packetsOut: num(s, 'packets-out'),
    localTs: list(s, 'local-ts'),
    remoteTs: list(s, 'remote-ts'),
    raw: s,
  };
}

function toIke(name: string, s: ViciSection): IkeSaInfo {
  const children = section(s['child-sas']);
  return {
    name,
    uniqueId: num(s, 'uniqueid'),
    version: num(s, 'version'),
    state: str(s, 'state') ?? '',
    localHost: str(s, 'local-host') ?? '',
    localPort: num(s, 'local-port'),
    localId: str(s, 'local-id') ?? '',
    remoteHost: str(s, 'remote-host') ?? '',
    remotePort: num(s, 'remote-port'),
    remoteId: str(s, 'remote-id') ?? '',
    initiator: str(s, 'initiator') === 'yes',
    initiatorSpi: (str(s, 'initiator-spi') ?? '').toLowerCase(),
    responderSpi: (str(s, 'responder-spi') ?? '').toLowerCase(),
    natLocal: str(s, 'nat-local') === 'yes',
    natRemote: str(s, 'nat-remote') === 'yes',
    natAny: str(s, 'nat-any') === 'yes',
    encrAlg: str(s, 'encr-alg'),
    encrKeysize: optNum(s, 'encr-keysize'),
    integAlg: str(s, 'integ-alg'),
    prfAlg: str(s, 'prf-alg'),
    dhGroup: str(s, 'dh-group'),
    childSas: Object.entries(children).map(([k, v]) => toChild(k, section(v))),
    raw: s,
  };
}

/** Parses the output of `swanctl --list-sas --raw`. */
export function parseListSas(output: string): SaListing {
  const ikeSas: IkeSaInfo[] = [];
  for (const line of output.split('\n')) {
    const m = /^list-sa event \{/.exec(line);
    if (!m) continue;
    const [event] = parseSection(line, m[0].length);
    for (const [name, value] of Object.entries(event)) ikeSas.push(toIke(name, section(value)));
  }
  return { ikeSas };
}
