/**
 * Reading what the kernel sends: an SA's counters (the XFRM_MSG_NEWSA answer to GETSA) and the
 * multicast events ACQUIRE, EXPIRE and MAPPING. Pure functions over the message payload.
 */
import type { IpsecProtocolName, SaId } from '../backend.js';
import { parseAttributes } from './netlink.js';
import { IPPROTO_AH, IPPROTO_ESP, SIZEOF, XfrmAttr } from './xfrm-constants.js';
import { addressText } from './xfrm-messages.js';

function protocolName(n: number): IpsecProtocolName | undefined {
  return n === IPPROTO_ESP ? 'esp' : n === IPPROTO_AH ? 'ah' : undefined;
}

/** The SA counters of an xfrm_usersa_info (curlft and stats). */
export interface KernelSaState {
  readonly id: SaId;
  readonly reqid: number;
  readonly bytes: bigint;
  readonly packets: bigint;
  /** Seconds since the epoch of the FIRST use (the kernel's real-time clock), 0 if never used. */
  readonly useTime: bigint;
  /** XFRMA_LASTUSED: seconds since the epoch of the last use; undefined when the kernel sent none (before 6.2). */
  readonly lastUsed: bigint | undefined;
  /** Replayed packets + packets that failed the ICV check (xfrm_stats). */
  readonly dropped: bigint;
}

function lastUsedOf(payload: Buffer): bigint | undefined {
  const attr = parseAttributes(payload, SIZEOF.usersaInfo).get(XfrmAttr.LASTUSED);
  return attr !== undefined && attr.length >= 8 ? attr.readBigUInt64LE(0) : undefined;
}

export function parseSaInfo(payload: Buffer): KernelSaState | undefined {
  if (payload.length < SIZEOF.usersaInfo) return undefined;
  const family = payload.readUInt16LE(212);
  const protocol = protocolName(payload.readUInt8(76));
  if (protocol === undefined) return undefined;
  return {
    id: {
      spi: payload.readUInt32BE(72),
      protocol,
      destination: addressText(payload.subarray(56, 72), family),
    },
    reqid: payload.readUInt32LE(208),
    bytes: payload.readBigUInt64LE(160),
    packets: payload.readBigUInt64LE(168),
    useTime: payload.readBigUInt64LE(184),
    lastUsed: lastUsedOf(payload),
    dropped: BigInt(payload.readUInt32LE(196)) + BigInt(payload.readUInt32LE(200)),
  };
}

/**
 * A policy's `curlft.use_time` from the XFRM_MSG_NEWPOLICY answer to GETPOLICY (struct
 * xfrm_userpolicy_info: selector 56, lft 64, then curlft's bytes, packets, add_time, use_time):
 * seconds since the epoch of its last use, 0 if unused since it was installed or replaced.
 */
export function parsePolicyUseTime(payload: Buffer): bigint | undefined {
  return payload.length < SIZEOF.userpolicyInfo ? undefined : payload.readBigUInt64LE(56 + 64 + 24);
}

/**
 * XFRM_MSG_ACQUIRE (struct xfrm_user_acquire + XFRMA_TMPL): a packet matched a policy whose template
 * has no SA (RFC 4301 section 4.4.1 trap). The reqid comes from the template; the addresses are those
 * of the packet's flow (the selector), which the engine may use to narrow the child.
 */
export function parseAcquire(
  payload: Buffer,
): { reqid: number; source: string; destination: string } | undefined {
  if (payload.length < SIZEOF.userAcquire) return undefined;
  const tmpl = parseAttributes(payload, SIZEOF.userAcquire).get(XfrmAttr.TMPL);
  if (tmpl === undefined || tmpl.length < SIZEOF.userTmpl) return undefined;
  const family = payload.readUInt16LE(40 + 40);
  return {
    reqid: tmpl.readUInt32LE(44),
    source: addressText(payload.subarray(40 + 16, 40 + 32), family),
    destination: addressText(payload.subarray(40, 40 + 16), family),
  };
}

/** XFRM_MSG_EXPIRE (struct xfrm_user_expire): an SA reached a soft or hard limit. */
export function parseExpire(payload: Buffer): (SaId & { hard: boolean; reqid: number }) | undefined {
  const state = parseSaInfo(payload);
  if (state === undefined || payload.length < SIZEOF.userExpire) return undefined;
  return { ...state.id, reqid: state.reqid, hard: payload.readUInt8(SIZEOF.usersaInfo) !== 0 };
}

/**
 * XFRM_MSG_MAPPING (struct xfrm_user_mapping): ESP-in-UDP from a new address or port (RFC 3948
 * section 3.3, a NAT's mapping changed).
 */
export function parseMapping(payload: Buffer): (SaId & { address: string; port: number }) | undefined {
  if (payload.length < SIZEOF.userMapping) return undefined;
  const family = payload.readUInt16LE(20);
  const protocol = protocolName(payload.readUInt8(22));
  if (protocol === undefined) return undefined;
  return {
    spi: payload.readUInt32BE(16),
    protocol,
    destination: addressText(payload.subarray(0, 16), family),
    address: addressText(payload.subarray(44, 60), family),
    port: payload.readUInt16BE(62),
  };
}
