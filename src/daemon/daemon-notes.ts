/**
 * What the daemon says about its configuration and credentials at start and on reload: what was
 * loaded, and what cannot work as written (src/config/warnings.ts).
 */
import type { IketsConfig } from '../config/swanctl.js';
import { configWarnings } from '../config/warnings.js';
import { type CredentialSet, credentialWarnings } from '../pki/index.js';
import type { LogLevel } from '../sa/types.js';
import type { UdpSockets } from './udp.js';

type DaemonLog = (level: LogLevel, message: string, connection?: string) => void;
type Bound = UdpSockets['bound'];

/** Everything the daemon says once at start: sockets bound or not, then config and credentials. */
export function announceStart(
  log: DaemonLog,
  config: IketsConfig,
  bind: {
    readonly bound: Bound;
    readonly failures: readonly { address: string; port: number; reason: string }[];
  },
  credentials: CredentialSet,
  configFile: string | undefined,
): void {
  for (const f of bind.failures) log('warn', `cannot bind ${f.address}:${f.port}: ${f.reason}`);
  for (const s of bind.bound)
    log('info', `listening on ${s.local.address}:${s.local.port} (${s.kind === 'ike' ? 'IKE' : 'NAT-T'})`);
  warnUnboundPorts(log, config, bind.bound);
  warnConfig(log, config, bind.bound, credentials, configFile);
  logCredentials(log, credentials);
}

export function logCredentials(log: DaemonLog, c: CredentialSet): void {
  const n =
    c.certificateFiles.length +
    c.authorityFiles.length +
    c.crlFiles.length +
    c.privateKeyFiles.length +
    c.publicKeyFiles.length;
  if (n === 0) return;
  const raw = c.publicKeyFiles.length === 0 ? '' : `, ${c.publicKeyFiles.length} public key(s)`;
  log(
    'info',
    `loaded ${c.certificateFiles.length} certificate(s), ${c.authorityFiles.length} CA certificate(s), ${c.crlFiles.length} CRL(s), ${c.privateKeyFiles.length} private key(s)${raw}`,
  );
}

/**
 * What the configuration cannot do as written (src/config/warnings.ts) or with the credentials
 * loaded (src/pki/config-checks.ts), at start and reload.
 */
export function warnConfig(
  log: DaemonLog,
  config: IketsConfig,
  bound: Bound,
  credentials: CredentialSet,
  configFile: string | undefined,
): void {
  const listening = bound.filter((b) => b.kind === 'ike').map((b) => b.local.address);
  for (const w of configWarnings(config, listening)) log('warn', w.message, w.connection);
  for (const w of credentialWarnings(config, credentials, configFile ?? 'swanctl.conf'))
    log('warn', w.message, w.connection);
}

export function warnUnboundPorts(log: DaemonLog, config: IketsConfig, bound: Bound): void {
  const ports = new Set(bound.filter((b) => b.kind === 'ike').map((b) => b.local.port));
  for (const c of config.connections) {
    if (!ports.has(c.localPort))
      log('warn', `local_port ${c.localPort} is not a port the daemon listens on (--port)`, c.name);
  }
}
