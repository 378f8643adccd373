/**
 * Default locations. The control socket: `/run/ikets/ikets.ctl` when running as root, else
 * `$XDG_RUNTIME_DIR/ikets.ctl`, else `/tmp/ikets-$UID.ctl`; `--control PATH` (or `IKETS_CONTROL`)
 * overrides. The configuration: `--config FILE`, else `./swanctl.conf` if it exists, else
 * `/etc/ikets/swanctl.conf`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface PathEnvironment {
  readonly uid: number | undefined;
  readonly env: NodeJS.ProcessEnv;
}

const processEnvironment = (): PathEnvironment => ({
  uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
  env: process.env,
});

export function defaultControlPath(environment: PathEnvironment = processEnvironment()): string {
  const { uid, env } = environment;
  if (env.IKETS_CONTROL) return env.IKETS_CONTROL;
  if (uid === 0) return '/run/ikets/ikets.ctl';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'ikets.ctl');
  return `/tmp/ikets-${uid ?? 'user'}.ctl`;
}

export const CONFIG_CANDIDATES = ['swanctl.conf', '/etc/ikets/swanctl.conf'] as const;

/** The configuration file to read: the one given, else the first candidate that exists. */
export function defaultConfigPath(exists: (path: string) => boolean = existsSync): string {
  return CONFIG_CANDIDATES.find((p) => exists(p)) ?? (CONFIG_CANDIDATES[1] as string);
}
