/**
 * What a UDP datagram on the IKE ports carries. Port 500: an ISAKMP message. Port 4500 (RFC 3948):
 * a 4-byte zero non-ESP marker followed by an ISAKMP message, a single 0xFF byte (NAT-keepalive,
 * RFC 3948 section 2.3), or otherwise an ESP packet whose first 8 bytes are SPI and sequence number.
 */

export interface IkePorts {
  /** Plain IKE ports (default [500]). */
  readonly ike: readonly number[];
  /** NAT-T ports with non-ESP marker (default [4500]). */
  readonly natt: readonly number[];
}

export const DEFAULT_PORTS: IkePorts = { ike: [500], natt: [4500] };

export type Classification =
  | {
      readonly kind: 'isakmp';
      /** The ISAKMP message (without the non-ESP marker). */
      readonly message: Buffer;
      /** True when it came after a non-ESP marker on a NAT-T port. */
      readonly nonEspMarker: boolean;
    }
  | { readonly kind: 'esp'; readonly spi: number; readonly sequence: number }
  | { readonly kind: 'nat-keepalive' }
  | {
      readonly kind: 'other';
      /** Why it is not one of the above (not an IKE port, too short for ESP). */
      readonly reason: string;
    };

export function classifyUdp(
  srcPort: number,
  dstPort: number,
  payload: Buffer,
  ports: IkePorts = DEFAULT_PORTS,
): Classification {
  const on = (list: readonly number[]): boolean => list.includes(srcPort) || list.includes(dstPort);
  if (on(ports.ike)) return { kind: 'isakmp', message: payload, nonEspMarker: false };
  if (!on(ports.natt)) return { kind: 'other', reason: 'not an IKE port' };
  if (payload.length === 1 && payload[0] === 0xff) return { kind: 'nat-keepalive' };
  if (payload.length >= 4 && payload.readUInt32BE(0) === 0) {
    return { kind: 'isakmp', message: payload.subarray(4), nonEspMarker: true };
  }
  if (payload.length < 8)
    return { kind: 'other', reason: `${payload.length} bytes on a NAT-T port: too short for ESP` };
  return { kind: 'esp', spi: payload.readUInt32BE(0), sequence: payload.readUInt32BE(4) };
}
