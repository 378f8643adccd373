/**
 * `ikets start` as a library call: reads the configuration, binds the sockets, starts the engine and
 * the control socket. `stop()` is the clean shutdown (SIGTERM/SIGINT): the control socket closes,
 * every SA is deleted with its Delete sent, then the sockets close.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MAX_CONFIG_BYTES } from '../config/settings-parser.js';
import { ConfigError, type IketsConfig, parseSwanctlConfig } from '../config/swanctl.js';
import { type CredentialSet, loadCredentials } from '../pki/index.js';
import type { LogLevel } from '../sa/types.js';
import { localAddresses } from './addresses.js';
import { createControlHandler } from './control-handler.js';
import { ControlServer } from './control-server.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import type { EndpointFactory } from './endpoint-like.js';
import { loadEngine } from './engine.js';
import { Logger } from './logger.js';
import { RequestsWaiting } from './requests-waiting.js';

export interface ServiceOptions {
  readonly configFile: string;
  readonly port?: number | undefined;
  readonly nattPort?: number | undefined;
  /** `--address`: bind these instead of the configured/interface addresses. */
  readonly addresses?: readonly string[] | undefined;
  readonly logLevel?: LogLevel | undefined;
  readonly logJson?: boolean | undefined;
  /** The control socket's path; undefined: no control socket. */
  readonly controlPath: string | undefined;
  /** Where log lines go (each ends with a newline). */
  readonly write: (line: string) => void;
  /** The engine (default: Ikev1Endpoint). */
  readonly createEndpoint?: EndpointFactory | undefined;
  readonly clock?: (() => number) | undefined;
  /** The data plane backend (docs/dataplane.md); undefined: none. */
  readonly createDataplane?: DaemonOptions['createDataplane'];
  /** `--log-keys`: each SA's keys in the log as it comes up (DaemonOptions.logKeys). */
  readonly logKeys?: boolean | undefined;
  /** `--aggressive-psk`: answer Aggressive Mode with pre-shared keys as responder. */
  readonly aggressivePsk?: boolean | undefined;
  /** `--fragment-size`: strongSwan's `charon.fragment_size` (EngineSettings.fragmentSize). */
  readonly fragmentSize?: number | undefined;
  /** `--crypto-workers N` (DaemonOptions.cryptoWorkers). */
  readonly cryptoWorkers?: number | undefined;
}

export async function loadConfigFile(file: string): Promise<IketsConfig> {
  const info = await stat(file);
  if (info.isDirectory()) throw new ConfigError(file, 1, 'is a directory, not a configuration file');
  if (info.size > MAX_CONFIG_BYTES)
    throw new ConfigError(file, 1, `the configuration is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
  return parseSwanctlConfig(await readFile(file, 'utf8'), file);
}

/**
 * The credentials of the swanctl folders beside a configuration file (x509/, x509ca/, x509crl/,
 * private/, rsa/, ecdsa/), as `swanctl --load-creds` finds them beside swanctl.conf.
 */
export function loadCredentialsBeside(configFile: string): CredentialSet {
  return loadCredentials(dirname(configFile));
}

/**
 * What an operator should hear about a configuration file that holds secrets: others may read the
 * pre-shared keys, or change what the daemon trusts (as OpenSSH and strongSwan warn).
 */
export async function configFileWarnings(file: string, config: IketsConfig): Promise<string[]> {
  if (config.secrets.length === 0) return [];
  const mode = (await stat(file)).mode;
  const warnings: string[] = [];
  if ((mode & 0o022) !== 0)
    warnings.push(
      `${file} holds secrets and others can write it (mode ${(mode & 0o777).toString(8)}): chmod go-w`,
    );
  if ((mode & 0o004) !== 0)
    warnings.push(
      `${file} holds secrets and every user can read it (mode ${(mode & 0o777).toString(8)}): chmod o-r`,
    );
  return warnings;
}

export class DaemonService {
  private constructor(
    readonly daemon: Daemon,
    readonly control: ControlServer | undefined,
  ) {}

  static async start(options: ServiceOptions): Promise<DaemonService> {
    const config = await loadConfigFile(options.configFile);
    const credentials = loadCredentialsBeside(options.configFile);
    const logger = new Logger(options.logLevel ?? 'info', options.logJson === true, options.write);
    const waiting = new RequestsWaiting();
    const daemon = await Daemon.start({
      config,
      configFile: options.configFile,
      loadConfig: loadConfigFile,
      credentials,
      loadCredentials: loadCredentialsBeside,
      createEndpoint: options.createEndpoint ?? (await loadEngine()),
      addresses: localAddresses(config, options.addresses),
      port: options.port,
      nattPort: options.nattPort,
      logger,
      clock: options.clock,
      createDataplane: options.createDataplane,
      logKeys: options.logKeys,
      engineSettings: {
        aggressivePskResponder: options.aggressivePsk === true,
        ...(options.fragmentSize === undefined ? {} : { fragmentSize: options.fragmentSize }),
      },
      cryptoWorkers: options.cryptoWorkers,
      requestsWaiting: () => waiting.any,
    });
    if (options.logKeys === true)
      daemon.log('warn', '--log-keys: the keys of every SA are logged; for test setups only');
    let control: ControlServer | undefined;
    if (options.controlPath !== undefined) {
      try {
        control = await ControlServer.listen(options.controlPath, createControlHandler(daemon), waiting);
      } catch (error) {
        await daemon.stop();
        throw error;
      }
      daemon.log('info', `control socket ${options.controlPath}`);
    }
    for (const warning of await configFileWarnings(options.configFile, config)) daemon.log('warn', warning);
    return new DaemonService(daemon, control);
  }

  async stop(): Promise<void> {
    await this.control?.close();
    await this.daemon.stop();
  }
}
