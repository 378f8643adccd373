/** The userspace ESP/AH engine (docs/dataplane.md): sans-I/O packet processing per SA. */
export { ahProtect, ahSpi, ahUnprotect } from './ah.js';
export { DROP_REASONS, type DropCounts, type DropReason, isDrop } from './drop.js';
export { espProtect, espSpi, espUnprotect, transportSplit } from './esp.js';
export {
  type ChildSaOptions,
  ipsecSaParamsFromChild,
  parseSelector,
  saSpecsFromChild,
} from './from-child.js';
export { type PacketFlow, packetFlow } from './ip.js';
export { classifyNattPayload, type NattPayloadKind } from './natt.js';
export { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay.js';
export { type ExpireListener, IpsecSa, type IvSource, NO_LIMITS, type SaSpec } from './sa.js';
export { SaTransforms, type TransformKeys } from './transforms.js';
