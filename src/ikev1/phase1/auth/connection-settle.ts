/**
 * Which connection a responder's SA settles on once the peer's identity is known (as strongSwan's
 * `select_config` and its candidates): the one chosen by addresses and proposals first, then every
 * other connection for the same addresses and mode that accepts the negotiated suite, each tried
 * with the peer's ID and certificate (one connection per CA or identity pattern on one address).
 */
import type { ConnectionConfig } from '../../../config/swanctl.js';
import type { ExchangeContext } from '../../context.js';
import type { IkeSa } from '../../sa/ike-sa.js';
import { connectionsFor } from '../connection-select.js';
import { sameSuite } from '../phase1-proposal.js';
import { connectionSuites } from './methods.js';

/**
 * The connections to try the peer's proof against, the SA's own first. `beforeAnswer`: we have
 * not sent our ID yet (SKEME chooses its key and connection before its answer), so a connection
 * with another local identity is still possible in Aggressive Mode.
 */
export function settleCandidates(sa: IkeSa, ctx: ExchangeContext, beforeAnswer = false): ConnectionConfig[] {
  const current = sa.connection;
  const suite = sa.suite;
  if (sa.isInitiator || suite === undefined) return [current];
  const others = connectionsFor(ctx.config, sa.local, sa.remote, sa.exchange).filter((c) => {
    if (c === current || c.name === current.name || c.local.auth !== current.local.auth) return false;
    // Our Aggressive Mode message 2 already carried the local ID and certificate: keep them.
    if (sa.exchange === 'aggressive' && !beforeAnswer && !sameLocal(c, current)) return false;
    const suites = connectionSuites(c, ctx.credentials);
    return typeof suites !== 'string' && suites.some((s) => sameSuite(s, suite));
  });
  return [current, ...others];
}

function sameLocal(a: ConnectionConfig, b: ConnectionConfig): boolean {
  return (
    JSON.stringify(a.local.id) === JSON.stringify(b.local.id) &&
    a.local.certs.join('\n') === b.local.certs.join('\n')
  );
}
