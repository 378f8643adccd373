// The security policy database layer (docs/architecture.md, docs/dataplane.md): selectors, priorities,
// the policies of a child, and the SPD that decides which policy the backend holds.
export { policyKey, SecurityPolicyDatabase, type SpdOperation } from './database.js';
export { formatPolicyListing, type PolicyRow, policyRow } from './format.js';
export { type ChildPolicySpec, childPolicies } from './policies.js';
export { type PriorityKind, policyPriority } from './priority.js';
export { ReqidAllocator } from './reqid.js';
export {
  addressNumber,
  coveringPrefix,
  formatAddressNumber,
  formatSpdSelector,
  hostSelector,
  parseSelector,
  sameSelector,
  selectorContains,
} from './selector.js';
