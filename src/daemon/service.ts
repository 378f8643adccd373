/**
 * `ikets start` as a library call: reads the configuration, binds the sockets, starts the engine and
 * the control socket. `stop()` is the clean shutdown (SIGTERM/SIGINT): the control socket closes,
 * every SA is deleted with its Delete sent, then the sockets close.
 */
import { readFile } from 'node:fs/promises';
import { type IketsConfig, parseSwanctlConfig } from '../config/swanctl.js';
import type { LogLevel } from '../ikev1/types.js';
import { localAddresses } from './addresses.js';
import { createControlHandler } from './control-handler.js';
import { ControlServer } from './control-server.js';
import { Daemon } from './daemon.js';
import type { EndpointFactory } from './endpoint-like.js';
import { loadEngine } from './engine.js';
import { Logger } from './logger.js';

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
}

export async function loadConfigFile(file: string): Promise<IketsConfig> {
  return parseSwanctlConfig(await readFile(file, 'utf8'), file);
}

export class DaemonService {
  private constructor(
    readonly daemon: Daemon,
    readonly control: ControlServer | undefined,
  ) {}

  static async start(options: ServiceOptions): Promise<DaemonService> {
    const config = await loadConfigFile(options.configFile);
    const logger = new Logger(options.logLevel ?? 'info', options.logJson === true, options.write);
    const daemon = await Daemon.start({
      config,
      configFile: options.configFile,
      loadConfig: loadConfigFile,
      createEndpoint: options.createEndpoint ?? (await loadEngine()),
      addresses: localAddresses(config, options.addresses),
      port: options.port,
      nattPort: options.nattPort,
      logger,
      clock: options.clock,
    });
    let control: ControlServer | undefined;
    if (options.controlPath !== undefined) {
      try {
        control = await ControlServer.listen(options.controlPath, createControlHandler(daemon));
      } catch (error) {
        await daemon.stop();
        throw error;
      }
      daemon.log('info', `control socket ${options.controlPath}`);
    }
    return new DaemonService(daemon, control);
  }

  async stop(): Promise<void> {
    await this.control?.close();
    await this.daemon.stop();
  }
}
