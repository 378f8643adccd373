import { isIP } from 'node:net';
import { type IdentityConfig, parseIdentity } from './identity.js';
import { newGroupValue, proposalList } from './proposals.js';
import {
  ConfigError,
  parseSettings,
  type SettingsEntry,
  type SettingsSection,
  type SettingsValue,
} from './settings-parser.js';
import { parseTrafficSelector, type TrafficSelectorConfig } from './traffic-selector.js';
import { ValueReader } from './values.js';

/**
 * The subset of swanctl.conf that ikets understands, with strongSwan's names and defaults
 * (docs/configuration.md lists them). Unknown keys are errors, so a typo never goes unnoticed.
 */
export interface IketsConfig {
  readonly connections: readonly ConnectionConfig[];
  readonly secrets: readonly IkeSecretConfig[];
}

export interface ConnectionConfig {
  readonly name: string;
  readonly line: number;
  readonly version: 1;
  readonly aggressive: boolean;
  readonly localAddrs: readonly string[];
  readonly remoteAddrs: readonly string[];
  readonly localPort: number;
  readonly remotePort: number;
  /** IKE proposal strings such as `aes128-sha256-modp2048`; `default` is strongSwan's default set. */
  readonly proposals: readonly string[];
  /** Force UDP encapsulation (RFC 3947) by faking NAT detection, as strongSwan's `encap = yes`. */
  readonly encap: boolean;
  /**
   * IKEv1 fragmentation (the Cisco fragment payload 132 and its Vendor ID), strongSwan's meanings:
   * `yes` announce it and send oversized messages in fragments when the peer announced it too,
   * `accept` announce it but never send fragments, `force` send fragments even before the peer
   * announced anything (the first message too), `no` do not announce it. Fragments sent by the
   * peer are accepted whatever the value, as strongSwan does.
   */
  readonly fragmentation: FragmentationPolicy;
  readonly dpdDelay: number;
  readonly dpdTimeout: number;
  readonly rekeyTime: number;
  readonly overTime: number;
  readonly randTime: number;
  readonly keyingTries: number;
  /**
   * ikets extension: a MODP group (`modp3072`, ...) to agree in New Group Mode after phase 1 as
   * initiator (RFC 2409 section 5.6); children's PFS in it then names it by the private number.
   */
  readonly newGroup: string | undefined;
  readonly local: AuthRoundConfig;
  readonly remote: AuthRoundConfig;
  /** When our certificates go in CERT payloads: `ifasked` (the peer sent CERT-REQ), `always`, `never`. */
  readonly sendCert: 'always' | 'ifasked' | 'never';
  /** Whether we ask for the peer's certificate with CERT-REQ naming our trusted CAs. */
  readonly sendCertreq: boolean;
  readonly children: readonly ChildConfig[];
}

/** swanctl.conf `fragmentation` (src/ikev1/fragmentation/). */
export type FragmentationPolicy = 'yes' | 'accept' | 'force' | 'no';
const FRAGMENTATION_VALUES: readonly FragmentationPolicy[] = ['yes', 'accept', 'force', 'no'];

export interface AuthRoundConfig {
  /**
   * `psk`; `pubkey` for signatures with certificates (`rsa`, `ecdsa` set `keyType`); `pke` and
   * `pke-revised` for SKEME public-key encryption (RFC 2409 sections 5.2 and 5.3).
   */
  readonly auth: 'psk' | 'pubkey' | 'pke' | 'pke-revised';
  /** The line of the `local`/`remote` section, for messages about it (absent when built in code). */
  readonly line?: number;
  /** With `auth = rsa` or `ecdsa`: only that signature algorithm (strongSwan's pubkey constraint). */
  readonly keyType: 'any' | 'rsa' | 'ecdsa';
  /** Undefined: the local IP address (local) or any identity (remote), as in strongSwan. */
  readonly id: IdentityConfig | undefined;
  /** `certs`: certificate files in x509/ (local: ours, sent to the peer; remote: the peer's, pinned). */
  readonly certs: readonly string[];
  /**
   * `pubkeys` (remote, with `pke`/`pke-revised`): the peer's raw public keys, files in pubkey/ (PEM or
   * DER SubjectPublicKeyInfo); the peer's key may instead come from a certificate in `certs`.
   */
  readonly pubkeys: readonly string[];
  /** `cacerts` (remote): trust anchors in x509ca/ the peer's chain must end at; empty: any loaded CA. */
  readonly cacerts: readonly string[];
  /** `revocation` (remote): how CRLs are required, as strongSwan's `strict`, `ifuri`, `relaxed`. */
  readonly revocation: 'strict' | 'ifuri' | 'relaxed';
}

