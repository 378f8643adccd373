import { UnsupportedAlgorithmError } from '../errors.js';
import { CURVE_GROUPS } from './curve.js';
import { ECP_GROUPS } from './ecp.js';
import type { DhGroup } from './group.js';
import { MODP_GROUPS } from './modp.js';

export type { DhGroup, DhGroupKind, DhKeyPair, PrecomputedKeyPair } from './group.js';
export { type DhKeySource, inlineDhKeys } from './key-source.js';

/** Every supported group, by IANA number. */
export const DH_GROUPS: readonly DhGroup[] = [...MODP_GROUPS, ...ECP_GROUPS, ...CURVE_GROUPS];

const BY_ID = new Map(DH_GROUPS.map((g) => [g.id, g]));

/** The group with IANA number `id`; throws UnsupportedAlgorithmError for others. */
export function dhGroup(id: number): DhGroup {
  const g = BY_ID.get(id);
  if (g === undefined) throw new UnsupportedAlgorithmError(`Diffie-Hellman group ${id}`);
  return g;
}
