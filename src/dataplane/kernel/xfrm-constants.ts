/**
 * The numbers of the Linux XFRM netlink interface (include/uapi/linux/xfrm.h and
 * include/uapi/linux/netlink.h): message types, attribute types, multicast groups and the sizes of
 * the fixed structures the messages carry. The structures are built by hand in Buffers
 * (xfrm-messages.ts); the sizes here are the x86-64 / generic 64-bit layouts, which are the same on
 * every Linux architecture ikets runs on because the structures contain only fixed-width fields.
 */

export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const NETLINK_XFRM = 6;

/** netlink message header flags and types (netlink.h). */
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;

/** XFRM message types (xfrm.h, XFRM_MSG_BASE = 0x10). */
export const XfrmMsg = {
  NEWSA: 0x10,
  DELSA: 0x11,
  GETSA: 0x12,
  NEWPOLICY: 0x13,
  DELPOLICY: 0x14,
  GETPOLICY: 0x15,
  ACQUIRE: 0x17,
  EXPIRE: 0x18,
  UPDPOLICY: 0x19,
  UPDSA: 0x1a,
  MAPPING: 0x26,
} as const;

/** XFRM attribute types (enum xfrm_attr_type_t). */
export const XfrmAttr = {
  ALG_AUTH: 1,
  ALG_CRYPT: 2,
  ENCAP: 4,
  TMPL: 5,
  /** The SA's last use, seconds (u64); sent for every SA from Linux 6.2 on (xfrm-usage.ts). */
  LASTUSED: 15,
  ALG_AEAD: 18,
  ALG_AUTH_TRUNC: 20,
  REPLAY_ESN_VAL: 23,
} as const;

/** Multicast groups (enum xfrm_nlgroups); bind() takes the bit 1 << (group - 1). */
export const XfrmGroup = { ACQUIRE: 1, EXPIRE: 2, MAPPING: 8 } as const;

export const XFRM_POLICY_IN = 0;
export const XFRM_POLICY_OUT = 1;
export const XFRM_POLICY_FWD = 2;
export const XFRM_POLICY_ALLOW = 0;
export const XFRM_POLICY_BLOCK = 1;
export const XFRM_MODE_TRANSPORT = 0;
export const XFRM_MODE_TUNNEL = 1;
export const XFRM_INF = 0xffff_ffff_ffff_ffffn;

export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_UDP = 17;

/** Socket options: per-socket policies (linux/in.h, linux/in6.h) and UDP encapsulation (linux/udp.h). */
export const SOL_IP = 0;
export const IP_XFRM_POLICY = 17;
export const SOL_IPV6 = 41;
export const IPV6_XFRM_POLICY = 35;
export const SOL_UDP = 17;
export const UDP_ENCAP = 100;
export const UDP_ENCAP_ESPINUDP = 2;

/** sizeof() of the structures, for the offsets in xfrm-messages.ts. */
export const SIZEOF = {
  selector: 56,
  id: 24,
  lifetimeCfg: 64,
  lifetimeCur: 32,
  usersaInfo: 224,
  usersaId: 24,
  userpolicyInfo: 168,
  userpolicyId: 64,
  userTmpl: 64,
  encapTmpl: 24,
  userAcquire: 280,
  userExpire: 232,
  userMapping: 64,
  algoHeader: 68,
  algoAuthHeader: 72,
  algoAeadHeader: 72,
  replayStateEsnHeader: 24,
} as const;
