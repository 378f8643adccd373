/**
 * Registries of the ISAKMP Configuration Method (draft-dukes-ike-mode-cfg-02) and of XAUTH
 * (draft-beaulieu-ike-xauth-02), re-exported by numbers.ts (same naming scheme).
 */

/** Mode-Config message types (Attributes payload "Type"), draft-dukes-ike-mode-cfg-02 section 3.3. */
export const ConfigMessageType = {
  ISAKMP_CFG_REQUEST: 1,
  ISAKMP_CFG_REPLY: 2,
  ISAKMP_CFG_SET: 3,
  ISAKMP_CFG_ACK: 4,
} as const;

/**
 * Mode-Config attribute types: draft-dukes-ike-mode-cfg-02 section 3.4 (1-15) and
 * draft-beaulieu-ike-xauth-02 section 6.2 (16520-16529), and the Cisco Unity attributes 28672-28682 (private
 * use, as defined by ipsec-tools' isakmp_unity.h and used by strongSwan).
 */
export const ConfigAttributeType = {
  INTERNAL_IP4_ADDRESS: 1,
  INTERNAL_IP4_NETMASK: 2,
  INTERNAL_IP4_DNS: 3,
  INTERNAL_IP4_NBNS: 4,
  INTERNAL_ADDRESS_EXPIRY: 5,
  INTERNAL_IP4_DHCP: 6,
  APPLICATION_VERSION: 7,
  INTERNAL_IP6_ADDRESS: 8,
  INTERNAL_IP6_NETMASK: 9,
  INTERNAL_IP6_DNS: 10,
  INTERNAL_IP6_NBNS: 11,
  INTERNAL_IP6_DHCP: 12,
  INTERNAL_IP4_SUBNET: 13,
  SUPPORTED_ATTRIBUTES: 14,
  INTERNAL_IP6_SUBNET: 15,
  XAUTH_TYPE: 16520,
  XAUTH_USER_NAME: 16521,
  XAUTH_USER_PASSWORD: 16522,
  XAUTH_PASSCODE: 16523,
  XAUTH_MESSAGE: 16524,
  XAUTH_CHALLENGE: 16525,
  XAUTH_DOMAIN: 16526,
  XAUTH_STATUS: 16527,
  XAUTH_NEXT_PIN: 16528,
  XAUTH_ANSWER: 16529,
  UNITY_BANNER: 28672,
  UNITY_SAVE_PASSWD: 28673,
  UNITY_DEF_DOMAIN: 28674,
  UNITY_SPLITDNS_NAME: 28675,
  UNITY_SPLIT_INCLUDE: 28676,
  UNITY_NATT_PORT: 28677,
  UNITY_LOCAL_LAN: 28678,
  UNITY_PFS: 28679,
  UNITY_FW_TYPE: 28680,
  UNITY_BACKUP_SERVERS: 28681,
  UNITY_DDNS_HOSTNAME: 28682,
} as const;

/** XAUTH-TYPE values, draft-beaulieu-ike-xauth-02 section 6.3. */
export const XauthType = { GENERIC: 0, RADIUS_CHAP: 1, OTP: 2, S_KEY: 3 } as const;

/** XAUTH-STATUS values, draft-beaulieu-ike-xauth-02 section 6.2 (OK=1, FAIL=0). */
export const XauthStatus = { FAIL: 0, OK: 1 } as const;
