import {
  AhTransformId,
  EspTransformId,
  GroupDescription,
  IkeEncryptionAlgorithm,
  IkeHashAlgorithm,
  IpsecAuthAlgorithm,
} from '../codec/numbers.js';
import { CBC_CIPHERS, type CbcCipher, type CipherPolicy, cbcCipher } from './cbc.js';
import { DH_GROUPS, type DhGroup } from './dh/index.js';
import { UnsupportedAlgorithmError } from './errors.js';
import { type EspCipher, espCipher } from './esp-cipher.js';
import { type IntegrityAlgorithm, integrityAlgorithm } from './integrity.js';
import type { HashName } from './prf.js';

// The transform registry: one table per transform kind mapping the strongSwan keyword (and its
// aliases) to the wire ids of IKEv1 (RFC 2409 Appendix A for phase 1, RFC 2407 section 4.4-4.5
// and the IANA registries for ESP/AH) and to the node:crypto implementation with its sizes.
// Keywords and aliases as in strongSwan's src/libstrongswan/crypto/proposal/proposal_keywords_static.txt;
// strongSwan keywords of algorithms ikets does not implement (CCM, GMAC, Camellia, Blowfish,
// ...) are reported as unknown.

/**
 * ESP transform id strongSwan uses for ChaCha20-Poly1305 in IKEv1: IKEv1 has no assignment
 * (numbers.ts says so); strongSwan shares the IKEv2 "Transform Type 1" value 28 (RFC 7634).
 */
export const ESP_CHACHA20_POLY1305 = 28;

export interface EncryptionTransform {
  readonly kind: 'encryption';
  /** Canonical strongSwan keyword. */
  readonly keyword: string;
  readonly aliases: readonly string[];
  /** Phase 1 "Encryption Algorithm" (RFC 2409 Appendix A), if usable for the ISAKMP SA. */
  readonly ikeId?: number;
  /** ESP transform id (RFC 2407 section 4.4.4), if usable for ESP. */
  readonly espId?: number;
  /** Key Length attribute in bits (RFC 2409 Appendix A class 14 / RFC 2407 class 6), if sent. */
  readonly keyLengthBits?: number;
  /**
   * Phase 1 implementation (CBC only). Absent for single DES, which only `phase1Cipher` hands out
   * (it is refused unless the policy allows it).
   */
  readonly cbc?: CbcCipher;
  /** ESP implementation. */
  readonly esp?: EspCipher;
  readonly aead: boolean;
}

export interface IntegrityTransform {
  readonly kind: 'integrity';
  readonly keyword: string;
  readonly aliases: readonly string[];
  /** Phase 1 "Hash Algorithm" (RFC 2409 Appendix A); its HMAC is the IKEv1 PRF. */
  readonly ikeHashId?: number;
  readonly hash?: HashName;
  /** Phase 2 "Authentication Algorithm" attribute (RFC 2407 section 4.5). */
  readonly authId: number;
  /** AH transform id (RFC 2407 section 4.4.3). */
  readonly ahId: number;
  readonly implementation: IntegrityAlgorithm;
}

export interface PrfTransform {
  readonly kind: 'prf';
  readonly keyword: string;
  readonly aliases: readonly string[];
  /** The HMAC's hash; IKEv1 signals it through the Hash Algorithm attribute. */
  readonly hash: HashName;
}

export interface DhTransform {
  readonly kind: 'dh';
  readonly keyword: string;
  readonly aliases: readonly string[];
  readonly id: number;
  readonly group: DhGroup;
}

export interface EsnTransform {
  readonly kind: 'esn';
  readonly keyword: 'esn' | 'noesn';
  readonly aliases: readonly string[];
}

export type Transform = EncryptionTransform | IntegrityTransform | PrfTransform | DhTransform | EsnTransform;

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UnsupportedAlgorithmError(`registry: no implementation of ${what}`);
  return value;
}

const AES_IKE = IkeEncryptionAlgorithm.AES_CBC;

