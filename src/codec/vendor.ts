/**
 * Well-known Vendor ID payload contents (RFC 2408 section 3.16), recognised by name.
 *
 * Most are defined as the MD5 hash of a published string (`md5Of`); test/codec/vendor.test.ts recomputes
 * each of those. Some peers append version or capability bytes (`match: 'prefix'`).
 */

export interface KnownVendorId {
  /** Stable name, UPPER_SNAKE_CASE. */
  readonly name: string;
  /** The Vendor ID bytes (or their prefix), hex. */
  readonly hex: string;
  /** 'exact': the payload equals `hex`; 'prefix': it starts with `hex` (deployed peers append bytes). */
  readonly match: 'exact' | 'prefix';
  /** The string whose MD5 gives `hex` (truncated to `hex`'s length when shorter), where that is the definition. */
  readonly md5Of?: string;
  /** Where it is defined. */
  readonly source: string;
}

export const KNOWN_VENDOR_IDS: readonly KnownVendorId[] = [
  {
    name: 'NAT_T_RFC3947',
    hex: '4a131c81070358455c5728f20e95452f',
    match: 'exact',
    md5Of: 'RFC 3947',
    source: 'RFC 3947 section 3.1',
  },
  {
    name: 'NAT_T_DRAFT',
    hex: '4df37928e9fc4fd1b3262170d515c662',
    match: 'exact',
    md5Of: 'draft-ietf-ipsec-nat-t-ike',
    source: 'draft-ietf-ipsec-nat-t-ike',
  },
  ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((n): KnownVendorId => {
    const hex = [
      '4485152d18b6bbcd0be8a8469579ddcc',
      '16f6ca16e4a4066d83821a0f0aeaa862',
      'cd60464335df21f87cfdb2fc68b6a448',
      '7d9419a65310ca6f2c179d9215529d56',
      '9909b64eed937c6573de52ace952fa6b',
      '80d0bb3def54565ee84645d4c85ce3ee',
      '4d1e0e136deafa34c4f3ea9f02ec7285',
      '439b59f8ba676c4c7737ae22eab8f582',
      '8f8d83826d246b6fc7a8a6a428c11de8',
    ][n] as string;
    const draft = `draft-ietf-ipsec-nat-t-ike-0${n}`;
    return { name: `NAT_T_DRAFT_0${n}`, hex, match: 'exact', md5Of: draft, source: draft };
  }),
  {
    name: 'NAT_T_DRAFT_02_N',
    hex: '90cb80913ebb696e086381b5ec427b1f',
    match: 'exact',
    md5Of: 'draft-ietf-ipsec-nat-t-ike-02\n',
    source: 'draft-ietf-ipsec-nat-t-ike-02 (with the trailing newline sent by deployed peers)',
  },
  {
    name: 'NAT_T_STENBERG_01',
    hex: '27bab5dc01ea0760ea4e3190ac27c0d0',
    match: 'exact',
    md5Of: 'draft-stenberg-ipsec-nat-traversal-01',
    source: 'draft-stenberg-ipsec-nat-traversal-01',
  },
  {
    name: 'NAT_T_STENBERG_02',
    hex: '6105c422e76847e43f9684801292aecd',
    match: 'exact',
    md5Of: 'draft-stenberg-ipsec-nat-traversal-02',
    source: 'draft-stenberg-ipsec-nat-traversal-02',
  },
  { name: 'DPD', hex: 'afcad71368a1f1c96b8696fc77570100', match: 'exact', source: 'RFC 3706 section 5.1' },
  {
    name: 'XAUTH',
    hex: '09002689dfd6b712',
    match: 'exact',
    md5Of: 'draft-ietf-ipsra-isakmp-xauth-06.txt',
    source:
      'draft-beaulieu-ike-xauth-02 section 4 (the first 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt"))',
  },
  {
    name: 'CISCO_UNITY',
    hex: '12f5f28c457168a9702d9fe274cc0100',
    match: 'exact',
    source: 'Cisco Unity: MD5("CISCO-UNITY") with its last two bytes replaced by version 1.0',
  },
  {
    name: 'FRAGMENTATION',
    hex: '4048b7d56ebce88525e7de7f00d6c2d3',
    match: 'prefix',
    md5Of: 'FRAGMENTATION',
    source: 'Cisco/Microsoft IKE fragmentation; peers append 4 capability bytes (e.g. 80000000)',
  },
  {
    name: 'STRONGSWAN',
    hex: '882fe56d6fd20dbc2251613b2ebe5beb',
    match: 'exact',
    md5Of: 'strongSwan',
    source: 'strongSwan',
  },
  {
    name: 'KAME_RACOON',
    hex: '7003cbc1097dbe9c2600ba6983bc8b35',
    match: 'exact',
    md5Of: 'KAME/racoon',
    source: 'KAME racoon / ipsec-tools',
  },
  {
    name: 'MS_INITIAL_CONTACT',
    hex: '26244d38eddb61b3172a36e3d0cfb819',
    match: 'exact',
    md5Of: 'Vid-Initial-Contact',
    source: 'Microsoft Windows',
  },
  {
    name: 'MS_NT5_ISAKMPOAKLEY',
    hex: '1e2b516905991c7d7c96fcbfb587e461',
    match: 'prefix',
    md5Of: 'MS NT5 ISAKMPOAKLEY',
    source: 'Microsoft Windows; followed by a 4-byte version',
  },
];

