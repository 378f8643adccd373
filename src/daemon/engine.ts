/**
 * The default engine factory: `Ikev1Endpoint` from src/ikev1/endpoint.ts. It is loaded at run time,
 * so the shell builds and its tests run while the engine is being written; the adapter also accepts
 * the engine's list methods under their working names (`ikeSaList`/`childSaList`).
 */
import type { IketsConfig } from '../config/swanctl.js';
import type { ChildSaInfo, IkeSaInfo } from '../ikev1/types.js';
import type { EndpointFactory, EndpointLike } from './endpoint-like.js';
import { DaemonError } from './udp.js';

type EngineInstance = Omit<EndpointLike, 'ikeSas' | 'childSas'> & {
  ikeSas?: () => IkeSaInfo[];
  childSas?: () => ChildSaInfo[];
  ikeSaList?: () => IkeSaInfo[];
  childSaList?: () => ChildSaInfo[];
};
type EngineClass = new (options: { config: IketsConfig; nattPort?: number }, now: number) => EngineInstance;

const ENGINE_MODULE = '../ikev1/endpoint.js';

export async function loadEngine(): Promise<EndpointFactory> {
  let engine: unknown;
  try {
    engine = ((await import(ENGINE_MODULE)) as { Ikev1Endpoint?: unknown }).Ikev1Endpoint;
  } catch (error) {
    throw new DaemonError(
      'ERR_DAEMON_ENGINE',
      `the IKEv1 engine (src/ikev1/endpoint.ts) cannot be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof engine !== 'function')
    throw new DaemonError('ERR_DAEMON_ENGINE', 'src/ikev1/endpoint.ts exports no Ikev1Endpoint class');
  const Engine = engine as EngineClass;
  return (config, now, nattPort) => adapt(new Engine({ config, nattPort }, now));
}

function adapt(e: EngineInstance): EndpointLike {
  const ikeSas = e.ikeSas ?? e.ikeSaList;
  const childSas = e.childSas ?? e.childSaList;
  return {
    handleDatagram: (now, d) => e.handleDatagram(now, d),
    handleTimeout: (now) => e.handleTimeout(now),
    initiate: (now, c, ch) => e.initiate(now, c, ch),
    terminate: (now, n) => e.terminate(now, n),
    terminateAll: (now) => e.terminateAll(now),
    reload: (config) => e.reload(config),
    pollTransmit: () => e.pollTransmit(),
    pollTimeout: () => e.pollTimeout(),
    pollEvent: () => e.pollEvent(),
    ikeSas: () => (ikeSas ? ikeSas.call(e) : []),
    childSas: () => (childSas ? childSas.call(e) : []),
  };
}
