// The daemon: sockets, timers and the control socket around the sans-I/O engine (docs/daemon.md).
export { interfaceAddresses, localAddresses } from './addresses.js';
export { type ConnectionSummary, formatConnections, summarizeConnections } from './connections.js';
export { ControlProtocolError, DaemonNotRunningError, sendControlRequest } from './control-client.js';
export { createControlHandler, DEFAULT_UP_TIMEOUT } from './control-handler.js';
export type {
  ControlLogLine,
  ControlRequest,
  ControlResponse,
  ListSasResult,
  UpResult,
} from './control-protocol.js';
export { ControlServer } from './control-server.js';
export { Daemon, type DaemonEvents, type DaemonOptions } from './daemon.js';
export type { EndpointFactory, EndpointLike } from './endpoint-like.js';
export { ikev1EndpointFactory, loadEngine } from './engine.js';
export { formatLogLine, isLogLevel, LineBatcher, type LogEntry, Logger, logEntryJson } from './logger.js';
export { CONFIG_CANDIDATES, defaultConfigPath, defaultControlPath } from './paths.js';
export { REQUEST_PRECEDENCE_MS, RequestsWaiting } from './requests-waiting.js';
export { DaemonService, loadConfigFile, loadCredentialsBeside, type ServiceOptions } from './service.js';
export { DaemonError, UdpSockets } from './udp.js';