const byHex = new Map<string, KnownVendorId>();
for (const v of KNOWN_VENDOR_IDS) if (v.match === 'exact') byHex.set(v.hex, v);
const prefixes = KNOWN_VENDOR_IDS.filter((v) => v.match === 'prefix');

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** The well-known Vendor ID these bytes are, or undefined. */
export function recognizeVendorId(data: Uint8Array): KnownVendorId | undefined {
  if (data.length > 64) return undefined;
  const hex = toHex(data);
  return byHex.get(hex) ?? prefixes.find((v) => hex.startsWith(v.hex));
}

/** The bytes of a well-known Vendor ID by name (prefix-matched ones: the prefix only). */
export function vendorIdBytes(name: string): Uint8Array | undefined {
  const v = KNOWN_VENDOR_IDS.find((k) => k.name === name);
  return v === undefined ? undefined : Uint8Array.from(Buffer.from(v.hex, 'hex'));
}

const FRAGMENTATION_PREFIX = Buffer.from('4048b7d56ebce88525e7de7f00d6c2d3', 'hex');
/** Capability bit "fragmentation of Main and Aggressive Mode messages" (racoon's VENDORID_FRAG_IDENT). */
const FRAGMENTATION_IKE = 0x80000000;

/**
 * The FRAGMENTATION Vendor ID as strongSwan and racoon send it: MD5("FRAGMENTATION") followed by
 * the 4 capability bytes 0x80000000 (fragments of phase 1 messages).
 */
export function fragmentationVendorId(): Uint8Array {
  const out = new Uint8Array(20);
  out.set(FRAGMENTATION_PREFIX);
  new DataView(out.buffer).setUint32(16, FRAGMENTATION_IKE);
  return out;
}

/**
 * Whether a Vendor ID announces IKE fragmentation, by strongSwan's rule: the 16 bytes alone (as
 * Windows sends them), or followed by 4 capability bytes with 0x80000000 set (Cisco sends
 * 0xc0000000). Other lengths, or capabilities without that bit, do not.
 */
export function announcesFragmentation(data: Uint8Array): boolean {
  if (data.length !== 16 && data.length !== 20) return false;
  if (!FRAGMENTATION_PREFIX.equals(data.subarray(0, 16))) return false;
  if (data.length === 16) return true;
  return (
    (new DataView(data.buffer, data.byteOffset, data.length).getUint32(16) & FRAGMENTATION_IKE) >>> 0 !== 0
  );
}
