/**
 * XFRM netlink messages built and read by hand in Buffers (include/uapi/linux/xfrm.h). Pure
 * functions, so tests compare them byte for byte. Integers are host order (little-endian on every
 * platform Node runs ikets on) except SPIs and ports, which XFRM keeps in network order.
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../codec/address.js';
import {
  DataplaneError,
  type IpsecSaParams,
  type PolicyDirection,
  type PolicyParams,
  type SaId,
  type Selector,
} from '../backend.js';
import { attribute, message } from './netlink.js';
import { kernelCipher, kernelIntegrity } from './xfrm-algorithms.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_AH,
  IPPROTO_ESP,
  NLM_F_ACK,
  NLM_F_REQUEST,
  SIZEOF,
  UDP_ENCAP_ESPINUDP,
  XFRM_INF,
  XFRM_MODE_TRANSPORT,
  XFRM_MODE_TUNNEL,
  XFRM_POLICY_ALLOW,
  XFRM_POLICY_BLOCK,
  XFRM_POLICY_FWD,
  XFRM_POLICY_IN,
  XFRM_POLICY_OUT,
  XfrmAttr,
  XfrmMsg,
} from './xfrm-constants.js';

const REQUEST_ACK = NLM_F_REQUEST | NLM_F_ACK;

export function protocolNumber(protocol: 'esp' | 'ah'): number {
  return protocol === 'esp' ? IPPROTO_ESP : IPPROTO_AH;
}

/** An address as xfrm_address_t (16 bytes; IPv4 in the first four). */
export function addressBytes(address: string): { family: 4 | 6; bytes: Buffer } {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return { family: 4, bytes: Buffer.concat([Buffer.from(v4), Buffer.alloc(12)]) };
  const v6 = parseIpv6(address);
  if (v6 !== undefined) return { family: 6, bytes: Buffer.from(v6) };
  throw new DataplaneError('ERR_DATAPLANE_IO', `not an IP address: '${address}'`);
}

export function addressText(bytes: Buffer, family: number): string {
  return family === AF_INET6 ? formatIpv6(bytes.subarray(0, 16)) : formatIpv4(bytes.subarray(0, 4));
}

function afOf(family: 4 | 6): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/**
 * The smallest prefix covering a selector's range (XFRM matches prefixes only; RFC 4301 section
 * 4.4.1.1 ranges that are no prefix are widened, as strongSwan does).
 */
export function rangePrefix(sel: Selector): { bytes: Buffer; prefixLength: number } {
  const bytes = Buffer.alloc(16);
  if (sel.family === 4) {
    // 32-bit arithmetic on numbers: this runs for every policy, BigInt shifts cost 10x more
    const start = Number(sel.start & 0xffffffffn);
    const diff = (start ^ Number(sel.end & 0xffffffffn)) >>> 0;
    const prefixLength = diff === 0 ? 32 : Math.clz32(diff);
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    bytes.writeUInt32BE((start & mask) >>> 0, 0);
    return { bytes, prefixLength };
  }
  let prefixLength = 128;
  while (
    prefixLength > 0 &&
    sel.start >> BigInt(128 - prefixLength) !== sel.end >> BigInt(128 - prefixLength)
  )
    prefixLength--;
  const shift = BigInt(128 - prefixLength);
  let network = (sel.start >> shift) << shift;
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(network & 0xffn);
    network >>= 8n;
  }
  return { bytes, prefixLength };
}

/** struct xfrm_selector (56 bytes) for traffic from `source` to `destination`. */
export function selectorBytes(source: Selector, destination: Selector): Buffer {
  const out = Buffer.alloc(SIZEOF.selector);
  const d = rangePrefix(destination);
  const s = rangePrefix(source);
  d.bytes.copy(out, 0);
  s.bytes.copy(out, 16);
  out.writeUInt16BE(destination.port, 32);
  out.writeUInt16BE(destination.port === 0 ? 0 : 0xffff, 34);
  out.writeUInt16BE(source.port, 36);
  out.writeUInt16BE(source.port === 0 ? 0 : 0xffff, 38);
  out.writeUInt16LE(afOf(source.family), 40);
  out.writeUInt8(d.prefixLength, 42);
  out.writeUInt8(s.prefixLength, 43);
  out.writeUInt8(source.protocol === 0 ? destination.protocol : source.protocol, 44);
  return out;
}

