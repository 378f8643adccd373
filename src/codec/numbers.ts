/**
 * The numeric registries of ISAKMP / IKEv1, as `const` objects.
 *
 * Naming scheme (stable: other layers import these, names are never changed, only added):
 * - one object per registry, PascalCase (`ExchangeType`, `PayloadType`, `IkeEncryptionAlgorithm`, ...);
 * - keys in UPPER_SNAKE_CASE, in IKE's own words: where an RFC gives an identifier-like name it is kept
 *   as written (`PROTO_IPSEC_ESP`, `KEY_IKE`, `ESP_3DES`, `AH_SHA`, `ID_IPV4_ADDR`, notify
 *   `INVALID_PAYLOAD_TYPE` for "INVALID-PAYLOAD-TYPE"); descriptive names become UPPER_SNAKE
 *   (`"pre-shared key"` -> `PRE_SHARED_KEY`, `"3DES-CBC"` -> `TRIPLE_DES_CBC`, a leading digit is spelt out).
 * - `nameOf(Registry, value)` gives the key for a number (first key if several share a value).
 *
 * Phase 1 registries are prefixed `Ike` (RFC 2409 Appendix A), phase 2 ones `Ipsec` (RFC 2407 section 4.5).
 * Group descriptions are shared by both phases: `GroupDescription` (alias `DhGroup`).
 */

/** RFC 2408 section 3.1 (header) and 3.2 (generic payload header): the only ISAKMP major/minor version. */
export const IsakmpVersion = { MAJOR: 1, MINOR: 0 } as const;

/** Domain of Interpretation, RFC 2408 section 3.4 / RFC 2407 section 4.6.1. */
export const Doi = { ISAKMP: 0, IPSEC: 1 } as const;

/** Exchange types: RFC 2408 section 3.1, RFC 2409 Appendix A (32, 33), draft-dukes-ike-mode-cfg section 3.1 (6). */
export const ExchangeType = {
  NONE: 0,
  BASE: 1,
  /** Identity Protection, i.e. IKE Main Mode (RFC 2409 section 5). */
  IDENTITY_PROTECTION: 2,
  AUTHENTICATION_ONLY: 3,
  AGGRESSIVE: 4,
  INFORMATIONAL: 5,
  /** ISAKMP Configuration Method (Mode-Config / XAUTH), draft-dukes-ike-mode-cfg-02 section 3.1. */
  TRANSACTION: 6,
  QUICK_MODE: 32,
  NEW_GROUP_MODE: 33,
} as const;

/** Header flags, RFC 2408 section 3.1. */
export const HeaderFlag = { ENCRYPTION: 0x01, COMMIT: 0x02, AUTHENTICATION_ONLY: 0x04 } as const;

/**
 * Next Payload types, RFC 2408 section 3.1 (1-13), draft-dukes-ike-mode-cfg-02 section 3.2 (14),
 * RFC 3947 section 3.2/5.2 (20, 21), draft-ietf-ipsec-nat-t-ike-02/03 (130, 131), Cisco IKE fragmentation (132).
 * 128-255 are private use (RFC 2408 section 3.1).
 */
export const PayloadType = {
  NONE: 0,
  SA: 1,
  PROPOSAL: 2,
  TRANSFORM: 3,
  KEY_EXCHANGE: 4,
  IDENTIFICATION: 5,
  CERTIFICATE: 6,
  CERTIFICATE_REQUEST: 7,
  HASH: 8,
  SIGNATURE: 9,
  NONCE: 10,
  NOTIFICATION: 11,
  DELETE: 12,
  VENDOR_ID: 13,
  ATTRIBUTES: 14,
  NAT_D: 20,
  NAT_OA: 21,
  NAT_D_DRAFT: 130,
  NAT_OA_DRAFT: 131,
  FRAGMENT: 132,
} as const;

/** Flags of the Cisco IKE fragment payload (132). */
export const FragmentFlag = { LAST_FRAGMENT: 0x01 } as const;

/** IPsec DOI situation bits, RFC 2407 section 4.2. */
export const IpsecSituation = { SIT_IDENTITY_ONLY: 0x01, SIT_SECRECY: 0x02, SIT_INTEGRITY: 0x04 } as const;

