/**
 * `list-sas` on the control socket (docs/daemon.md): the SAD (and the ISAKMP SAs still
 * negotiating) as one line per SA, each ISAKMP SA followed by its IPsec SAs, then the IPsec SAs
 * whose ISAKMP SA is gone. With 100,000 SAs a listing is tens of megabytes: it is streamed in
 * chunks, yielding to the event loop between them (datagrams and timers go on) and waiting while
 * the client has not read what was sent (issue 12). `name` lists one connection or child.
 */
import type { ChildSaInfo, IkeSaInfo } from '../sa/types.js';
import type { ChildTraffic, ControlResponse } from './control-protocol.js';
import type { Daemon } from './daemon.js';

/** Lines written between two yields to the event loop. */
export const LISTING_CHUNK = 256;

export interface ListingSink {
  /** Writes one line; false when the client should be read first (backpressure). */
  line(value: object): unknown;
  /** Resolves when the client has read what was written; false when it went away. */
  drained(): Promise<boolean>;
}

export interface ListSasOptions {
  readonly showKeys: boolean;
  /** A connection or child name: only its SAs (a child's with the ISAKMP SAs that carry them). */
  readonly name?: string | undefined;
}

const withoutKeys = <T extends { keys?: unknown }>(sa: T): T => ({ ...sa, keys: undefined });

/**
 * An ISAKMP SA with its keys: the SAD keeps none (issue 12: memory per SA), the engine has them
 * while the SA lives.
 */
function withKeys(daemon: Daemon, sa: IkeSaInfo): IkeSaInfo {
  if (sa.keys !== undefined) return sa;
  const keys = daemon.endpoint.ikeSaKeys?.(sa.id);
  return keys === undefined ? sa : { ...sa, keys };
}

/** The SAs to list, in listing order. */
export function listedSas(
  daemon: Daemon,
  name: string | undefined,
): { ike: IkeSaInfo[]; child: ChildSaInfo[] } {
  const sad = daemon.sad;
  const match = name === undefined ? undefined : sad.byName(name);
  const ike = match === undefined ? sad.ikeSas() : [...match.ike];
  const known = new Set(ike.map((s) => s.id));
  if (match !== undefined)
    for (const child of match.child) {
      const carrier = sad.ikeSa(child.ikeSaId);
      if (carrier !== undefined && !known.has(carrier.id)) {
        known.add(carrier.id);
        ike.push(carrier);
      }
    }
  // SAs still negotiating are not in the SAD (it is built from ike-sa-up events): list them too.
  const endpoint = daemon.endpoint;
  const connecting =
    endpoint.connectingIkeSas?.() ?? endpoint.ikeSas().filter((s) => s.state === 'connecting');
  for (const sa of connecting)
    if (!known.has(sa.id) && !sad.ikeSa(sa.id) && (name === undefined || sa.connection === name))
      ike.push(sa);
  ike.sort((a, b) => a.id - b.id);
  const children = match === undefined ? sad.childSas() : [...match.child];
  const byIke = new Map<number, ChildSaInfo[]>();
  const orphans = new Map<string, ChildSaInfo[]>();
  const listedIke = new Set(ike.map((s) => s.id));
  for (const c of children) {
    const [map, key] = listedIke.has(c.ikeSaId) ? [byIke, c.ikeSaId] : [orphans, c.connection];
    const list = (map as Map<number | string, ChildSaInfo[]>).get(key);
    if (list === undefined) (map as Map<number | string, ChildSaInfo[]>).set(key, [c]);
    else list.push(c);
  }
  const child: ChildSaInfo[] = [];
  for (const sa of ike) child.push(...(byIke.get(sa.id) ?? []));
  for (const list of orphans.values()) child.push(...list);
  return { ike, child };
}

async function trafficOf(daemon: Daemon, id: number): Promise<ChildTraffic | undefined> {
  const c = await daemon.dataplane?.counters(id);
  if (c === undefined) return undefined;
  return {
    bytesIn: Number(c.in.bytes),
    packetsIn: Number(c.in.packets),
    bytesOut: Number(c.out.bytes),
    packetsOut: Number(c.out.packets),
    lastInAt: c.in.lastUsedAt,
    lastOutAt: c.out.lastUsedAt,
    droppedIn: Number(c.in.dropped),
    dropsIn: c.in.dropReasons,
  };
}

/**
 * Streams the listing: `{"listing":{"now","ikeSas","childSas"}}`, then `{"ikeSa":…}` and
 * `{"childSa":…,"traffic":…}` lines in listing order; returns the final response.
 */
export async function streamSas(
  daemon: Daemon,
  options: ListSasOptions,
  sink: ListingSink,
): Promise<ControlResponse> {
  const { ike, child } = listedSas(daemon, options.name);
  const now = daemon.now();
  sink.line({ listing: { now, ikeSas: ike.length, childSas: child.length } });
  let written = 0;
  const pace = async (): Promise<boolean> => {
    if (++written % LISTING_CHUNK !== 0) return true;
    await new Promise((resolve) => setImmediate(resolve));
    return sink.drained();
  };
  const byIke = new Map<number, ChildSaInfo[]>();
  for (const c of child) {
    const list = byIke.get(c.ikeSaId);
    if (list === undefined) byIke.set(c.ikeSaId, [c]);
    else list.push(c);
  }
  const listed = new Set<number>();
  const sendChild = async (c: ChildSaInfo) => {
    const traffic = await trafficOf(daemon, c.id);
    sink.line({
      childSa: options.showKeys ? c : withoutKeys(c),
      ...(traffic === undefined ? {} : { traffic }),
    });
    listed.add(c.id);
    return pace();
  };
  for (const sa of ike) {
    sink.line({ ikeSa: options.showKeys ? withKeys(daemon, sa) : withoutKeys(sa) });
    if (!(await pace())) return { ok: false, error: 'the client went away' };
    for (const c of byIke.get(sa.id) ?? [])
      if (!(await sendChild(c))) return { ok: false, error: 'the client went away' };
  }
  for (const c of child)
    if (!listed.has(c.id) && !(await sendChild(c))) return { ok: false, error: 'the client went away' };
  return {
    ok: true,
    now,
    ikeSas: ike.length,
    childSas: child.length,
    // Dropped packets no SA can be charged with (ESP with an unknown SPI, ...): userspace data plane.
    dataplaneDrops: daemon.dataplane?.backend.drops,
  };
}

/** The listing as one response (requests without `stream`: small listings, older clients). */
export async function listSasAtOnce(daemon: Daemon, options: ListSasOptions): Promise<ControlResponse> {
  const { ike, child } = listedSas(daemon, options.name);
  const traffic: Record<string, ChildTraffic> = {};
  for (const c of child) {
    const t = await trafficOf(daemon, c.id);
    if (t !== undefined) traffic[c.id] = t;
  }
  return {
    ok: true,
    now: daemon.now(),
    traffic,
    dataplaneDrops: daemon.dataplane?.backend.drops,
    ikeSas: options.showKeys ? ike.map((sa) => withKeys(daemon, sa)) : ike.map(withoutKeys),
    childSas: (options.showKeys ? child : child.map(withoutKeys)).sort((a, b) => a.id - b.id),
  };
}
