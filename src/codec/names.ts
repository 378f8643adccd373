/**
 * Which registry of numbers.ts names a field, depending on context: attribute classes and values for phase 1
 * (PROTO_ISAKMP transforms, RFC 2409 Appendix A), phase 2 (RFC 2407 section 4.5) and Mode-Config
 * (draft-dukes-ike-mode-cfg-02 section 3.4); transform ids by protocol (RFC 2407 section 4.4).
 */
import type { AttributeContext } from './attributes.js';
import {
  AhTransformId,
  ConfigAttributeType,
  EcnTunnel,
  EncapsulationMode,
  EspTransformId,
  ExtendedSequenceNumber,
  GroupDescription,
  IkeAttributeClass,
  IkeAuthMethod,
  IkeEncryptionAlgorithm,
  IkeGroupType,
  IkeHashAlgorithm,
  IkeLifeType,
  IkePrf,
  IpcompTransformId,
  IpsecAttributeClass,
  IpsecAuthAlgorithm,
  IpsecLifeType,
  IsakmpTransformId,
  ProtocolId,
  type Registry,
  XauthStatus,
  XauthType,
} from './numbers.js';

export function attributeClassRegistry(context: AttributeContext): Registry {
  if (context === 'ike') return IkeAttributeClass;
  if (context === 'ipsec') return IpsecAttributeClass;
  return ConfigAttributeType;
}

const IKE_VALUES: Readonly<Record<number, Registry>> = {
  [IkeAttributeClass.ENCRYPTION_ALGORITHM]: IkeEncryptionAlgorithm,
  [IkeAttributeClass.HASH_ALGORITHM]: IkeHashAlgorithm,
  [IkeAttributeClass.AUTHENTICATION_METHOD]: IkeAuthMethod,
  [IkeAttributeClass.GROUP_DESCRIPTION]: GroupDescription,
  [IkeAttributeClass.GROUP_TYPE]: IkeGroupType,
  [IkeAttributeClass.LIFE_TYPE]: IkeLifeType,
  [IkeAttributeClass.PRF]: IkePrf,
};

const IPSEC_VALUES: Readonly<Record<number, Registry>> = {
  [IpsecAttributeClass.SA_LIFE_TYPE]: IpsecLifeType,
  [IpsecAttributeClass.GROUP_DESCRIPTION]: GroupDescription,
  [IpsecAttributeClass.ENCAPSULATION_MODE]: EncapsulationMode,
  [IpsecAttributeClass.AUTHENTICATION_ALGORITHM]: IpsecAuthAlgorithm,
  [IpsecAttributeClass.ECN_TUNNEL]: EcnTunnel,
  [IpsecAttributeClass.EXTENDED_SEQUENCE_NUMBER]: ExtendedSequenceNumber,
};

const CONFIG_VALUES: Readonly<Record<number, Registry>> = {
  [ConfigAttributeType.XAUTH_TYPE]: XauthType,
  [ConfigAttributeType.XAUTH_STATUS]: XauthStatus,
};

/** The registry naming the values of attribute class `type`, if its values are enumerated. */
export function attributeValueRegistry(context: AttributeContext, type: number): Registry | undefined {
  const table = context === 'ike' ? IKE_VALUES : context === 'ipsec' ? IPSEC_VALUES : CONFIG_VALUES;
  return table[type];
}

const INTEGER_CLASSES: Readonly<Record<AttributeContext, readonly number[]>> = {
  ike: [IkeAttributeClass.LIFE_DURATION, IkeAttributeClass.KEY_LENGTH, IkeAttributeClass.FIELD_SIZE],
  ipsec: [
    IpsecAttributeClass.SA_LIFE_DURATION,
    IpsecAttributeClass.KEY_LENGTH,
    IpsecAttributeClass.KEY_ROUNDS,
  ],
  config: [ConfigAttributeType.INTERNAL_ADDRESS_EXPIRY],
};

/** True if a TLV value of this class is an integer (shown as a number rather than hex). */
export function isIntegerClass(context: AttributeContext, type: number): boolean {
  return INTEGER_CLASSES[context].includes(type);
}

const ADDRESS_CLASSES: readonly number[] = [1, 2, 3, 4, 6, 8, 9, 10, 11, 12];

/** True if a Mode-Config attribute of this type carries one address (4 or 16 bytes). */
export function isAddressClass(context: AttributeContext, type: number): boolean {
  return context === 'config' && ADDRESS_CLASSES.includes(type);
}

const TEXT_CLASSES: readonly number[] = [
  7, 16521, 16522, 16523, 16524, 16525, 16526, 16528, 16529, 28672, 28674, 28675, 28681, 28682,
];

/** True if a Mode-Config attribute of this type is an ASCII string. */
export function isTextClass(context: AttributeContext, type: number): boolean {
  return context === 'config' && TEXT_CLASSES.includes(type);
}

/** The transform id registry of a protocol (RFC 2407 section 4.4.2-4.4.5). */
export function transformIdRegistry(protocolId: number): Registry | undefined {
  switch (protocolId) {
    case ProtocolId.PROTO_ISAKMP:
      return IsakmpTransformId;
    case ProtocolId.PROTO_IPSEC_AH:
      return AhTransformId;
    case ProtocolId.PROTO_IPSEC_ESP:
      return EspTransformId;
    case ProtocolId.PROTO_IPCOMP:
      return IpcompTransformId;
    default:
      return undefined;
  }
}

/** The attribute context of a proposal's transforms. */
export function contextOfProtocol(protocolId: number): AttributeContext {
  return protocolId === ProtocolId.PROTO_ISAKMP ? 'ike' : 'ipsec';
}
