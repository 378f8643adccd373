import { parseArgs } from 'node:util';
import { ConfigError } from '../config/swanctl.js';
import { defaultCryptoWorkers } from '../daemon/crypto-pool/crypto-pool.js';
import {
  CONFIG_CANDIDATES,
  DaemonError,
  DaemonService,
  defaultConfigPath,
  defaultControlPath,
  isLogLevel,
  LineBatcher,
} from '../daemon/index.js';
import { DataplaneError } from '../dataplane/backend.js';
import { dataplaneFactory, isDataplaneChoice } from '../dataplane/select.js';
import { PkiError } from '../pki/index.js';
import type { CliIo } from './io.js';
import { CliError, UsageError } from './usage-error.js';
import { START_USAGE } from './usages.js';

/** Resolves when the daemon should stop: on SIGTERM or SIGINT (SIGHUP reloads). */
export type StopSignal = (service: DaemonService) => Promise<void>;

export const waitForSignal: StopSignal = (service) =>
  new Promise((resolve) => {
    // SIGHUP reloads the configuration, as daemons do (SAs that are up stay up).
    const onHangup = () => {
      service.daemon.log('info', 'SIGHUP received: reloading the configuration');
      service.daemon.reload().catch(() => {
        // Daemon.reload logged why; the configuration in force stays.
      });
    };
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onHangup);
      service.daemon.log('info', `${signal} received`);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', onHangup);
  });

/**
 * `ikets start`: runs the daemon in the foreground until SIGTERM or SIGINT, then deletes every SA
 * (the Deletes are sent), closes the sockets and exits 0. Log lines go to standard output.
 */
export async function startCommand(
  args: string[],
  io: CliIo,
  untilStop: StopSignal = waitForSignal,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      'natt-port': { type: 'string' },
      address: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'log-json': { type: 'boolean' },
      'log-keys': { type: 'boolean' },
      'aggressive-psk': { type: 'boolean' },
      'fragment-size': { type: 'string' },
      control: { type: 'string' },
      dataplane: { type: 'string' },
      'crypto-workers': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(START_USAGE);
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel))
    throw new UsageError(`--log-level: expected error, warn, info or debug, found '${logLevel}'`);
  const dataplane = values.dataplane ?? 'auto';
  if (!isDataplaneChoice(dataplane))
    throw new UsageError(`--dataplane: expected auto, kernel, userspace or none, found '${dataplane}'`);
  const workersText = values['crypto-workers'];
  if (workersText !== undefined && !/^\d{1,3}$/.test(workersText))
    throw new UsageError(`--crypto-workers: expected a number of threads (0: none), found '${workersText}'`);
  const cryptoWorkers = workersText === undefined ? defaultCryptoWorkers() : Number(workersText);
  const chosen: string[] = [];
  const configFile = values.config ?? defaultConfigPath();
  // One write per turn of the event loop for the log lines, not one per line (logger.ts).
  const log = new LineBatcher(io.stdout);
  let service: DaemonService;
  try {
    service = await DaemonService.start({
      configFile,
      port: portOption(values.port, '--port'),
      nattPort: portOption(values['natt-port'], '--natt-port'),
      addresses: values.address,
      logLevel,
      logJson: values['log-json'] === true,
      logKeys: values['log-keys'] === true,
      aggressivePsk: values['aggressive-psk'] === true,
      fragmentSize: fragmentSizeOption(values['fragment-size']),
      cryptoWorkers,
      controlPath: values.control ?? defaultControlPath(),
      write: log.write,
      createDataplane: dataplaneFactory({ choice: dataplane, clock: Date.now, log: (m) => chosen.push(m) }),
    });
  } catch (error) {
    log.close();
    if (
      error instanceof ConfigError ||
      error instanceof DaemonError ||
      error instanceof DataplaneError ||
      error instanceof PkiError
    )
      throw new CliError(error.code, error.message);
    throw startFailure(error as NodeJS.ErrnoException, configFile, values.config === undefined);
  }
  try {
    for (const line of chosen) service.daemon.log('info', line);
    await untilStop(service);
    await service.stop();
  } finally {
    log.close();
  }
  return 0;
}

/**
 * `--fragment-size`: strongSwan's `charon.fragment_size`, the whole IP datagram in bytes; 0 takes
 * the address family's minimum MTU. Below 100 no fragment could carry data.
 */
export function fragmentSizeOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const size = Number(text);
  if (!/^\d+$/.test(text) || (size !== 0 && size < 100) || size > 65535)
    throw new UsageError(
      `--fragment-size: expected 0 or an IP datagram size of 100-65535 bytes, found '${text}'`,
    );
  return size;
}

/** A port number; 0 (an ephemeral port) is allowed for tests. */
export function portOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`${name}: expected a UDP port 0-65535, found '${text}'`);
  return port;
}

/** One line for what keeps the daemon from starting: which file, where ikets looked, what to do. */
function startFailure(e: NodeJS.ErrnoException, configFile: string, defaulted: boolean): Error {
  const onConfig = e.path === configFile;
  if (e.code === 'ENOENT' && onConfig && defaulted)
    return new CliError(
      e.code,
      `no configuration: looked for ${CONFIG_CANDIDATES.join(' and ')}; name one with --config FILE`,
    );
  if (e.code === 'ENOENT' && onConfig) return new CliError(e.code, `${configFile}: no such file`);
  if (e.code === 'EACCES' && onConfig)
    return new CliError(e.code, `${configFile}: permission denied (ikets reads it as this user)`);
  if (e.code === 'EISDIR' && onConfig)
    return new CliError(e.code, `${configFile}: is a directory, not a configuration file`);
  if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EADDRINUSE' || e.code === 'EISDIR')
    return new CliError(e.code, e.message);
  return e;
}