export interface ChildConfig {
  readonly name: string;
  readonly line: number;
  readonly localTs: readonly TrafficSelectorConfig[];
  readonly remoteTs: readonly TrafficSelectorConfig[];
  readonly espProposals: readonly string[];
  readonly ahProposals: readonly string[];
  readonly mode: 'tunnel' | 'transport';
  readonly startAction: 'none' | 'trap' | 'start';
  /** `commit = yes` (ikets extension): set the commit bit in its Quick Modes (RFC 2408 section 3.1). */
  readonly commit: boolean;
  readonly dpdAction: 'clear' | 'trap' | 'restart';
  readonly closeAction: 'none' | 'trap' | 'start';
  readonly rekeyTime: number;
  readonly lifeTime: number;
  readonly randTime: number;
  readonly rekeyBytes: bigint;
  readonly lifeBytes: bigint;
  readonly rekeyPackets: bigint;
  readonly lifePackets: bigint;
  /** Anti-replay window in packets (RFC 4303 section 3.4.3); strongSwan's default is 32. */
  readonly replayWindow: number;
  /** A script run with strongSwan's PLUTO_* environment when the child's SAs go up or down. */
  readonly updown: string | undefined;
}

export interface IkeSecretConfig {
  readonly name: string;
  readonly line: number;
  /** The identities (`id`, `id-*`) the secret belongs to; none: any peer. */
  readonly ids: readonly IdentityConfig[];
  readonly secret: Buffer;
}

type Values = Map<string, SettingsValue>;

function split(
  section: SettingsSection,
  reader: ValueReader,
  allowedSections: readonly string[],
  allowedKeys: readonly string[],
) {
  const values: Values = new Map();
  const sections = new Map<string, SettingsSection>();
  for (const entry of section.entries) {
    checkEntry(entry, reader, allowedSections, allowedKeys, section.name);
    if (entry.kind === 'value') {
      if (values.has(entry.key))
        throw reader.error(entry.line, `'${entry.key}' is set twice in '${section.name}'`);
      values.set(entry.key, entry);
    } else {
      if (sections.has(entry.name))
        throw reader.error(entry.line, `section '${entry.name}' appears twice in '${section.name}'`);
      sections.set(entry.name, entry);
    }
  }
  return { values, sections };
}

function checkEntry(
  entry: SettingsEntry,
  reader: ValueReader,
  sections: readonly string[],
  keys: readonly string[],
  where: string,
): void {
  const name = entry.kind === 'value' ? entry.key : entry.name;
  const allowed = entry.kind === 'value' ? keys : sections;
  if (!allowed.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : a === name))) {
    const kind = entry.kind === 'value' ? 'key' : 'section';
    const expected =
      allowed.length > 0 ? `expected one of ${allowed.join(', ')}` : 'no entries are expected here';
    throw reader.error(entry.line, `unknown ${kind} '${name}' in '${where || 'top level'}': ${expected}`);
  }
}

