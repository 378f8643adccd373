/**
 * The SAs of one child, built from what the IKEv1 engine reports (ChildSaInfo): the same KEYMAT
 * (hex, strongSwan keyword names) drives our inbound SA and the peer's outbound one, so an ikets
 * data plane and charon's (libipsec or the kernel) can be cross-checked packet by packet.
 */
import type { ChildSaInfo } from '../../sa/types.js';
import type { IpsecSaParams, SaLimits, Selector } from '../backend.js';
import { addressBytes } from './ip.js';
import { NO_LIMITS, type SaSpec } from './sa.js';

function toBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** Parses the engine's selector notation (`10.1.0.0/16`, `10.0.0.1..10.0.0.9`, `[proto/port]`, formatSelector). */
export function parseSelector(text: string): Selector {
  const m = /^([^[\]]+?)(?:\[(\d+)(?:\/(\d+))?\])?$/.exec(text.trim());
  if (m === null) throw new RangeError(`'${text}' is not a traffic selector`);
  const [, host = '', protocol = '0', port = '0'] = m;
  const range = host.split('..');
  if (range.length === 2) {
    const from = addressBytes(range[0] ?? '');
    const to = addressBytes(range[1] ?? '');
    if (from.length !== to.length) throw new RangeError(`'${text}': a range of two families`);
    return {
      family: from.length === 4 ? 4 : 6,
      start: toBigint(from),
      end: toBigint(to),
      protocol: Number(protocol),
      port: Number(port),
    };
  }
  const [address = '', prefixText] = host.split('/');
  const bytes = addressBytes(address);
  const bits = bytes.length * 8;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new RangeError(`'${text}': bad prefix`);
  const host_ = (1n << BigInt(bits - prefix)) - 1n;
  const value = toBigint(bytes);
  return {
    family: bytes.length === 4 ? 4 : 6,
    start: value & ~host_,
    end: value | host_,
    protocol: Number(protocol),
    port: Number(port),
  };
}

export interface ChildSaOptions {
  readonly replayWindow?: number;
  readonly limits?: SaLimits;
}

/** Our inbound and outbound SA of a child, for the ESP engine. */
export function saSpecsFromChild(
  info: ChildSaInfo,
  options: ChildSaOptions = {},
): { readonly inbound: SaSpec; readonly outbound: SaSpec } {
  const localTs = info.localTs.map(parseSelector);
  const remoteTs = info.remoteTs.map(parseSelector);
  const key = (hex: string) => Buffer.from(hex, 'hex');
  const encryption = (hex: string) =>
    info.encryption === undefined ? undefined : { name: info.encryption, key: key(hex) };
  const integrity = (hex: string) =>
    info.integrity === undefined ? undefined : { name: info.integrity, key: key(hex) };
  const common = {
    protocol: info.protocol,
    mode: info.mode,
    // ChildSaInfo carries no ESN: ikets does not negotiate RFC 4304 extended sequence numbers.
    esn: false,
    replayWindow: options.replayWindow,
    limits: options.limits ?? NO_LIMITS,
    localTs,
    remoteTs,
  };
  return {
    inbound: {
      ...common,
      direction: 'in',
      spi: Number.parseInt(info.spiIn, 16),
      source: info.remote.address,
      destination: info.local.address,
      encryption: encryption(info.keys.encryptionIn),
      integrity: integrity(info.keys.integrityIn),
    },
    outbound: {
      ...common,
      direction: 'out',
      spi: Number.parseInt(info.spiOut, 16),
      source: info.local.address,
      destination: info.remote.address,
      encryption: encryption(info.keys.encryptionOut),
      integrity: integrity(info.keys.integrityOut),
    },
  };
}

/** The backend parameters of a child's two SAs (reqid chosen by the caller, as the SAD does). */
export function ipsecSaParamsFromChild(
  info: ChildSaInfo,
  reqid: number,
  options: ChildSaOptions = {},
): { readonly inbound: IpsecSaParams; readonly outbound: IpsecSaParams } {
  const specs = saSpecsFromChild(info, options);
  const localTs = specs.inbound.localTs?.[0];
  const remoteTs = specs.inbound.remoteTs?.[0];
  if (localTs === undefined || remoteTs === undefined)
    throw new RangeError(`child ${info.child}: no selectors`);
  const encap = (source: number, destination: number) =>
    info.encapsulation ? { sourcePort: source, destinationPort: destination } : undefined;
  const params = (spec: SaSpec, encapsulation: IpsecSaParams['encapsulation']): IpsecSaParams => ({
    reqid,
    direction: spec.direction,
    protocol: spec.protocol,
    spi: spec.spi,
    mode: spec.mode,
    source: spec.source,
    destination: spec.destination,
    encapsulation,
    encryption:
      spec.encryption === undefined
        ? undefined
        : { name: spec.encryption.name, key: Buffer.from(spec.encryption.key) },
    integrity:
      spec.integrity === undefined
        ? undefined
        : { name: spec.integrity.name, key: Buffer.from(spec.integrity.key) },
    replayWindow: options.replayWindow ?? 32,
    limits: options.limits ?? NO_LIMITS,
    localTs,
    remoteTs,
  });
  return {
    inbound: params(specs.inbound, encap(info.remote.port, info.local.port)),
    outbound: params(specs.outbound, encap(info.local.port, info.remote.port)),
  };
}
