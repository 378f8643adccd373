/**
 * NAT traversal for IKEv1 (RFC 3947, and the drafts deployed peers still speak): which variant both
 * sides support (Vendor IDs), the NAT-D hashes, and the port float to 4500 with the non-ESP marker
 * (RFC 3948 section 2.2).
 */
import { isIPv4 } from 'node:net';
import {
  EncapsulationMode,
  type NatDPayload,
  type Payload,
  parseIpv4,
  parseIpv6,
  recognizeVendorId,
  type VendorIdPayload,
  vendorIdBytes,
} from '../codec/index.js';
import { type HashName, hash } from '../crypto/index.js';
import type { Address } from '../sa/types.js';

/** RFC 3947, or the drafts with payload numbers 130/131 and encapsulation modes 61443/61444. */
export type NatTraversalVariant = 'rfc3947' | 'draft';

const RFC_VIDS = new Set(['NAT_T_RFC3947']);
const DRAFT_VIDS = new Set(['NAT_T_DRAFT_02', 'NAT_T_DRAFT_02_N', 'NAT_T_DRAFT_03']);

/** The Vendor IDs we send to announce NAT-T: RFC 3947 and draft-02 (as sent with a newline), as strongSwan does. */
export function natTraversalVendorIds(): VendorIdPayload[] {
  return ['NAT_T_RFC3947', 'NAT_T_DRAFT_02_N'].map((name) => ({
    type: 'vendor_id',
    data: vendorIdBytes(name) as Uint8Array,
  }));
}

/** The variant the peer's Vendor IDs announce (RFC 3947 preferred), or undefined. */
export function peerNatTraversal(payloads: readonly Payload[]): NatTraversalVariant | undefined {
  let variant: NatTraversalVariant | undefined;
  for (const p of payloads) {
    if (p.type !== 'vendor_id') continue;
    const known = recognizeVendorId(p.data)?.name;
    if (known === undefined) continue;
    if (RFC_VIDS.has(known)) return 'rfc3947';
    if (DRAFT_VIDS.has(known)) variant = 'draft';
  }
  return variant;
}

/** HASH = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash (RFC 3947 section 3.2). */
export function natDHash(hashName: HashName, cookieI: Uint8Array, cookieR: Uint8Array, a: Address): Buffer {
  const ip = isIPv4(a.address) ? parseIpv4(a.address) : parseIpv6(a.address);
  if (ip === undefined) throw new RangeError(`${a.address} is not an IP address`);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(a.port, 0);
  return hash(hashName, cookieI, cookieR, ip, port);
}

/**
 * The NAT-D payloads to send (RFC 3947 section 3.2): first the hash of the destination (the peer as
 * we send to it), then of the source (us). With `fakeLocal` (strongSwan's `encap = yes`) the source
 * hash is random, so the peer believes we are behind a NAT and both sides encapsulate.
 */
export function natDPayloads(
  variant: NatTraversalVariant,
  hashName: HashName,
  cookies: { cookieI: Uint8Array; cookieR: Uint8Array },
  local: Address,
  remote: Address,
  fakeLocal: Uint8Array | undefined,
): NatDPayload[] {
  const draft = variant === 'draft';
  return [
    { type: 'nat_d', draft, hash: natDHash(hashName, cookies.cookieI, cookies.cookieR, remote) },
    { type: 'nat_d', draft, hash: fakeLocal ?? natDHash(hashName, cookies.cookieI, cookies.cookieR, local) },
  ];
}

export interface NatDetection {
  /** Our address as the peer saw it is not the one we sent from: we are behind a NAT. */
  readonly localBehindNat: boolean;
  /** None of the peer's source hashes matches the address we received from: the peer is behind a NAT. */
  readonly remoteBehindNat: boolean;
}

/**
 * RFC 3947 section 3.2: the first NAT-D received is the hash of the receiver's address as the sender
 * saw it; the others are the sender's own addresses. Undefined when the message had no NAT-D payloads.
 */
export function detectNat(
  payloads: readonly Payload[],
  hashName: HashName,
  cookies: { cookieI: Uint8Array; cookieR: Uint8Array },
  local: Address,
  remote: Address,
): NatDetection | undefined {
  const hashes = payloads.filter((p): p is NatDPayload => p.type === 'nat_d').map((p) => Buffer.from(p.hash));
  const [first, ...others] = hashes;
  if (first === undefined) return undefined;
  const localHash = natDHash(hashName, cookies.cookieI, cookies.cookieR, local);
  const remoteHash = natDHash(hashName, cookies.cookieI, cookies.cookieR, remote);
  return {
    localBehindNat: !first.equals(localHash),
    remoteBehindNat: !others.some((h) => h.equals(remoteHash)),
  };
}

/** The Quick Mode Encapsulation Mode for UDP encapsulation (RFC 3947 section 5.1, or the draft values). */
export function udpEncapsulationMode(variant: NatTraversalVariant, mode: 'tunnel' | 'transport'): number {
  if (variant === 'rfc3947') {
    return mode === 'tunnel'
      ? EncapsulationMode.UDP_ENCAPSULATED_TUNNEL
      : EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT;
  }
  return mode === 'tunnel'
    ? EncapsulationMode.UDP_ENCAPSULATED_TUNNEL_DRAFT
    : EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT_DRAFT;
}

/** What an Encapsulation Mode attribute means: the mode and whether it is UDP-encapsulated. */
export function decodeEncapsulationMode(
  value: number,
): { mode: 'tunnel' | 'transport'; udp: boolean } | undefined {
  switch (value) {
    case EncapsulationMode.TUNNEL:
      return { mode: 'tunnel', udp: false };
    case EncapsulationMode.TRANSPORT:
      return { mode: 'transport', udp: false };
    case EncapsulationMode.UDP_ENCAPSULATED_TUNNEL:
    case EncapsulationMode.UDP_ENCAPSULATED_TUNNEL_DRAFT:
      return { mode: 'tunnel', udp: true };
    case EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT:
    case EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT_DRAFT:
      return { mode: 'transport', udp: true };
    default:
      return undefined;
  }
}

/** RFC 3948 section 2.2: IKE on the NAT-T port is preceded by four zero bytes. */
export const NON_ESP_MARKER = Buffer.alloc(4);

/**
 * Whether an IKE message sent from `local` to `remote` carries the non-ESP marker. RFC 3948 section
 * 2.2 and RFC 3947 section 4 put it on the NAT-T port only: always when we send from our NAT-T port,
 * never when either end is port 500 (a peer behind a NAT that rewrote its source port 500 still
 * expects plain IKE from our 500). Between two other ports (non-default IKE ports) it is used, as
 * strongSwan does: its sender adds the marker, and its receiver expects it, whenever neither port is
 * 500.
 */
export function usesNonEspMarker(local: Address, remote: Address, nattPort: number): boolean {
  if (local.port === nattPort) return true;
  return local.port !== 500 && remote.port !== 500;
}

/** RFC 3948 section 2.3: a NAT-keepalive is one 0xFF byte. */
export const NAT_KEEPALIVE = Buffer.from([0xff]);

/** What a datagram on the NAT-T port carries. */
export function classifyNattDatagram(data: Uint8Array): 'ike' | 'keepalive' | 'esp' {
  if (data.length === 1 && data[0] === 0xff) return 'keepalive';
  if (data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 0) return 'ike';
  return 'esp';
}