const CONNECTION_KEYS = [
  'version',
  'aggressive',
  'local_addrs',
  'remote_addrs',
  'local_port',
  'remote_port',
  'proposals',
  'encap',
  'fragmentation',
  'dpd_delay',
  'dpd_timeout',
  'rekey_time',
  'reauth_time',
  'over_time',
  'rand_time',
  'keyingtries',
  'send_cert',
  'send_certreq',
  'new_group',
] as const;
const CHILD_KEYS = [
  'local_ts',
  'remote_ts',
  'esp_proposals',
  'ah_proposals',
  'mode',
  'start_action',
  'commit',
  'dpd_action',
  'close_action',
  'rekey_time',
  'life_time',
  'rand_time',
  'rekey_bytes',
  'life_bytes',
  'rekey_packets',
  'life_packets',
  'replay_window',
  'updown',
] as const;

/** Parses swanctl.conf text into ikets' configuration. Throws ConfigError naming file:line. */
export function parseSwanctlConfig(text: string, file = 'swanctl.conf'): IketsConfig {
  const reader = new ValueReader(file);
  const root = split(parseSettings(text, file), reader, ['connections', 'secrets'], []);
  const connections = root.sections.get('connections');
  const secrets = root.sections.get('secrets');
  return {
    connections: connections
      ? connections.entries.map((e) => connection(asSection(e, reader, 'a connection'), reader))
      : [],
    secrets: secrets ? secrets.entries.map((e) => secret(asSection(e, reader, 'a secret'), reader)) : [],
  };
}

function asSection(entry: SettingsEntry, reader: ValueReader, what: string): SettingsSection {
  if (entry.kind === 'section') return entry;
  throw reader.error(entry.line, `expected ${what} section ('${entry.key} { ... }'), found a key`);
}

function connection(section: SettingsSection, reader: ValueReader): ConnectionConfig {
  const { values, sections } = split(section, reader, ['local', 'remote', 'children'], CONNECTION_KEYS);
  const get = <T>(key: string, read: (v: SettingsValue) => T, fallback: T): T => {
    const v = values.get(key);
    return v === undefined ? fallback : read(v);
  };
  const version = values.get('version');
  if (version !== undefined && version.value !== '1') {
    throw reader.error(
      version.line,
      `version: expected 1 (IKEv1; IKEv2 is not offered yet), found '${version.value}'`,
    );
  }
  const reauth = values.get('reauth_time');
  // In IKEv1 every rekeying of the ISAKMP SA is a reauthentication; strongSwan treats both keys alike.
  const rekeyTime = get('rekey_time', (v) => reader.seconds(v), reauth ? reader.seconds(reauth) : 14400);
  const overTime = get('over_time', (v) => reader.seconds(v), Math.floor(rekeyTime / 10));
  const addrs = (key: string) =>
    get(
      key,
      (v) => {
        const list = reader.list(v);
        for (const a of list)
          if (a !== '%any' && isIP(a) === 0)
            throw reader.error(v.line, `${key}: '${a}' is not an IP address or %any`);
        return list;
      },
      ['%any'],
    );
  const children = sections.get('children');
  const parsed: ConnectionConfig = {
    name: section.name,
    line: section.line,
    version: 1,
    aggressive: get('aggressive', (v) => reader.bool(v), false),
    localAddrs: addrs('local_addrs'),
    remoteAddrs: addrs('remote_addrs'),
    localPort: get('local_port', (v) => reader.port(v), 500),
    remotePort: get('remote_port', (v) => reader.port(v), 500),
    proposals: get('proposals', (v) => proposalList(v, reader, 'ike'), ['default']),
    encap: get('encap', (v) => reader.bool(v), false),
    fragmentation: get('fragmentation', (v) => reader.oneOf(v, FRAGMENTATION_VALUES), 'yes'),
    dpdDelay: get('dpd_delay', (v) => reader.seconds(v), 0),
    dpdTimeout: get('dpd_timeout', (v) => reader.seconds(v), 150),
    rekeyTime,
    overTime,
    randTime: get('rand_time', (v) => reader.seconds(v), overTime),
    keyingTries: get('keyingtries', (v) => Number(reader.count(v)), 1),
    newGroup: get('new_group', (v) => newGroupValue(v, reader), undefined),
    local: authRound(sections.get('local'), reader, 'local', section),
    remote: authRound(sections.get('remote'), reader, 'remote', section),
    sendCert: get('send_cert', (v) => reader.oneOf(v, ['always', 'ifasked', 'never'] as const), 'ifasked'),
    sendCertreq: get('send_certreq', (v) => reader.bool(v), true),
    children: children ? children.entries.map((e) => child(asSection(e, reader, 'a child'), reader)) : [],
  };
  // IKEv1 negotiates one authentication method for both ends (RFC 2409 section 5).
  if (parsed.local.auth !== parsed.remote.auth)
    throw reader.error(
      section.line,
      `connection '${section.name}': local auth '${parsed.local.auth}' and remote auth '${parsed.remote.auth}' differ; IKEv1 uses one method for both ends`,
    );
  return parsed;
}