export const ENCRYPTION_TRANSFORMS: readonly EncryptionTransform[] = [
  {
    keyword: 'des',
    ikeId: IkeEncryptionAlgorithm.DES_CBC,
    espId: EspTransformId.ESP_DES,
  },
  {
    keyword: '3des',
    ikeId: IkeEncryptionAlgorithm.TRIPLE_DES_CBC,
    espId: EspTransformId.ESP_3DES,
    cbc: CBC_CIPHERS['3des'],
    esp: espCipher('3des'),
  },
  ...([128, 192, 256] as const).map((bits) => ({
    keyword: `aes${bits}`,
    aliases: bits === 128 ? ['aes'] : [],
    ikeId: AES_IKE,
    espId: EspTransformId.ESP_AES,
    keyLengthBits: bits,
    cbc: CBC_CIPHERS[`aes${bits}`],
    esp: espCipher(`aes${bits}`),
  })),
  ...([128, 192, 256] as const).flatMap((bits) =>
    (
      [
        [8, EspTransformId.ESP_AES_GCM_8],
        [12, EspTransformId.ESP_AES_GCM_12],
        [16, EspTransformId.ESP_AES_GCM_16],
      ] as const
    ).map(([icv, id]) => ({
      keyword: `aes${bits}gcm${icv}`,
      aliases: [`aes${bits}gcm${icv * 8}`, ...(icv === 16 ? [`aes${bits}gcm`] : [])],
      espId: id,
      keyLengthBits: bits,
      esp: espCipher(`aes${bits}gcm${icv}`),
      aead: true,
    })),
  ),
  ...([128, 192, 256] as const).map((bits) => ({
    keyword: `aes${bits}ctr`,
    espId: EspTransformId.ESP_AES_CTR,
    keyLengthBits: bits,
    esp: espCipher(`aes${bits}ctr`),
  })),
  {
    keyword: 'chacha20poly1305',
    espId: ESP_CHACHA20_POLY1305,
    esp: espCipher('chacha20poly1305'),
    aead: true,
  },
  { keyword: 'null', espId: EspTransformId.ESP_NULL, esp: espCipher('null') },
].map((t) => ({ kind: 'encryption' as const, aliases: [], aead: false, ...t }));

const INTEGRITY_ROWS: readonly [
  string,
  string[],
  HashName | undefined,
  number | undefined,
  number,
  number,
][] = [
  ['md5', [], 'md5', IkeHashAlgorithm.MD5, IpsecAuthAlgorithm.HMAC_MD5, AhTransformId.AH_MD5],
  ['sha1', ['sha'], 'sha1', IkeHashAlgorithm.SHA, IpsecAuthAlgorithm.HMAC_SHA, AhTransformId.AH_SHA],
  [
    'sha256',
    ['sha2_256'],
    'sha256',
    IkeHashAlgorithm.SHA2_256,
    IpsecAuthAlgorithm.HMAC_SHA2_256,
    AhTransformId.AH_SHA2_256,
  ],
  [
    'sha384',
    ['sha2_384'],
    'sha384',
    IkeHashAlgorithm.SHA2_384,
    IpsecAuthAlgorithm.HMAC_SHA2_384,
    AhTransformId.AH_SHA2_384,
  ],
  [
    'sha512',
    ['sha2_512'],
    'sha512',
    IkeHashAlgorithm.SHA2_512,
    IpsecAuthAlgorithm.HMAC_SHA2_512,
    AhTransformId.AH_SHA2_512,
  ],
  ['aesxcbc', [], undefined, undefined, IpsecAuthAlgorithm.AES_XCBC_MAC, AhTransformId.AH_AES_XCBC_MAC],
];

export const INTEGRITY_TRANSFORMS: readonly IntegrityTransform[] = INTEGRITY_ROWS.map(
  ([keyword, aliases, hash, ikeHashId, authId, ahId]) => ({
    kind: 'integrity' as const,
    keyword,
    aliases,
    ...(hash === undefined ? {} : { hash }),
    ...(ikeHashId === undefined ? {} : { ikeHashId }),
    authId,
    ahId,
    implementation: must(integrityAlgorithm(keyword), keyword),
  }),
);

export const PRF_TRANSFORMS: readonly PrfTransform[] = (
  ['md5', 'sha1', 'sha256', 'sha384', 'sha512'] as const
).map((hash) => ({ kind: 'prf' as const, keyword: `prf${hash}`, aliases: [], hash }));

