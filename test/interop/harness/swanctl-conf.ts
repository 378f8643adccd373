// Renders swanctl.conf text (strongSwan's settings syntax) from a plain object:
//   { connections: { c1: { version: 1, proposals: ['aes128-sha256-modp2048'], local: {...} } } }
// Booleans become yes/no, arrays are joined with commas, values with blanks or special
// characters are double-quoted. `undefined` entries are left out.

export type SwanctlScalar = string | number | boolean;
export type SwanctlValue = SwanctlScalar | readonly SwanctlScalar[] | SwanctlSection | undefined;
export interface SwanctlSection {
  readonly [key: string]: SwanctlValue;
}

const PLAIN = /^[A-Za-z0-9_.,:/@%+*=!-]+$/;
const KEY = /^[A-Za-z0-9_.-]+$/;

function scalar(v: SwanctlScalar): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(v);
  if (v !== '' && PLAIN.test(v)) return v;
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function isSection(v: SwanctlValue): v is SwanctlSection {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function renderSection(section: SwanctlSection, indent: string, out: string[]): void {
  for (const [key, value] of Object.entries(section)) {
    if (value === undefined) continue;
    if (!KEY.test(key)) throw new TypeError(`invalid swanctl.conf key ${JSON.stringify(key)}`);
    if (isSection(value)) {
      out.push(`${indent}${key} {`);
      renderSection(value, `${indent}  `, out);
      out.push(`${indent}}`);
    } else if (Array.isArray(value)) {
      out.push(`${indent}${key} = ${value.map((v: SwanctlScalar) => scalar(v)).join(',')}`);
    } else {
      out.push(`${indent}${key} = ${scalar(value as SwanctlScalar)}`);
    }
  }
}

/** Renders a strongSwan settings tree (swanctl.conf or strongswan.conf fragment). */
export function renderSettings(root: SwanctlSection, comment?: string): string {
  const out: string[] = [];
  if (comment !== undefined) for (const line of comment.split('\n')) out.push(`# ${line}`);
  renderSection(root, '', out);
  return `${out.join('\n')}\n`;
}

/** What the usual host-to-host IKEv1/IKEv2 test connection needs. */
export interface HostToHostOptions {
  readonly name: string;
  readonly version: 1 | 2;
  readonly localAddr: string;
  readonly remoteAddr: string;
  readonly localId: string;
  readonly remoteId: string;
  /** 'psk' (give `psk`) or 'pubkey' (give `localCert`, file name under x509/). */
  readonly auth: 'psk' | 'pubkey';
  readonly psk?: string;
  readonly localCert?: string;
  readonly proposals?: string;
  readonly espProposals?: string;
  readonly aggressive?: boolean;
  readonly remotePort?: number;
  readonly dpdDelay?: string;
  /** Extra keys merged into the connection section. */
  readonly extra?: SwanctlSection;
  /** Extra keys merged into the child section. */
  readonly childExtra?: SwanctlSection;
}

/** swanctl.conf tree for one host-to-host tunnel-mode connection with one child of the same name. */
export function hostToHost(o: HostToHostOptions): SwanctlSection {
  const auth = (id: string, cert?: string): SwanctlSection => ({ auth: o.auth, id, certs: cert });
  const connection: SwanctlSection = {
    version: o.version,
    local_addrs: o.localAddr,
    remote_addrs: o.remoteAddr,
    remote_port: o.remotePort,
    aggressive: o.aggressive,
    proposals: o.proposals ?? 'aes128-sha256-modp2048',
    dpd_delay: o.dpdDelay,
    local: auth(o.localId, o.localCert),
    remote: auth(o.remoteId),
    children: {
      [o.name]: {
        esp_proposals: o.espProposals ?? 'aes128-sha256-modp2048',
        local_ts: 'dynamic',
        remote_ts: 'dynamic',
        mode: 'tunnel',
        ...o.childExtra,
      },
    },
    ...o.extra,
  };
  const root: Record<string, SwanctlValue> = { connections: { [o.name]: connection } };
  if (o.auth === 'psk') {
    root.secrets = { 'ike-test': { 'id-local': o.localId, 'id-remote': o.remoteId, secret: o.psk ?? '' } };
  }
  return root;
}

/** What one side of the usual two-gateway PSK setup needs: sides `a` and `b`, ids `a.DOMAIN`, `b.DOMAIN`. */
export interface GatewaySideOptions {
  readonly self: 'a' | 'b';
  readonly localAddr: string;
  readonly remoteAddr: string;
  readonly psk: string;
  /** The ids are `a.<domain>` and `b.<domain>`; defaults to `ikets.test`. */
  readonly domain?: string;
  readonly proposals?: string;
  /** The children of connection `gw`, by name. */
  readonly children: Readonly<Record<string, SwanctlSection>>;
}

/** swanctl.conf text of one side of a gateway-to-gateway connection `gw` with PSK secrets for both ids. */
export function gatewaySide(o: GatewaySideOptions): string {
  const domain = o.domain ?? 'ikets.test';
  const [me, peer] = o.self === 'a' ? ['a', 'b'] : ['b', 'a'];
  return renderSettings({
    connections: {
      gw: {
        version: 1,
        local_addrs: o.localAddr,
        remote_addrs: o.remoteAddr,
        proposals: o.proposals ?? 'aes128-sha256-modp2048',
        local: { auth: 'psk', id: `${me}.${domain}` },
        remote: { auth: 'psk', id: `${peer}.${domain}` },
        children: o.children,
      },
    },
    secrets: { 'ike-gw': { 'id-a': `a.${domain}`, 'id-b': `b.${domain}`, secret: o.psk } },
  });
}
