/**
 * The initiators of a load run: one connection per setup, cloned from the configured one, each with
 * its own name (so the engine never reuses an ISAKMP SA), its own identity when a pattern has a
 * `%d` (as strongSwan's load-tester names its clients c1, c2, ...), and its source address and port
 * taken round-robin from the ones the run bound.
 */
import { formatIdentity, type IdentityConfig, parseIdentity } from '../config/identity.js';
import type { ConnectionConfig, IkeSecretConfig, IketsConfig } from '../config/swanctl.js';
import { addressIdentity, findPsk } from '../ikev1/phase1/identity.js';
import type { Address } from '../sa/types.js';

export class LoadPlanError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LoadPlanError';
    this.code = code;
  }
}

export interface LoadPlanOptions {
  readonly config: IketsConfig;
  /** The connection to clone. */
  readonly connection: string;
  /** The child to negotiate; default the connection's first; none: phase 1 only. */
  readonly child?: string | undefined;
  /** An identity in swanctl.conf's notation where `%d` is the setup's number (1, 2, ...). */
  readonly identity?: string | undefined;
}

export class LoadPlan {
  readonly template: ConnectionConfig;
  /** The child each setup negotiates, or undefined for phase 1 only. */
  readonly child: string | undefined;
  /** The remote address all setups go to. */
  readonly remote: Address;
  /** The identity pattern with `%d`, or undefined when every setup uses the configured identity. */
  readonly identityPattern: string | undefined;
  /** One secret, without identities, holding the PSK the configured identities select. */
  readonly secrets: readonly IkeSecretConfig[];
  #sources: readonly Address[] = [];

  constructor(options: LoadPlanOptions) {
    const template = options.config.connections.find((c) => c.name === options.connection);
    if (template === undefined)
      throw new LoadPlanError('ERR_LOAD_CONNECTION', `no connection named '${options.connection}'`);
    this.template = template;
    const remote = template.remoteAddrs.find((a) => a !== '%any');
    if (remote === undefined)
      throw new LoadPlanError(
        'ERR_LOAD_CONNECTION',
        `connection '${template.name}' has no remote address (remote_addrs) to send to`,
      );
    this.remote = { address: remote, port: template.remotePort };
    if (options.child !== undefined && !template.children.some((c) => c.name === options.child))
      throw new LoadPlanError(
        'ERR_LOAD_CONNECTION',
        `connection '${template.name}' has no child '${options.child}'`,
      );
    this.child = options.child ?? template.children[0]?.name;
    const configured = template.local.id === undefined ? undefined : formatIdentity(template.local.id);
    const pattern = options.identity ?? configured;
    this.identityPattern = pattern?.includes('%d') === true ? pattern : undefined;
    if (options.identity !== undefined) identityFor(options.identity, 1);
    // With pre-shared keys, one identity-less secret; other methods (certificates, once ikets has
    // them) will find their credentials in the configuration's own secrets.
    this.secrets =
      template.local.auth === 'psk'
        ? [{ name: 'load', line: 0, ids: [], secret: this.#psk(options.config, pattern) }]
        : options.config.secrets;
  }

  /** The local addresses and ports setups leave from, round-robin (what the run could bind). */
  set sources(sources: readonly Address[]) {
    if (sources.length === 0) throw new LoadPlanError('ERR_LOAD_SOURCE', 'no source address to send from');
    this.#sources = sources;
  }

  get sources(): readonly Address[] {
    return this.#sources;
  }

  /** The connection of setup `n` (1, 2, ...). */
  connection(n: number): ConnectionConfig {
    const t = this.template;
    const source = this.#sources[(n - 1) % this.#sources.length] ?? { address: '%any', port: t.localPort };
    const id = this.identityPattern === undefined ? t.local.id : identityFor(this.identityPattern, n);
    return {
      ...t,
      name: `${t.name}-${n}`,
      localAddrs: [source.address],
      localPort: source.port,
      local: { ...t.local, id },
      children: this.child === undefined ? [] : t.children.filter((c) => c.name === this.child),
    };
  }

  /**
   * The PSK for the configured identities (the pattern's first, when there is one), found once: the
   * engine then looks up every setup's key in one identity-less secret instead of ranking them all.
   */
  #psk(config: IketsConfig, pattern: string | undefined): Buffer {
    const t = this.template;
    const local = pattern === undefined ? undefined : identityFor(pattern, 1);
    const remote = t.remote.id ?? addressIdentity(this.remote.address);
    const psk =
      findPsk(config.secrets, local ?? t.local.id ?? addressIdentity('0.0.0.0'), remote) ??
      (t.local.id === undefined ? undefined : findPsk(config.secrets, t.local.id, remote));
    if (psk === undefined)
      throw new LoadPlanError(
        'ERR_LOAD_PSK',
        `no pre-shared key for '${formatIdentity(remote)}' in the configuration's secrets`,
      );
    return psk;
  }
}

/** The identity of setup `n`: `%d` in the pattern replaced by `n`. */
export function identityFor(pattern: string, n: number): IdentityConfig {
  const parsed = parseIdentity(pattern.replaceAll('%d', String(n)));
  if (typeof parsed === 'string')
    throw new LoadPlanError('ERR_LOAD_IDENTITY', `--id '${pattern}': ${parsed}`);
  return parsed;
}