const DH_ALIASES: Readonly<Record<number, readonly string[]>> = {
  [GroupDescription.CURVE25519]: ['x25519'],
  [GroupDescription.CURVE448]: ['x448'],
};

export const DH_TRANSFORMS: readonly DhTransform[] = DH_GROUPS.map((group) => ({
  kind: 'dh' as const,
  keyword: group.name,
  aliases: DH_ALIASES[group.id] ?? [],
  id: group.id,
  group,
}));

export const ESN_TRANSFORMS: readonly EsnTransform[] = [
  { kind: 'esn', keyword: 'esn', aliases: [] },
  { kind: 'esn', keyword: 'noesn', aliases: [] },
];

const BY_KEYWORD = new Map<string, Transform>();
for (const t of [
  ...ENCRYPTION_TRANSFORMS,
  ...INTEGRITY_TRANSFORMS,
  ...PRF_TRANSFORMS,
  ...DH_TRANSFORMS,
  ...ESN_TRANSFORMS,
] as Transform[]) {
  for (const name of [t.keyword, ...t.aliases]) BY_KEYWORD.set(name, t);
}

/** The transform for a strongSwan keyword (or alias), or undefined. */
export function transformByKeyword(keyword: string): Transform | undefined {
  return BY_KEYWORD.get(keyword.toLowerCase());
}

/** Phase 1: the encryption transform for an Encryption Algorithm id and Key Length (bits). */
export function ikeEncryptionById(id: number, keyLengthBits?: number): EncryptionTransform | undefined {
  return ENCRYPTION_TRANSFORMS.find(
    (t) => t.ikeId === id && (t.keyLengthBits === undefined || t.keyLengthBits === keyLengthBits),
  );
}

/**
 * The phase 1 cipher of an encryption transform, applying the policy: single DES only when
 * `allowDes` is set and OpenSSL offers it (throws UnsupportedAlgorithmError otherwise).
 */
export function phase1Cipher(t: EncryptionTransform, policy: CipherPolicy = {}): CbcCipher {
  if (t.keyword === 'des') return cbcCipher('des', policy);
  if (t.cbc === undefined) throw new UnsupportedAlgorithmError(`${t.keyword} for the ISAKMP SA`);
  return t.cbc;
}

/** Phase 1: the hash (and so the PRF) for a Hash Algorithm id. */
export function ikeHashById(id: number): IntegrityTransform | undefined {
  return INTEGRITY_TRANSFORMS.find((t) => t.ikeHashId === id);
}

/** ESP: the encryption transform for an ESP transform id and Key Length attribute (bits). */
export function espTransformById(id: number, keyLengthBits?: number): EncryptionTransform | undefined {
  return ENCRYPTION_TRANSFORMS.find(
    (t) => t.espId === id && (t.keyLengthBits === undefined || t.keyLengthBits === keyLengthBits),
  );
}

/** ESP/AH: the integrity transform for an Authentication Algorithm attribute value. */
export function authAlgorithmById(id: number): IntegrityTransform | undefined {
  return INTEGRITY_TRANSFORMS.find((t) => t.authId === id);
}

/** AH: the integrity transform for an AH transform id. */
export function ahTransformById(id: number): IntegrityTransform | undefined {
  return INTEGRITY_TRANSFORMS.find((t) => t.ahId === id);
}

/** The DH transform for a Group Description. */
export function dhTransformById(id: number): DhTransform | undefined {
  return DH_TRANSFORMS.find((t) => t.id === id);
}

/**
 * Bytes of KEYMAT one SA direction takes (RFC 2409 section 5.5): the encryption key material
 * (with the 4-byte salt of GCM / ChaCha20-Poly1305, RFC 4106 section 8.1, RFC 7634 section 2),
 * then the integrity key. For AH pass no encryption.
 */
export function saKeyLengths(
  encryption: EncryptionTransform | undefined,
  integrity: IntegrityTransform | undefined,
): { encryptionLength: number; integrityLength: number } {
  if (encryption !== undefined && encryption.esp === undefined) {
    throw new UnsupportedAlgorithmError(`${encryption.keyword} for ESP`);
  }
  return {
    encryptionLength: encryption?.esp?.keymatLength ?? 0,
    integrityLength: integrity?.implementation.keyLength ?? 0,
  };
}
