/**
 * The daemon's answer to the engine's `dpd-traffic-check` (src/ikev1/dpd.ts): before DPD starts a
 * round on an ISAKMP SA, the data plane says when each of its CHILD SAs last received traffic, and
 * the engine counts that as a sign of life, as charon reads the kernel's use time before it sends an
 * R-U-THERE. So a peer that sends traffic is not asked whether it lives. Only the inbound SA counts:
 * its packets passed the ICV check, so they come from the peer (RFC 4303 section 3.4.4).
 */
import type { EndpointEvent } from '../sa/types.js';
import type { DataplaneLink } from './dataplane-link.js';
import type { EndpointLike } from './endpoint-like.js';

/** How long before a round the engine asks (ms): a query round trip, with room to spare. */
export const DPD_TRAFFIC_CHECK_MS = 1000;

type TrafficCheck = Extract<EndpointEvent, { type: 'dpd-traffic-check' }>;

export async function answerTrafficCheck(
  event: TrafficCheck,
  dataplane: Pick<DataplaneLink, 'counters'>,
  endpoint: Pick<EndpointLike, 'childTraffic'>,
  clock: () => number,
): Promise<boolean> {
  let told = false;
  for (const id of event.children) {
    const lastInboundAt = (await dataplane.counters(id))?.in.lastUsedAt;
    if (lastInboundAt === undefined || endpoint.childTraffic === undefined) continue;
    endpoint.childTraffic(clock(), id, lastInboundAt);
    told = true;
  }
  return told;
}
