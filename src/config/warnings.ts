/**
 * What is wrong with a configuration that parses but cannot work as written: warnings at start and
 * at `reload`, so the operator hears of them before the first `up` or the first peer does.
 */
import { isIPv4 } from 'node:net';
import { formatIdentity, type IdentityConfig } from './identity.js';
import type { ConnectionConfig, IketsConfig } from './swanctl.js';

export interface ConfigWarning {
  readonly connection: string;
  readonly message: string;
}

const key = (id: IdentityConfig) => `${id.type}:${formatIdentity(id).toLowerCase()}`;

/** The identities a connection's PSK can be looked up with (src/ikev1/phase1/identity.ts, findPsk). */
function identities(connection: ConnectionConfig, side: 'local' | 'remote'): IdentityConfig[] | 'any' {
  const id = connection[side].id;
  if (id !== undefined) return [id];
  const addrs = side === 'local' ? connection.localAddrs : connection.remoteAddrs;
  // %any: the address identity is whatever address the exchange uses, so any address id may match.
  if (addrs.includes('%any')) return 'any';
  return addrs.map((a) => ({ type: isIPv4(a) ? 'ipv4' : 'ipv6', address: a }) as const);
}

/**
 * A connection no secret can serve: no secret without ids, and none naming one of its identities
 * (strongSwan's ranking, src/ikev1/phase1/identity.ts). Such a connection fails every exchange.
 */
function hasPossibleSecret(config: IketsConfig, connection: ConnectionConfig): boolean {
  const sides = [identities(connection, 'local'), identities(connection, 'remote')];
  return config.secrets.some(
    (s) =>
      s.ids.length === 0 ||
      s.ids.some((id) =>
        sides.some(
          (side) =>
            (side === 'any' && (id.type === 'ipv4' || id.type === 'ipv6')) ||
            (side !== 'any' && side.some((own) => key(own) === key(id))),
        ),
      ),
  );
}

/**
 * The warnings of `config` for a daemon listening on `listening` (the bound IKE addresses; undefined:
 * not known, no address check).
 */
export function configWarnings(config: IketsConfig, listening?: readonly string[]): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  for (const c of config.connections) {
    // Only a PSK connection needs a secret; with certificates the keys come from the credential folders.
    if (c.local.auth === 'psk' && !hasPossibleSecret(config, c))
      out.push({
        connection: c.name,
        message: `no secret matches this connection's identities (${describeIds(c)}): every exchange will fail; add an ike secret with a matching id`,
      });
    if (listening === undefined) continue;
    for (const a of c.localAddrs)
      if (a !== '%any' && !listening.includes(a))
        out.push({
          connection: c.name,
          message: `local_addrs ${a}: no IKE socket listens on this address (see --address and 'listening on' above)`,
        });
  }
  return out;
}

function describeIds(c: ConnectionConfig): string {
  const text = (side: 'local' | 'remote') => {
    const ids = identities(c, side);
    return ids === 'any' ? '%any' : ids.map(formatIdentity).join(', ');
  };
  return `local ${text('local')}, remote ${text('remote')}`;
}