const AUTH_VALUES = ['psk', 'pubkey', 'rsa', 'ecdsa', 'pke', 'pke-revised'] as const;

function authRound(
  section: SettingsSection | undefined,
  reader: ValueReader,
  which: 'local' | 'remote',
  parent: SettingsSection,
): AuthRoundConfig {
  if (section === undefined)
    throw reader.error(parent.line, `connection '${parent.name}' has no '${which}' section`);
  const keys =
    which === 'local' ? ['auth', 'id', 'certs'] : ['auth', 'id', 'certs', 'pubkeys', 'cacerts', 'revocation'];
  const { values } = split(section, reader, [], keys);
  const authValue = values.get('auth');
  if (authValue === undefined) throw reader.error(section.line, `'${which}' needs 'auth' (psk or pubkey)`);
  const auth = reader.oneOf(authValue, AUTH_VALUES);
  const idValue = values.get('id');
  let id: IdentityConfig | undefined;
  if (idValue !== undefined && idValue.value !== '%any') {
    const parsed = parseIdentity(idValue.value);
    if (typeof parsed === 'string') throw reader.error(idValue.line, `id: ${parsed}`);
    id = parsed;
  }
  const files = (key: string) => {
    const v = values.get(key);
    if (v === undefined) return [];
    if (auth === 'psk') throw reader.error(v.line, `${key}: certificates need 'auth = pubkey'`);
    return reader.list(v);
  };
  const certs = files('certs');
  if (which === 'local' && auth !== 'psk' && certs.length === 0)
    throw reader.error(section.line, `'local' with 'auth = ${auth}' needs 'certs' (a file in x509/)`);
  const pubkeysValue = values.get('pubkeys');
  const pke = auth === 'pke' || auth === 'pke-revised';
  if (pubkeysValue !== undefined && !pke)
    throw reader.error(pubkeysValue.line, `pubkeys: raw public keys need 'auth = pke' or 'pke-revised'`);
  const pubkeys = pubkeysValue === undefined ? [] : reader.list(pubkeysValue);
  // RFC 2409 section 5.2: "the initiator must already have the responder's public key", and each
  // side encrypts its nonce and ID to the other's key: the peer's key is configured, not received.
  if (which === 'remote' && pke && certs.length === 0 && pubkeys.length === 0)
    throw reader.error(
      section.line,
      `'remote' with 'auth = ${auth}' needs the peer's public key in advance: 'certs' (a file in x509/) or 'pubkeys' (a file in pubkey/)`,
    );
  const revocation = values.get('revocation');
  return {
    auth: auth === 'psk' || auth === 'pke' || auth === 'pke-revised' ? auth : 'pubkey',
    line: section.line,
    keyType: auth === 'rsa' || auth === 'ecdsa' ? auth : 'any',
    id,
    certs,
    pubkeys,
    cacerts: files('cacerts'),
    revocation:
      revocation === undefined
        ? 'relaxed'
        : reader.oneOf(revocation, ['strict', 'ifuri', 'relaxed'] as const),
  };
}

