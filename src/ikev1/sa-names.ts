/**
 * The SAs a name given to `terminate` names: a connection's or child's name, or an SA id, in the
 * order the tables list them.
 */
import type { EndpointCore } from './endpoint.js';
import type { ChildSa } from './sa/child-sa-table.js';
import type { IkeSa } from './sa/ike-sa.js';

/** The ISAKMP SAs of connection `name` and the one with id `id`, in the order `all()` lists them. */
export function ikeSasNamed(ep: EndpointCore, name: string | undefined, id: number | undefined): IkeSa[] {
  const byName = name === undefined ? [] : ep.ikeSas.ofConnection(name);
  const byId = id === undefined ? undefined : ep.ikeSas.byId(id);
  if (byId === undefined || byName.includes(byId)) return byName;
  return ep.ikeSas.all().filter((sa) => sa === byId || byName.includes(sa));
}

/** The CHILD SAs of child `name` and the one with id `id`, in the order `all()` lists them. */
export function childSasNamed(ep: EndpointCore, name: string | undefined, id: number | undefined): ChildSa[] {
  const byName = name === undefined ? [] : ep.children.byName(name);
  const byId = id === undefined ? undefined : ep.children.byId(id);
  if (byId === undefined || byName.includes(byId)) return [...byName];
  if (byName.length === 0) return [byId];
  return ep.children.all().filter((c) => c === byId || byName.includes(c));
}