/** Security protocol identifiers, RFC 2407 section 4.4.1. */
export const ProtocolId = {
  RESERVED: 0,
  PROTO_ISAKMP: 1,
  PROTO_IPSEC_AH: 2,
  PROTO_IPSEC_ESP: 3,
  PROTO_IPCOMP: 4,
} as const;

/** ISAKMP transform identifiers, RFC 2407 section 4.4.2. */
export const IsakmpTransformId = { RESERVED: 0, KEY_IKE: 1 } as const;

/** AH transform identifiers, RFC 2407 section 4.4.3 and the IANA registry (RFC 4868, 3566, 4359, 4543). */
export const AhTransformId = {
  AH_MD5: 2,
  AH_SHA: 3,
  AH_DES: 4,
  AH_SHA2_256: 5,
  AH_SHA2_384: 6,
  AH_SHA2_512: 7,
  AH_RIPEMD: 8,
  AH_AES_XCBC_MAC: 9,
  AH_RSA: 10,
  AH_AES_128_GMAC: 11,
  AH_AES_192_GMAC: 12,
  AH_AES_256_GMAC: 13,
} as const;

/**
 * ESP transform identifiers, RFC 2407 section 4.4.4 and the IANA "IPSEC ESP Transform Identifiers" registry:
 * RFC 3602 (12), 3686 (13), 4309 (14-16), 4106 (18-20), 4196 (21), 4312 (22), 4543 + errata 1821 (23: the
 * IKEv1 value of NULL_AUTH_AES_GMAC; 21 is its IKEv2 number). No IKEv1 id exists for ChaCha20-Poly1305.
 */
export const EspTransformId = {
  ESP_DES_IV64: 1,
  ESP_DES: 2,
  ESP_3DES: 3,
  ESP_RC5: 4,
  ESP_IDEA: 5,
  ESP_CAST: 6,
  ESP_BLOWFISH: 7,
  ESP_3IDEA: 8,
  ESP_DES_IV32: 9,
  ESP_RC4: 10,
  ESP_NULL: 11,
  ESP_AES: 12,
  ESP_AES_CTR: 13,
  ESP_AES_CCM_8: 14,
  ESP_AES_CCM_12: 15,
  ESP_AES_CCM_16: 16,
  ESP_AES_GCM_8: 18,
  ESP_AES_GCM_12: 19,
  ESP_AES_GCM_16: 20,
  ESP_SEED_CBC: 21,
  ESP_CAMELLIA: 22,
  ESP_NULL_AUTH_AES_GMAC: 23,
} as const;

/** IPCOMP transform identifiers, RFC 2407 section 4.4.5 (4: RFC 3051). */
export const IpcompTransformId = { IPCOMP_OUI: 1, IPCOMP_DEFLATE: 2, IPCOMP_LZS: 3, IPCOMP_LZJH: 4 } as const;

/** Phase 1 (ISAKMP SA) attribute classes, RFC 2409 Appendix A. */
export const IkeAttributeClass = {
  ENCRYPTION_ALGORITHM: 1,
  HASH_ALGORITHM: 2,
  AUTHENTICATION_METHOD: 3,
  GROUP_DESCRIPTION: 4,
  GROUP_TYPE: 5,
  GROUP_PRIME: 6,
  GROUP_GENERATOR_ONE: 7,
  GROUP_GENERATOR_TWO: 8,
  GROUP_CURVE_A: 9,
  GROUP_CURVE_B: 10,
  LIFE_TYPE: 11,
  LIFE_DURATION: 12,
  PRF: 13,
  KEY_LENGTH: 14,
  FIELD_SIZE: 15,
  GROUP_ORDER: 16,
} as const;

/** Phase 1 classes that are Variable-length ("V" in RFC 2409 Appendix A); the others are Basic. */
export const IKE_VARIABLE_CLASSES: readonly number[] = [6, 7, 8, 9, 10, 12, 16];

