/**
 * The typed form of ISAKMP messages (RFC 2408 section 3, RFC 2407 section 4.6, RFC 3947, draft-dukes-ike-mode-cfg).
 *
 * Lengths, payload counts and the next-payload chain are not part of these values: the encoder computes them.
 * Everything else that is on the wire is here, so that `encode(decode(x))` gives back `x` byte for byte.
 * Byte strings are `Uint8Array` (decoded values are views into the input buffer, not copies).
 * Enumerated fields are plain numbers; their names are in `numbers.ts`.
 */

/** A data attribute, RFC 2408 section 3.3. */
export type DataAttribute =
  /** AF = 1, Type/Value (Basic) form: a 16-bit value. */
  | { readonly form: 'tv'; readonly type: number; readonly value: number }
  /** AF = 0, Type/Length/Value (Variable) form: the value's exact bytes (integers are big-endian). */
  | { readonly form: 'tlv'; readonly type: number; readonly value: Uint8Array };

/** Transform payload, RFC 2408 section 3.6 (nested in a proposal). */
export interface Transform {
  readonly number: number;
  readonly transformId: number;
  readonly attributes: readonly DataAttribute[];
}

/** Proposal payload, RFC 2408 section 3.5 (nested in an SA payload). */
export interface Proposal {
  readonly number: number;
  readonly protocolId: number;
  readonly spi: Uint8Array;
  readonly transforms: readonly Transform[];
}

/** A secrecy or integrity level with its category bitmap, RFC 2407 section 4.6.1. */
export interface LabelLevel {
  /** Level identifier (its length on the wire excludes the zero padding to 32 bits). */
  readonly level: Uint8Array;
  /** Length of the category bitmap in bits. */
  readonly categoryBits: number;
  /** The category bitmap: exactly ceil(categoryBits / 8) bytes. */
  readonly categories: Uint8Array;
}

/** Labelled-domain part of an IPsec DOI situation (present iff SIT_SECRECY or SIT_INTEGRITY is set). */
export interface LabeledDomain {
  readonly identifier: number;
  /** Present iff SIT_SECRECY is set. */
  readonly secrecy?: LabelLevel;
  /** Present iff SIT_INTEGRITY is set. */
  readonly integrity?: LabelLevel;
}

/** Identification data, typed per RFC 2407 section 4.6.2 ID type. Addresses are strings. */
export type IdentificationData =
  | { readonly kind: 'ID_IPV4_ADDR'; readonly address: string }
  | { readonly kind: 'ID_IPV6_ADDR'; readonly address: string }
  /** Names are kept as latin1 strings: one character per byte, so any byte string round-trips. */
  | { readonly kind: 'ID_FQDN'; readonly name: string }
  | { readonly kind: 'ID_USER_FQDN'; readonly name: string }
  | { readonly kind: 'ID_IPV4_ADDR_SUBNET'; readonly address: string; readonly mask: string }
  | { readonly kind: 'ID_IPV6_ADDR_SUBNET'; readonly address: string; readonly mask: string }
  | { readonly kind: 'ID_IPV4_ADDR_RANGE'; readonly start: string; readonly end: string }
  | { readonly kind: 'ID_IPV6_ADDR_RANGE'; readonly start: string; readonly end: string }
  | { readonly kind: 'ID_DER_ASN1_DN'; readonly data: Uint8Array }
  | { readonly kind: 'ID_DER_ASN1_GN'; readonly data: Uint8Array }
  | { readonly kind: 'ID_KEY_ID'; readonly data: Uint8Array }
  /** An ID type this codec does not know (or RESERVED 0): its data as raw bytes. */
  | { readonly kind: 'unknown'; readonly idType: number; readonly data: Uint8Array };

export interface SaPayload {
  readonly type: 'sa';
  /** Always IPsec DOI (1): other DOIs are rejected with DOI-NOT-SUPPORTED (RFC 2408 section 5.4). */
  readonly doi: number;
  /** Situation bitmap (RFC 2407 section 4.2), 32 bits. */
  readonly situation: number;
  readonly labeledDomain?: LabeledDomain;
  readonly proposals: readonly Proposal[];
}

export interface KeyExchangePayload {
  readonly type: 'key_exchange';
  readonly data: Uint8Array;
}

export interface IdentificationPayload {
  readonly type: 'identification';
  /** IPsec DOI Protocol ID (RFC 2407 section 4.6.2), 0 = any. */
  readonly protocolId: number;
  /** IPsec DOI Port, 0 = any. */
  readonly port: number;
  readonly id: IdentificationData;
}

export interface CertificatePayload {
  readonly type: 'certificate';
  readonly encoding: number;
  readonly data: Uint8Array;
}

export interface CertificateRequestPayload {
  readonly type: 'certificate_request';
  readonly encoding: number;
  readonly authority: Uint8Array;
}

export interface HashPayload {
  readonly type: 'hash';
  readonly data: Uint8Array;
}

