/**
 * The routes the userspace data plane asks the host for: each outbound protect or trap policy's
 * destination is routed into the packet device, once per destination however many policies share
 * it (reference-counted), and removed with the last of them.
 */
import { formatIpv4, formatIpv6 } from '../../codec/address.js';
import type { PolicyParams, Selector } from '../backend.js';
import type { HostRouting } from './host.js';

const routeKey = (s: Selector): string => `${s.family}/${s.start}/${s.end}`;

/** The address of a one-host selector as text (the preferred source of its routes), else undefined. */
export function hostAddress(s: Selector): string | undefined {
  if (s.start !== s.end) return undefined;
  const bytes = Buffer.from(s.start.toString(16).padStart(s.family === 4 ? 8 : 32, '0'), 'hex');
  return s.family === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

export class RouteTable {
  readonly #routing: HostRouting;
  readonly #routes = new Map<string, { selector: Selector; count: number }>();

  constructor(routing: HostRouting) {
    this.#routing = routing;
  }

  get size(): number {
    return this.#routes.size;
  }

  /** Routes the policy's destination into the device (preferred source: its source when one host). */
  async add(p: PolicyParams): Promise<void> {
    const key = routeKey(p.destination);
    const route = this.#routes.get(key);
    if (route !== undefined) {
      route.count++;
      return;
    }
    this.#routes.set(key, { selector: p.destination, count: 1 });
    try {
      // The preferred source: an address of ours inside the local selector (the host's routing
      // knows its addresses, as charon picks it), else the source when it is one host.
      const source = this.#routing.sourceFor?.(p.source) ?? hostAddress(p.source);
      await this.#routing.addRoute(p.destination, source);
    } catch (error) {
      this.#routes.delete(key);
      throw error;
    }
  }

  async remove(destination: Selector): Promise<void> {
    const key = routeKey(destination);
    const route = this.#routes.get(key);
    if (route === undefined) return;
    if (--route.count > 0) return;
    this.#routes.delete(key);
    await this.#routing.deleteRoute(destination);
  }

  async clear(): Promise<void> {
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    for (const r of routes) await this.#routing.deleteRoute(r.selector);
  }
}