/** Phase 1 encryption algorithms, RFC 2409 Appendix A; 7 RFC 3602, 8 RFC 4312. */
export const IkeEncryptionAlgorithm = {
  DES_CBC: 1,
  IDEA_CBC: 2,
  BLOWFISH_CBC: 3,
  RC5_R16_B64_CBC: 4,
  TRIPLE_DES_CBC: 5,
  CAST_CBC: 6,
  AES_CBC: 7,
  CAMELLIA_CBC: 8,
} as const;

/** Phase 1 hash algorithms, RFC 2409 Appendix A; 4-6 RFC 4868 / IANA. */
export const IkeHashAlgorithm = {
  MD5: 1,
  SHA: 2,
  TIGER: 3,
  SHA2_256: 4,
  SHA2_384: 5,
  SHA2_512: 6,
} as const;

/**
 * Phase 1 authentication methods: RFC 2409 Appendix A (1-5), IANA (6-8), RFC 4754 section 8 (9-11),
 * draft-ietf-ipsec-isakmp-hybrid-auth-05 section 3.2.1 (64221-64224), draft-beaulieu-ike-xauth-02 section 7.2
 * (65001-65010).
 */
export const IkeAuthMethod = {
  PRE_SHARED_KEY: 1,
  DSS_SIGNATURES: 2,
  RSA_SIGNATURES: 3,
  RSA_ENCRYPTION: 4,
  RSA_REVISED_ENCRYPTION: 5,
  ELGAMAL_ENCRYPTION: 6,
  ELGAMAL_REVISED_ENCRYPTION: 7,
  ECDSA_SIGNATURES: 8,
  ECDSA_SHA256_P256: 9,
  ECDSA_SHA384_P384: 10,
  ECDSA_SHA512_P521: 11,
  HYBRID_INIT_RSA: 64221,
  HYBRID_RESP_RSA: 64222,
  HYBRID_INIT_DSS: 64223,
  HYBRID_RESP_DSS: 64224,
  XAUTH_INIT_PRE_SHARED: 65001,
  XAUTH_RESP_PRE_SHARED: 65002,
  XAUTH_INIT_DSS: 65003,
  XAUTH_RESP_DSS: 65004,
  XAUTH_INIT_RSA: 65005,
  XAUTH_RESP_RSA: 65006,
  XAUTH_INIT_RSA_ENCRYPTION: 65007,
  XAUTH_RESP_RSA_ENCRYPTION: 65008,
  XAUTH_INIT_RSA_REVISED_ENCRYPTION: 65009,
  XAUTH_RESP_RSA_REVISED_ENCRYPTION: 65010,
} as const;

/**
 * Group descriptions (phase 1 class 4, phase 2 class 3): RFC 2409 section 6 (1-4), RFC 3526 (5, 14-18),
 * IANA (6-13, EC2N), RFC 5903 (19-21), RFC 5114 (22-26), RFC 6932 (27-30, brainpool). 31 and 32 are RFC 8031's
 * IKEv2 numbers (the IKEv1 registry has none for X25519/X448; implementations such as strongSwan reuse them).
 */
export const GroupDescription = {
  MODP_768: 1,
  MODP_1024: 2,
  EC2N_155: 3,
  EC2N_185: 4,
  MODP_1536: 5,
  EC2N_163A: 6,
  EC2N_163B: 7,
  EC2N_283A: 8,
  EC2N_283B: 9,
  EC2N_409A: 10,
  EC2N_409B: 11,
  EC2N_571A: 12,
  EC2N_571B: 13,
  MODP_2048: 14,
  MODP_3072: 15,
  MODP_4096: 16,
  MODP_6144: 17,
  MODP_8192: 18,
  ECP_256: 19,
  ECP_384: 20,
  ECP_521: 21,
  MODP_1024_S160: 22,
  MODP_2048_S224: 23,
  MODP_2048_S256: 24,
  ECP_192: 25,
  ECP_224: 26,
  BRAINPOOL_P224R1: 27,
  BRAINPOOL_P256R1: 28,
  BRAINPOOL_P384R1: 29,
  BRAINPOOL_P512R1: 30,
  CURVE25519: 31,
  CURVE448: 32,
} as const;

/** Alias of `GroupDescription` (the Diffie-Hellman group numbers). */
export const DhGroup = GroupDescription;