/** struct xfrm_lifetime_cfg: byte/packet limits, XFRM_INF for none; time limits are the daemon's. */
function lifetimeBytes(limits: IpsecSaParams['limits'] | undefined): Buffer {
  const out = Buffer.alloc(SIZEOF.lifetimeCfg);
  const orInf = (v: bigint): bigint => (v === 0n ? XFRM_INF : v);
  out.writeBigUInt64LE(orInf(limits?.softBytes ?? 0n), 0);
  out.writeBigUInt64LE(orInf(limits?.hardBytes ?? 0n), 8);
  out.writeBigUInt64LE(orInf(limits?.softPackets ?? 0n), 16);
  out.writeBigUInt64LE(orInf(limits?.hardPackets ?? 0n), 24);
  return out; // soft/hard add/use expiry seconds stay 0: no time limit in the kernel
}

/** Flow of an SA's traffic: the selectors as seen by the SA's sender. */
function saFlow(sa: IpsecSaParams): { source: Selector; destination: Selector } {
  return sa.direction === 'out'
    ? { source: sa.localTs, destination: sa.remoteTs }
    : { source: sa.remoteTs, destination: sa.localTs };
}

/**
 * XFRM_MSG_NEWSA: xfrm_usersa_info then the algorithm, encapsulation and replay attributes.
 * Transport mode carries the traffic selectors as the SA's selector (RFC 4301 section 4.4.2.1,
 * "selectors"); tunnel mode leaves it empty, the policy does the matching.
 */
export function newSaMessage(sa: IpsecSaParams, seq: number): Buffer {
  const dst = addressBytes(sa.destination);
  const src = addressBytes(sa.source);
  const info = Buffer.alloc(SIZEOF.usersaInfo);
  if (sa.mode === 'transport') {
    const flow = saFlow(sa);
    selectorBytes(flow.source, flow.destination).copy(info, 0);
  }
  dst.bytes.copy(info, 56);
  info.writeUInt32BE(sa.spi >>> 0, 72);
  info.writeUInt8(protocolNumber(sa.protocol), 76);
  src.bytes.copy(info, 80);
  lifetimeBytes(sa.limits).copy(info, 96);
  info.writeUInt32LE(sa.reqid >>> 0, 208);
  info.writeUInt16LE(afOf(dst.family), 212);
  info.writeUInt8(sa.mode === 'tunnel' ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT, 214);
  const attrs: Buffer[] = [];
  // RFC 4303 section 3.4.3 / RFC 4302 section 3.4.3: the anti-replay window of an inbound SA. The
  // legacy field holds up to 32 packets; a larger window (ESP only) needs the ESN replay state.
  const window = sa.direction === 'in' ? sa.replayWindow : 0;
  if (window > 32 && sa.protocol === 'esp') attrs.push(attribute(XfrmAttr.REPLAY_ESN_VAL, replayEsn(window)));
  else info.writeUInt8(Math.min(window, 32), 215);
  if (sa.protocol === 'esp') {
    if (sa.encryption === undefined)
      throw new DataplaneError('ERR_DATAPLANE_ALGORITHM', 'an ESP SA needs an encryption transform');
    const cipher = kernelCipher(sa.encryption.name, sa.encryption.key);
    if (cipher.kind === 'aead')
      attrs.push(attribute(XfrmAttr.ALG_AEAD, algo(cipher.name, sa.encryption.key, cipher.icvBits)));
    else {
      attrs.push(attribute(XfrmAttr.ALG_CRYPT, algo(cipher.name, sa.encryption.key)));
      if (sa.integrity !== undefined) attrs.push(integrityAttribute(sa.integrity.name, sa.integrity.key));
    }
  } else {
    if (sa.integrity === undefined)
      throw new DataplaneError('ERR_DATAPLANE_ALGORITHM', 'an AH SA needs an integrity transform');
    attrs.push(integrityAttribute(sa.integrity.name, sa.integrity.key));
  }
  if (sa.encapsulation !== undefined) {
    // RFC 3948 section 2.1: ESP in UDP between the NAT-T ports; the original address (oa) is not used.
    const encap = Buffer.alloc(SIZEOF.encapTmpl);
    encap.writeUInt16LE(UDP_ENCAP_ESPINUDP, 0);
    encap.writeUInt16BE(sa.encapsulation.sourcePort, 2);
    encap.writeUInt16BE(sa.encapsulation.destinationPort, 4);
    attrs.push(attribute(XfrmAttr.ENCAP, encap));
  }
  return message(XfrmMsg.NEWSA, REQUEST_ACK, seq, [info, ...attrs]);
}

