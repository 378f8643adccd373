/**
 * The default engine factory: `Ikev1Endpoint` (src/ikev1/ikev1-endpoint.ts) behind the daemon's
 * EndpointLike interface (the engine names its SA lists `ikeSaList`/`childSaList`).
 */
import { Ikev1Endpoint } from '../ikev1/ikev1-endpoint.js';
import { pkiCredentials } from '../ikev1/phase1/auth/pki-credentials.js';
import type { EndpointFactory, EndpointLike } from './endpoint-like.js';

export const ikev1EndpointFactory: EndpointFactory = (
  config,
  now,
  nattPort,
  settings,
  dhKeys,
  credentials,
  compute,
) =>
  adapt(
    new Ikev1Endpoint(
      {
        config,
        nattPort,
        ...(settings === undefined ? {} : { settings }),
        ...(dhKeys === undefined ? {} : { dhKeys }),
        ...(compute === undefined ? {} : { compute }),
        // The engine runs on the daemon's wall clock (Date.now), so certificates are checked at it.
        ...(credentials === undefined ? {} : { credentials: pkiCredentials(credentials) }),
      },
      now,
    ),
  );

/** Kept async for the callers that load the engine lazily. */
export async function loadEngine(): Promise<EndpointFactory> {
  return ikev1EndpointFactory;
}

function adapt(e: Ikev1Endpoint): EndpointLike {
  return {
    handleDatagram: (now, d) => e.handleDatagram(now, d),
    expects: (d) => e.expects(d),
    handleTimeout: (now) => e.handleTimeout(now),
    initiate: (now, c, ch) => e.initiate(now, c, ch),
    terminate: (now, n) => e.terminate(now, n),
    terminateAll: (now) => e.terminateAll(now),
    reload: (config, credentials) =>
      e.reload(config, credentials === undefined ? undefined : pkiCredentials(credentials)),
    childLimitReached: (now, id, hard) => e.childLimitReached(now, id, hard),
    childTraffic: (now, id, at) => e.childTraffic(now, id, at),
    pollTransmit: () => e.pollTransmit(),
    pollCompute: () => e.pollCompute(),
    handleComputed: (now, id, result) => e.handleComputed(now, id, result),
    pollTimeout: () => e.pollTimeout(),
    pollEvent: () => e.pollEvent(),
    ikeSas: () => e.ikeSaList(),
    connectingIkeSas: () => e.ikeSaList(true),
    childSas: () => e.childSaList(),
    ikeSaKeys: (id) => e.ikeSaKeys(id),
  };
}
