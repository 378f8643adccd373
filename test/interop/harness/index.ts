// The interop harness: strongSwan's charon as an independent IKE peer, network namespaces,
// tshark captures. Tests call ensureTools() first and skip with its reason when not ok.
export * from './capture.js';
export * from './charon.js';
export * from './dataplane.js';
export * from './errors.js';
export * from './ikets-daemon.js';
export * from './keys.js';
export * from './list-sas.js';
export * from './nat.js';
export * from './netns.js';
export * from './pki.js';
export * from './proc.js';
export * from './strongswan-conf.js';
export * from './swanctl-conf.js';
export * from './tools.js';
export * from './traffic.js';