function child(section: SettingsSection, reader: ValueReader): ChildConfig {
  const { values } = split(section, reader, [], CHILD_KEYS);
  const get = <T>(key: string, read: (v: SettingsValue) => T, fallback: T): T => {
    const v = values.get(key);
    return v === undefined ? fallback : read(v);
  };
  const selectors = (key: string) =>
    get(
      key,
      (v) =>
        reader.list(v).map((text) => {
          const ts = parseTrafficSelector(text);
          if (typeof ts === 'string') throw reader.error(v.line, `${key}: ${ts}`);
          return ts;
        }),
      [{ kind: 'dynamic', protocol: 0, port: 0 } as const],
    );
  const rekeyTime = get('rekey_time', (v) => reader.seconds(v), 3600);
  // strongSwan: life_time defaults to rekey_time + 10%, rand_time to life_time - rekey_time.
  const lifeTime = get('life_time', (v) => reader.seconds(v), Math.floor(rekeyTime * 1.1));
  const life = values.get('life_time');
  if (life !== undefined && rekeyTime > 0 && lifeTime <= rekeyTime)
    throw reader.error(life.line, 'life_time: must be longer than rekey_time');
  const ah = get('ah_proposals', (v) => proposalList(v, reader, 'ah'), []);
  return {
    name: section.name,
    line: section.line,
    localTs: selectors('local_ts'),
    remoteTs: selectors('remote_ts'),
    espProposals: get(
      'esp_proposals',
      (v) => proposalList(v, reader, 'esp'),
      ah.length > 0 ? [] : ['default'],
    ),
    ahProposals: ah,
    mode: get('mode', (v) => reader.oneOf(v, ['tunnel', 'transport'] as const), 'tunnel'),
    startAction: get('start_action', (v) => reader.oneOf(v, ['none', 'trap', 'start'] as const), 'none'),
    commit: get('commit', (v) => reader.bool(v), false),
    dpdAction: get('dpd_action', (v) => reader.oneOf(v, ['clear', 'trap', 'restart'] as const), 'clear'),
    closeAction: get('close_action', (v) => reader.oneOf(v, ['none', 'trap', 'start'] as const), 'none'),
    rekeyTime,
    lifeTime,
    randTime: get('rand_time', (v) => reader.seconds(v), lifeTime - rekeyTime),
    rekeyBytes: get('rekey_bytes', (v) => reader.count(v), 0n),
    lifeBytes: get('life_bytes', (v) => reader.count(v), 0n),
    rekeyPackets: get('rekey_packets', (v) => reader.count(v), 0n),
    lifePackets: get('life_packets', (v) => reader.count(v), 0n),
    replayWindow: get(
      'replay_window',
      (v) => {
        const n = reader.count(v);
        // The kernel's ESN bitmap and ours are sized by it: bound what a configuration can ask for.
        if (n > 4096n) throw reader.error(v.line, 'replay_window: at most 4096 packets');
        return Number(n);
      },
      32,
    ),
    updown: get('updown', (v) => v.value, undefined),
  };
}

function secret(section: SettingsSection, reader: ValueReader): IkeSecretConfig {
  if (!section.name.startsWith('ike')) {
    throw reader.error(
      section.line,
      `secret '${section.name}': only IKE pre-shared keys ('ike-NAME { ... }') are supported`,
    );
  }
  const { values } = split(section, reader, [], ['id', 'id*', 'secret']);
  const secretValue = values.get('secret');
  if (secretValue === undefined) throw reader.error(section.line, `secret '${section.name}' has no 'secret'`);
  const ids: IdentityConfig[] = [];
  for (const [key, v] of values) {
    if (key !== 'id' && !key.startsWith('id-')) continue;
    const id = parseIdentity(v.value);
    if (typeof id === 'string') throw reader.error(v.line, `${key}: ${id}`);
    ids.push(id);
  }
  return { name: section.name, line: section.line, ids, secret: reader.secret(secretValue) };
}

export { ConfigError };
