/**
 * A crypto worker thread (dh-pool.ts): computes g^x for the private values the event loop drew and
 * posts the key pairs back, and g^xy for the engine's compute requests. It holds no state beyond OpenSSL's per-group objects.
 */
import { parentPort } from 'node:worker_threads';
import { dhGroup, type PrecomputedKeyPair } from '../../crypto/index.js';
import type { DhRequest, DhResponse } from './dh-pool.js';

parentPort?.on('message', (request: DhRequest) => {
  let response: DhResponse;
  try {
    if ('pair' in request) {
      // g^xy: the key pair rebuilt as it came (no g^x again), the peer's value checked (RFC 6989).
      const group = dhGroup(request.pair.group);
      const pair = group.fromPrecomputed?.(request.pair);
      if (pair === undefined) throw new Error(`group ${group.id} cannot be computed here`);
      response = { id: request.id, secret: pair.computeSecret(request.peerPublic) };
      parentPort?.postMessage(response);
      return;
    }
    const group = dhGroup(request.group);
    const precompute = group.precompute?.bind(group);
    if (precompute === undefined) throw new Error(`group ${group.id} cannot be precomputed`);
    const pairs: PrecomputedKeyPair[] = request.privateValues.map((x) => precompute(x));
    response = { id: request.id, pairs };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(response);
});
