// The SA database layer (docs/architecture.md): IKE and IPsec SAs from the engine's events.
export {
  type SadEntry,
  SadError,
  type SadEvents,
  type SadMatch,
  SecurityAssociationDatabase,
} from './database.js';
export { type Listener, TypedEmitter } from './emitter.js';
export {
  endpoint,
  formatSaListing,
  type ListingOptions,
  SaListingWriter,
  type TrafficLine,
} from './format.js';
export {
  type EspSaRow,
  espSaLine,
  espSaRows,
  formatWiresharkTables,
  ikev1DecryptionRow,
  tsharkArguments,
  wiresharkAuthentication,
  wiresharkEncryption,
} from './wireshark.js';