/** struct xfrm_algo / xfrm_algo_aead: name[64], key length in bits, (ICV bits,) key. */
function algo(name: string, key: Buffer, icvBits?: number): Buffer {
  const header = Buffer.alloc(icvBits === undefined ? SIZEOF.algoHeader : SIZEOF.algoAeadHeader);
  header.write(name, 0, 63, 'latin1');
  header.writeUInt32LE(key.length * 8, 64);
  if (icvBits !== undefined) header.writeUInt32LE(icvBits, 68);
  return Buffer.concat([header, key]);
}

/** XFRMA_ALG_AUTH_TRUNC (struct xfrm_algo_auth): the MAC with its ICV truncation length. */
function integrityAttribute(name: string, key: Buffer): Buffer {
  const mac = kernelIntegrity(name, key);
  const header = Buffer.alloc(SIZEOF.algoAuthHeader);
  header.write(mac.name, 0, 63, 'latin1');
  header.writeUInt32LE(key.length * 8, 64);
  header.writeUInt32LE(mac.truncBits, 68);
  return attribute(XfrmAttr.ALG_AUTH_TRUNC, Buffer.concat([header, key]));
}

/** struct xfrm_replay_state_esn with a bitmap of `window` bits (in 32-bit words). */
function replayEsn(window: number): Buffer {
  const words = Math.ceil(window / 32);
  const out = Buffer.alloc(SIZEOF.replayStateEsnHeader + words * 4);
  out.writeUInt32LE(words, 0);
  out.writeUInt32LE(window, 20);
  return out;
}

/** struct xfrm_usersa_id: names an SA by destination, SPI and protocol (RFC 4301 section 4.4.2). */
export function saIdBytes(id: SaId): Buffer {
  const dst = addressBytes(id.destination);
  const out = Buffer.alloc(SIZEOF.usersaId);
  dst.bytes.copy(out, 0);
  out.writeUInt32BE(id.spi >>> 0, 16);
  out.writeUInt16LE(afOf(dst.family), 20);
  out.writeUInt8(protocolNumber(id.protocol), 22);
  return out;
}

export function deleteSaMessage(id: SaId, seq: number): Buffer {
  return message(XfrmMsg.DELSA, REQUEST_ACK, seq, [saIdBytes(id)]);
}

export function getSaMessage(id: SaId, seq: number): Buffer {
  return message(XfrmMsg.GETSA, NLM_F_REQUEST, seq, [saIdBytes(id)]);
}

export function policyDirection(direction: PolicyDirection): number {
  return direction === 'in' ? XFRM_POLICY_IN : direction === 'out' ? XFRM_POLICY_OUT : XFRM_POLICY_FWD;
}

/** An infinite struct xfrm_lifetime_cfg (policies never expire in the kernel). */
function infiniteLifetime(): Buffer {
  const out = Buffer.alloc(SIZEOF.lifetimeCfg);
  for (let i = 0; i < 4; i++) out.writeBigUInt64LE(XFRM_INF, i * 8);
  return out;
}

/**
 * XFRM_MSG_NEWPOLICY (xfrm_userpolicy_info + XFRMA_TMPL). RFC 4301 section 4.4.1: PROTECT and the
 * trap policy both require an SA by template (reqid, level "required": optional = 0), the kernel
 * raising ACQUIRE when none exists; BYPASS is ALLOW without a template, DISCARD is BLOCK.
 * `update`: XFRM_MSG_UPDPOLICY with the same body (`ip xfrm policy update`), which replaces the
 * policy with this direction and selector whatever its priority, where NEWPOLICY fails with EEXIST.
 */
