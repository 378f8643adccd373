// Which external tools the interop tests need, and whether they are usable here.
import { accessSync, constants } from 'node:fs';

export const CHARON_BIN = '/usr/lib/ipsec/charon';
const PLUGIN_DIR = '/usr/lib/ipsec/plugins';
/** charon plugins the generated strongswan.conf relies on beyond strongswan-charon's own. */
const REQUIRED_PLUGINS = ['openssl', 'kernel-libipsec', 'vici', 'socket-default'];

export interface ToolStatus {
  /** All tools present and running as root: interop tests can run. */
  readonly ok: boolean;
  /** Why not (for `t.skip(reason)`), empty when ok. */
  readonly reason: string;
  readonly root: boolean;
  /** Absolute path per tool, undefined when missing. */
  readonly paths: Readonly<Record<ToolName, string | undefined>>;
  readonly missing: readonly ToolName[];
}

export type ToolName = 'charon' | 'swanctl' | 'pki' | 'ip' | 'unshare' | 'tshark' | 'nft';

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` on PATH (plus the usual sbin directories); undefined if absent. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

let cached: ToolStatus | undefined;

/**
 * Detects charon, swanctl, pki, ip, unshare and tshark and whether we are root.
 * `required` narrows the check (e.g. a test that needs no capture can leave out tshark).
 */
export function ensureTools(
  required: readonly ToolName[] = ['charon', 'swanctl', 'ip', 'unshare', 'tshark'],
): ToolStatus {
  const all =
    cached ??
    (() => {
      const paths: Record<ToolName, string | undefined> = {
        charon: executable(CHARON_BIN) ? CHARON_BIN : undefined,
        swanctl: which('swanctl'),
        pki: which('pki'),
        ip: which('ip'),
        unshare: which('unshare'),
        tshark: which('tshark'),
        nft: which('nft'),
      };
      const status: ToolStatus = {
        ok: true,
        reason: '',
        root: typeof process.getuid === 'function' && process.getuid() === 0,
        paths,
        missing: [],
      };
      cached = status;
      return status;
    })();
  const missing = required.filter((t) => all.paths[t] === undefined);
  const reasons: string[] = [];
  if (required.includes('charon') && all.paths.charon !== undefined) {
    const plugins = REQUIRED_PLUGINS.filter((p) => !readable(`${PLUGIN_DIR}/libstrongswan-${p}.so`));
    if (plugins.length > 0) reasons.push(`missing charon plugins ${plugins.join(', ')}`);
  }
  if (!all.root) reasons.push('not running as root');
  if (missing.length > 0) {
    reasons.push(`missing ${missing.join(', ')}`);
  }
  if (reasons.length > 0 && all.root) reasons.push('run test/interop/harness/install-packages.sh');
  return { ...all, ok: reasons.length === 0, reason: reasons.join('; '), missing };
}
