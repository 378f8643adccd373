/**
 * `proposals`, `esp_proposals` and `ah_proposals` are checked when the configuration is read, so a
 * typo (`aes128-sha257-modp2048`) is a ConfigError naming file:line at start and at `reload`, never
 * first a failed `up`. The engine builds its offers from the same strings with the same parser.
 */
import {
  CryptoError,
  ikev1Suites,
  type ProposalProtocol,
  parseProposals,
  transformByKeyword,
} from '../crypto/index.js';
import type { SettingsValue } from './settings-parser.js';
import type { ValueReader } from './values.js';

/** The comma-separated proposals of `v`, each parsed as the engine will (`default` as is). */
export function proposalList(v: SettingsValue, reader: ValueReader, protocol: ProposalProtocol): string[] {
  const list = reader.list(v);
  if (list.length === 0) throw reader.error(v.line, `${v.key}: no proposal given`);
  for (const text of list) {
    if (text === 'default') continue;
    const reason = proposalProblem(text, protocol);
    if (reason !== undefined) throw reader.error(v.line, `${v.key}: ${reason}`);
  }
  return list;
}

function proposalProblem(text: string, protocol: ProposalProtocol): string | undefined {
  try {
    for (const p of parseProposals(text, protocol))
      for (const s of ikev1Suites(p, 'expand')) {
        // RFC 2409 section 5: a phase 1 transform carries a cipher, a hash and a DH group.
        if (protocol === 'ike' && (s.encryption === undefined || s.integrity?.hash === undefined))
          return `'${text}' needs an encryption algorithm and a hash`;
        if (protocol === 'ike' && s.dh === undefined) return `'${text}' needs a Diffie-Hellman group`;
        if (protocol === 'esp' && s.encryption === undefined)
          return `'${text}' needs an encryption algorithm`;
        if (protocol === 'ah' && s.integrity === undefined) return `'${text}' needs an integrity algorithm`;
      }
  } catch (error) {
    if (error instanceof CryptoError) return error.message;
    throw error;
  }
  return undefined;
}

/** `new_group` (ikets extension): a MODP group keyword, offered in New Group Mode (RFC 2409 5.6). */
export function newGroupValue(v: SettingsValue, reader: ValueReader): string {
  const t = transformByKeyword(v.value);
  if (t?.kind !== 'dh' || t.group.kind !== 'modp')
    throw reader.error(v.line, `${v.key}: expected a MODP group such as modp3072, found '${v.value}'`);
  return t.keyword;
}
