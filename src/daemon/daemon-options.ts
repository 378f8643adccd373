/** What a daemon is started with, and the events it emits. */
import type { IketsConfig } from '../config/swanctl.js';
import type { DataplaneBackend, EspInUdpPort } from '../dataplane/backend.js';
import type { EngineSettings } from '../ikev1/context.js';
import type { CredentialSet } from '../pki/index.js';
import type { EndpointEvent } from '../sa/types.js';
import type { EndpointFactory } from './endpoint-like.js';
import type { LogEntry, Logger } from './logger.js';

export interface DaemonOptions {
  readonly config: IketsConfig;
  /** Where `config` came from; `reload` reads it again. */
  readonly configFile?: string | undefined;
  /** Reads and parses a configuration file (for `reload`). */
  readonly loadConfig?: ((file: string) => Promise<IketsConfig>) | undefined;
  /** The certificates, CRLs and private keys of the swanctl folders beside the configuration (docs/pki.md). */
  readonly credentials?: CredentialSet | undefined;
  /** Reads the credential folders beside a configuration file again (for `reload`). */
  readonly loadCredentials?: ((configFile: string) => CredentialSet) | undefined;
  readonly createEndpoint: EndpointFactory;
  /** Local addresses to bind (see addresses.ts). */
  readonly addresses: readonly string[];
  /** IKE port (default 500) and NAT-T port (default 4500); 0 binds an ephemeral port. */
  readonly port?: number | undefined;
  readonly nattPort?: number | undefined;
  readonly logger: Logger;
  /** The clock, ms (default Date.now). */
  readonly clock?: (() => number) | undefined;
  /**
   * Builds the data plane backend once the sockets are bound (docs/dataplane.md); without it the
   * SAs are negotiated and listed but nothing protects traffic (`--dataplane none`).
   */
  readonly createDataplane?: ((port: EspInUdpPort) => Promise<DataplaneBackend>) | undefined;
  /** Engine settings (`--aggressive-psk` sets aggressivePskResponder). */
  readonly engineSettings?: Partial<EngineSettings> | undefined;
  /**
   * `--log-keys`: log each SA's keys when it comes up (what `list-sas --show-keys` shows). Off, no
   * key reaches the log at any level: the engine logs none and the daemon logs no SA snapshot.
   */
  readonly logKeys?: boolean | undefined;
  /** `--crypto-workers N`: DH key pairs made ahead of time on N worker threads; 0 or unset: inline. */
  readonly cryptoWorkers?: number | undefined;
  /**
   * True while a control request waits for the event loop (requests-waiting.ts): the receive queue
   * then hands on one datagram a turn.
   */
  readonly requestsWaiting?: (() => boolean) | undefined;
}

export interface DaemonEvents {
  /** Every engine event, after the SAD has applied it. */
  readonly event: EndpointEvent;
  /** Every log entry, whatever the log level. */
  readonly log: LogEntry;
}