/** Phase 1 group types, RFC 2409 Appendix A. */
export const IkeGroupType = { MODP: 1, ECP: 2, EC2N: 3 } as const;

/** Phase 1 life types, RFC 2409 Appendix A. */
export const IkeLifeType = { SECONDS: 1, KILOBYTES: 2 } as const;

/** Phase 1 PRFs: RFC 2409 Appendix A defines none (values 65001-65535 are private use). */
export const IkePrf = {} as const;

/** Phase 2 (IPsec SA) attribute classes, RFC 2407 section 4.5; 10 RFC 3168, 11 RFC 4304. */
export const IpsecAttributeClass = {
  SA_LIFE_TYPE: 1,
  SA_LIFE_DURATION: 2,
  GROUP_DESCRIPTION: 3,
  ENCAPSULATION_MODE: 4,
  AUTHENTICATION_ALGORITHM: 5,
  KEY_LENGTH: 6,
  KEY_ROUNDS: 7,
  COMPRESS_DICTIONARY_SIZE: 8,
  COMPRESS_PRIVATE_ALGORITHM: 9,
  ECN_TUNNEL: 10,
  EXTENDED_SEQUENCE_NUMBER: 11,
} as const;

/** Phase 2 classes that are Variable-length ("V" in RFC 2407 section 4.5). */
export const IPSEC_VARIABLE_CLASSES: readonly number[] = [2, 9];

/** Phase 2 SA life types, RFC 2407 section 4.5. */
export const IpsecLifeType = { SECONDS: 1, KILOBYTES: 2 } as const;

/**
 * Encapsulation modes, RFC 2407 section 4.5; RFC 3947 section 5.1 (3, 4) and the values of
 * draft-ietf-ipsec-nat-t-ike-00..03 (61443, 61444) still sent by deployed peers.
 */
export const EncapsulationMode = {
  TUNNEL: 1,
  TRANSPORT: 2,
  UDP_ENCAPSULATED_TUNNEL: 3,
  UDP_ENCAPSULATED_TRANSPORT: 4,
  UDP_ENCAPSULATED_TUNNEL_DRAFT: 61443,
  UDP_ENCAPSULATED_TRANSPORT_DRAFT: 61444,
} as const;

/** Phase 2 authentication algorithms, RFC 2407 section 4.5 and IANA (RFC 4868, 3566, 4359, 4543). */
export const IpsecAuthAlgorithm = {
  HMAC_MD5: 1,
  HMAC_SHA: 2,
  DES_MAC: 3,
  KPDK: 4,
  HMAC_SHA2_256: 5,
  HMAC_SHA2_384: 6,
  HMAC_SHA2_512: 7,
  HMAC_RIPEMD: 8,
  AES_XCBC_MAC: 9,
  SIG_RSA: 10,
  AES_128_GMAC: 11,
  AES_192_GMAC: 12,
  AES_256_GMAC: 13,
} as const;

/** ECN tunnel, RFC 3168 section 9.2.1. */
export const EcnTunnel = { ALLOWED: 1, FORBIDDEN: 2 } as const;

/** Extended (64-bit) Sequence Number, RFC 4304 section 2. */
export const ExtendedSequenceNumber = { SEQUENCE_NUMBER_64_BIT: 1 } as const;

/** Identification types of the IPsec DOI, RFC 2407 section 4.6.2.1. */
export const IdType = {
  ID_IPV4_ADDR: 1,
  ID_FQDN: 2,
  ID_USER_FQDN: 3,
  ID_IPV4_ADDR_SUBNET: 4,
  ID_IPV6_ADDR: 5,
  ID_IPV6_ADDR_SUBNET: 6,
  ID_IPV4_ADDR_RANGE: 7,
  ID_IPV6_ADDR_RANGE: 8,
  ID_DER_ASN1_DN: 9,
  ID_DER_ASN1_GN: 10,
  ID_KEY_ID: 11,
} as const;

