// `ikets load`: a load generator for IKEv1 gateways (docs/load.md).
export { type ClassifiedFailure, LOAD_FAILURES, type LoadFailure } from './failures.js';
export {
  type LoadEngine,
  LoadGenerator,
  type LoadGeneratorOptions,
  type LoadProgress,
} from './generator.js';
export { identityFor, LoadPlan, LoadPlanError, type LoadPlanOptions } from './plan.js';
export { type LoadRunOptions, runLoad, setupTimeout } from './runner.js';
export { LoadSocketError, LoadSockets } from './sockets.js';
export type { FailureCount, LatencySummary } from './stats.js';
export { formatProgress, formatSummary, type LoadSummary, summarize } from './summary.js';