export function newPolicyMessage(policy: PolicyParams, seq: number, update = false): Buffer {
  const info = Buffer.alloc(SIZEOF.userpolicyInfo);
  selectorBytes(policy.source, policy.destination).copy(info, 0);
  infiniteLifetime().copy(info, 56);
  info.writeUInt32LE(policy.priority >>> 0, 152);
  info.writeUInt8(policyDirection(policy.direction), 160);
  info.writeUInt8(policy.action === 'drop' ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW, 161);
  const parts: Buffer[] = [info];
  if (policy.action === 'protect' || policy.action === 'trap') {
    const t = policy.template;
    if (t === undefined)
      throw new DataplaneError('ERR_DATAPLANE_IO', `a ${policy.action} policy needs an SA template`);
    const tmpl = Buffer.alloc(SIZEOF.userTmpl);
    const dst = addressBytes(t.destination);
    const src = addressBytes(t.source);
    // Transport mode: the template's addresses are left empty (any), as iproute2 and strongSwan do.
    if (t.mode === 'tunnel') dst.bytes.copy(tmpl, 0);
    tmpl.writeUInt8(protocolNumber(t.protocol), 20);
    tmpl.writeUInt16LE(afOf(dst.family), 24);
    if (t.mode === 'tunnel') src.bytes.copy(tmpl, 28);
    tmpl.writeUInt32LE(t.reqid >>> 0, 44);
    tmpl.writeUInt8(t.mode === 'tunnel' ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT, 48);
    tmpl.writeUInt32LE(0xffffffff, 52); // aalgos: any
    tmpl.writeUInt32LE(0xffffffff, 56); // ealgos
    tmpl.writeUInt32LE(0xffffffff, 60); // calgos
    parts.push(attribute(XfrmAttr.TMPL, tmpl));
  }
  return message(update ? XfrmMsg.UPDPOLICY : XfrmMsg.NEWPOLICY, REQUEST_ACK, seq, parts);
}

/** XFRM_MSG_DELPOLICY by selector and direction (struct xfrm_userpolicy_id, index 0). */
export function deletePolicyMessage(
  policy: Pick<PolicyParams, 'direction' | 'source' | 'destination'>,
  seq: number,
): Buffer {
  return message(XfrmMsg.DELPOLICY, REQUEST_ACK, seq, [policyIdBytes(policy)]);
}

/** XFRM_MSG_GETPOLICY of the policy with this direction and selectors (answered with a NEWPOLICY). */
export function getPolicyMessage(
  policy: Pick<PolicyParams, 'direction' | 'source' | 'destination'>,
  seq: number,
): Buffer {
  return message(XfrmMsg.GETPOLICY, NLM_F_REQUEST, seq, [policyIdBytes(policy)]);
}

/** struct xfrm_userpolicy_id: the selector and the direction (index 0: find it by selector). */
function policyIdBytes(policy: Pick<PolicyParams, 'direction' | 'source' | 'destination'>): Buffer {
  const id = Buffer.alloc(SIZEOF.userpolicyId);
  selectorBytes(policy.source, policy.destination).copy(id, 0);
  id.writeUInt8(policyDirection(policy.direction), 60);
  return id;
}

/**
 * The per-socket policy of setsockopt(IP_XFRM_POLICY / IPV6_XFRM_POLICY): an empty selector of the
 * socket's family, action ALLOW, no template, so the socket's packets bypass the SPD in `direction`
 * (RFC 4301 section 5.1.1 needs IKE to pass; strongSwan's kernel-netlink does the same for its sockets).
 */
export function socketBypassPolicy(family: 4 | 6, direction: 'in' | 'out'): Buffer {
  const info = Buffer.alloc(SIZEOF.userpolicyInfo);
  info.writeUInt16LE(afOf(family), 40);
  info.writeUInt8(direction === 'in' ? XFRM_POLICY_IN : XFRM_POLICY_OUT, 160);
  info.writeUInt8(XFRM_POLICY_ALLOW, 161);
  return info;
}