/** Certificate encodings, RFC 2408 section 3.9. */
export const CertificateEncoding = {
  NONE: 0,
  PKCS7_WRAPPED_X509: 1,
  PGP: 2,
  DNS_SIGNED_KEY: 3,
  X509_SIGNATURE: 4,
  X509_KEY_EXCHANGE: 5,
  KERBEROS_TOKENS: 6,
  CRL: 7,
  ARL: 8,
  SPKI: 9,
  X509_ATTRIBUTE: 10,
} as const;

/**
 * Notify message types: RFC 2408 section 3.14.1 (errors 1-30, status CONNECTED 16384),
 * RFC 2407 section 4.6.3 (24576-24578), RFC 3706 section 5.2 (36136, 36137), and the Cisco Unity private
 * notifies (40500 as in ipsec-tools, 40501 as in strongSwan and Wireshark, 40503 as in the Shrew Soft client).
 */
export const NotifyType = {
  INVALID_PAYLOAD_TYPE: 1,
  DOI_NOT_SUPPORTED: 2,
  SITUATION_NOT_SUPPORTED: 3,
  INVALID_COOKIE: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_MINOR_VERSION: 6,
  INVALID_EXCHANGE_TYPE: 7,
  INVALID_FLAGS: 8,
  INVALID_MESSAGE_ID: 9,
  INVALID_PROTOCOL_ID: 10,
  INVALID_SPI: 11,
  INVALID_TRANSFORM_ID: 12,
  ATTRIBUTES_NOT_SUPPORTED: 13,
  NO_PROPOSAL_CHOSEN: 14,
  BAD_PROPOSAL_SYNTAX: 15,
  PAYLOAD_MALFORMED: 16,
  INVALID_KEY_INFORMATION: 17,
  INVALID_ID_INFORMATION: 18,
  INVALID_CERT_ENCODING: 19,
  INVALID_CERTIFICATE: 20,
  CERT_TYPE_UNSUPPORTED: 21,
  INVALID_CERT_AUTHORITY: 22,
  INVALID_HASH_INFORMATION: 23,
  AUTHENTICATION_FAILED: 24,
  INVALID_SIGNATURE: 25,
  ADDRESS_NOTIFICATION: 26,
  NOTIFY_SA_LIFETIME: 27,
  CERTIFICATE_UNAVAILABLE: 28,
  UNSUPPORTED_EXCHANGE_TYPE: 29,
  UNEQUAL_PAYLOAD_LENGTHS: 30,
  CONNECTED: 16384,
  RESPONDER_LIFETIME: 24576,
  REPLAY_STATUS: 24577,
  INITIAL_CONTACT: 24578,
  R_U_THERE: 36136,
  R_U_THERE_ACK: 36137,
  /** Cisco Unity heartbeat (ipsec-tools' isakmp_unity.h). */
  UNITY_HEARTBEAT: 40500,
  UNITY_LOAD_BALANCE: 40501,
  /** Cisco Unity group hash (as defined by the Shrew Soft client). */
  UNITY_GROUP_HASH: 40503,
} as const;

// Mode-Config and XAUTH registries (ConfigMessageType, ConfigAttributeType, XauthType, XauthStatus).
export * from './numbers-config.js';

/** A registry: names to numbers. */
export type Registry = { readonly [name: string]: number };

/** The union of a registry's numbers, e.g. `ValueOf<typeof ExchangeType>`. */
export type ValueOf<R extends Registry> = R[keyof R];

const reverseCache = new WeakMap<Registry, Map<number, string>>();

/** The name of `value` in `registry` (first key with that value), or undefined. */
export function nameOf(registry: Registry, value: number): string | undefined {
  let reverse = reverseCache.get(registry);
  if (reverse === undefined) {
    reverse = new Map();
    for (const [name, v] of Object.entries(registry)) if (!reverse.has(v)) reverse.set(v, name);
    reverseCache.set(registry, reverse);
  }
  return reverse.get(value);
}

/** The number for `name` in `registry`, or undefined. */
export function numberOf(registry: Registry, name: string): number | undefined {
  return Object.hasOwn(registry, name) ? registry[name] : undefined;
}

/** `nameOf`, falling back to the decimal number as a string (for display). */
export function nameOrNumber(registry: Registry, value: number): string {
  return nameOf(registry, value) ?? String(value);
}
