/**
 * Link layers: find where the IP packet starts in a frame. Ethernet (with 802.1Q/802.1ad VLAN tags),
 * Linux cooked captures (SLL, SLL2), raw IP, and BSD loopback (NULL / LOOP).
 */
import { LinkType } from './types.js';

export type LinkResult =
  | { readonly ok: true; readonly network: 'ipv4' | 'ipv6'; readonly offset: number }
  | { readonly ok: false; readonly reason: string };

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** AF_INET is 2 everywhere; AF_INET6 is 10 on Linux, 24/28/30 on the BSDs and macOS. */
const AF_INET6 = new Set([10, 24, 28, 30]);

function byEthertype(type: number, offset: number): LinkResult {
  if (type === ETHERTYPE_IPV4) return { ok: true, network: 'ipv4', offset };
  if (type === ETHERTYPE_IPV6) return { ok: true, network: 'ipv6', offset };
  return { ok: false, reason: `not IP (ethertype 0x${type.toString(16).padStart(4, '0')})` };
}

function byVersionNibble(data: Buffer, offset: number): LinkResult {
  const b = data[offset];
  if (b === undefined) return { ok: false, reason: 'empty raw IP frame' };
  if (b >> 4 === 4) return { ok: true, network: 'ipv4', offset };
  if (b >> 4 === 6) return { ok: true, network: 'ipv6', offset };
  return { ok: false, reason: `raw frame with IP version ${b >> 4}` };
}

function byFamily(family: number, offset: number): LinkResult {
  if (family === 2) return { ok: true, network: 'ipv4', offset };
  if (AF_INET6.has(family)) return { ok: true, network: 'ipv6', offset };
  return { ok: false, reason: `loopback frame with address family ${family}` };
}

export function decodeLink(linkType: number, data: Buffer): LinkResult {
  const short = (what: string): LinkResult => ({ ok: false, reason: `frame too short for ${what}` });
  switch (linkType) {
    case LinkType.ETHERNET: {
      if (data.length < 14) return short('an Ethernet header');
      let offset = 12;
      let type = data.readUInt16BE(offset);
      while (VLAN_TAGS.has(type)) {
        offset += 4;
        if (data.length < offset + 2) return short('a VLAN tag');
        type = data.readUInt16BE(offset);
      }
      return byEthertype(type, offset + 2);
    }
    case LinkType.LINUX_SLL:
      if (data.length < 16) return short('a Linux cooked (SLL) header');
      return byEthertype(data.readUInt16BE(14), 16);
    case LinkType.LINUX_SLL2:
      if (data.length < 20) return short('a Linux cooked (SLL2) header');
      return byEthertype(data.readUInt16BE(0), 20);
    case LinkType.RAW:
    case LinkType.RAW_12:
    case LinkType.RAW_14:
      return byVersionNibble(data, 0);
    case LinkType.IPV4:
      return { ok: true, network: 'ipv4', offset: 0 };
    case LinkType.IPV6:
      return { ok: true, network: 'ipv6', offset: 0 };
    case LinkType.NULL: {
      // the family is in the byte order of the machine that wrote the file: accept either
      if (data.length < 4) return short('a loopback header');
      const le = data.readUInt32LE(0);
      return byFamily(le <= 0xffff ? le : data.readUInt32BE(0), 4);
    }
    case LinkType.LOOP:
      if (data.length < 4) return short('a loopback header');
      return byFamily(data.readUInt32BE(0), 4);
    default:
      return { ok: false, reason: `unsupported link type ${linkType}` };
  }
}
