/**
 * What the data plane is told of a child SA: the engine's report (ChildSaInfo) as the backend's
 * inbound and outbound SA parameters.
 */
import type { ChildConfig } from '../config/swanctl.js';
import type { IpsecSaParams, SaLimits, Selector } from '../dataplane/backend.js';
import type { ChildSaInfo } from '../sa/types.js';

/**
 * The inbound and outbound SA of a child, from the engine's report. The byte limit is the smaller
 * of life_bytes and the lifetime in kilobytes negotiated in Quick Mode (RFC 2407 section 4.5).
 */
export function saPair(
  info: ChildSaInfo,
  reqid: number,
  localTs: Selector,
  remoteTs: Selector,
  config: ChildConfig | undefined,
): [IpsecSaParams, IpsecSaParams] {
  const negotiatedBytes = BigInt(info.lifetime.kilobytes ?? 0) * 1024n;
  const configured = config?.lifeBytes ?? 0n;
  const hardBytes =
    negotiatedBytes === 0n
      ? configured
      : configured === 0n
        ? negotiatedBytes
        : configured < negotiatedBytes
          ? configured
          : negotiatedBytes;
  const limits: SaLimits = {
    softBytes: config?.rekeyBytes ?? 0n,
    hardBytes,
    softPackets: config?.rekeyPackets ?? 0n,
    hardPackets: config?.lifePackets ?? 0n,
  };
  const key = (hex: string): Buffer => Buffer.from(hex, 'hex');
  const common = {
    reqid,
    protocol: info.protocol,
    mode: info.mode,
    limits,
    localTs,
    remoteTs,
  } as const;
  const inbound: IpsecSaParams = {
    ...common,
    direction: 'in',
    spi: Number.parseInt(info.spiIn, 16),
    source: info.remote.address,
    destination: info.local.address,
    encapsulation: info.encapsulation
      ? { sourcePort: info.remote.port, destinationPort: info.local.port }
      : undefined,
    encryption:
      info.encryption === undefined ? undefined : { name: info.encryption, key: key(info.keys.encryptionIn) },
    integrity:
      info.integrity === undefined ? undefined : { name: info.integrity, key: key(info.keys.integrityIn) },
    replayWindow: config?.replayWindow ?? 32,
  };
  const outbound: IpsecSaParams = {
    ...common,
    direction: 'out',
    spi: Number.parseInt(info.spiOut, 16),
    source: info.local.address,
    destination: info.remote.address,
    encapsulation: info.encapsulation
      ? { sourcePort: info.local.port, destinationPort: info.remote.port }
      : undefined,
    encryption:
      info.encryption === undefined
        ? undefined
        : { name: info.encryption, key: key(info.keys.encryptionOut) },
    integrity:
      info.integrity === undefined ? undefined : { name: info.integrity, key: key(info.keys.integrityOut) },
    replayWindow: 0,
  };
  return [inbound, outbound];
}