export interface SignaturePayload {
  readonly type: 'signature';
  readonly data: Uint8Array;
}

export interface NoncePayload {
  readonly type: 'nonce';
  readonly data: Uint8Array;
}

export interface NotificationPayload {
  readonly type: 'notification';
  readonly doi: number;
  readonly protocolId: number;
  readonly spi: Uint8Array;
  readonly notifyType: number;
  readonly data: Uint8Array;
}

export interface DeletePayload {
  readonly type: 'delete';
  readonly doi: number;
  readonly protocolId: number;
  /** SPI size in bytes, 0-255 (kept: it cannot be derived when there are no SPIs; 0 only with no SPIs). */
  readonly spiSize: number;
  readonly spis: readonly Uint8Array[];
}

export interface VendorIdPayload {
  readonly type: 'vendor_id';
  readonly data: Uint8Array;
}

/** Attributes payload, draft-dukes-ike-mode-cfg-02 section 3.2. */
export interface AttributesPayload {
  readonly type: 'attributes';
  /** ISAKMP_CFG_REQUEST/REPLY/SET/ACK (`ConfigMessageType`). */
  readonly cfgType: number;
  readonly identifier: number;
  readonly attributes: readonly DataAttribute[];
}

/** NAT-D, RFC 3947 section 3.2 (payload 20), or draft payload 130 when `draft` is true. */
export interface NatDPayload {
  readonly type: 'nat_d';
  readonly draft: boolean;
  readonly hash: Uint8Array;
}

/** NAT-OA, RFC 3947 section 5.2 (payload 21), or draft payload 131 when `draft` is true. */
export interface NatOaPayload {
  readonly type: 'nat_oa';
  readonly draft: boolean;
  /** IPv4 (ID_IPV4_ADDR) or IPv6 (ID_IPV6_ADDR) address. */
  readonly address: string;
}

/** Cisco IKE fragment (payload 132): fragment id, number, flags (bit 0x01 = last fragment), data. */
export interface FragmentPayload {
  readonly type: 'fragment';
  readonly fragmentId: number;
  readonly fragmentNumber: number;
  readonly flags: number;
  readonly data: Uint8Array;
}

/** A private-use payload (RFC 2408 section 3.1: 128-255) this codec does not know, kept raw. */
export interface UnknownPayload {
  readonly type: 'unknown';
  readonly payloadType: number;
  readonly data: Uint8Array;
}

/**
 * A payload whose body is encrypted on its own, its generic header in the clear (RFC 2409 sections
 * 5.2 and 5.3: the ID of the public-key encryption modes). The decoder keeps an Identification
 * payload so when its body does not read as an ID; the SKEME authenticators send theirs so.
 */
export interface SealedPayload {
  readonly type: 'sealed';
  readonly payloadType: number;
  readonly data: Uint8Array;
}

export type Payload =
  | SaPayload
  | KeyExchangePayload
  | IdentificationPayload
  | CertificatePayload
  | CertificateRequestPayload
  | HashPayload
  | SignaturePayload
  | NoncePayload
  | NotificationPayload
  | DeletePayload
  | VendorIdPayload
  | AttributesPayload
  | NatDPayload
  | NatOaPayload
  | FragmentPayload
  | SealedPayload
  | UnknownPayload;

export type PayloadKind = Payload['type'];

/** ISAKMP header, RFC 2408 section 3.1, minus what the encoder computes (next payload, E flag, length). */
export interface Header {
  readonly initiatorCookie: Uint8Array;
  readonly responderCookie: Uint8Array;
  /** 1 for ISAKMP; the decoder accepts nothing else. */
  readonly majorVersion: number;
  /** 0 for ISAKMP; the decoder accepts nothing else. */
  readonly minorVersion: number;
  readonly exchangeType: number;
  /** C flag. */
  readonly commit: boolean;
  /** A flag. */
  readonly authenticationOnly: boolean;
  readonly messageId: number;
}

/** The body of a message with the E flag clear: its payloads. */
export interface PlainBody {
  readonly encrypted: false;
  readonly payloads: readonly Payload[];
  /**
   * Zero bytes after the last payload, inside the header's Length: some implementations pad
   * unencrypted messages to a multiple of 4. Kept so the message re-encodes byte-exact (at most
   * `MAX_PLAIN_PADDING` bytes; see `decodeMessage`).
   */
  readonly padding?: Uint8Array;
}

/**
 * The body of a message with the E flag set: the header's next-payload value and the ciphertext as received.
 * After decryption, `decodePayloadChain(firstPayload, plaintext)` parses it.
 */
export interface EncryptedBody {
  readonly encrypted: true;
  readonly firstPayload: number;
  readonly ciphertext: Uint8Array;
}

export interface Message {
  readonly header: Header;
  readonly body: PlainBody | EncryptedBody;
}

/** A decoded plaintext payload chain and the padding that followed its last payload. */
export interface PayloadChain {
  readonly payloads: readonly Payload[];
  readonly padding: Uint8Array;
}
