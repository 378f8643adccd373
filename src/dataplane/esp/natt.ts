/**
 * What arrives on the NAT-T port (RFC 3948 section 2): a NAT-keepalive (one byte 0xFF, section
 * 2.3), IKE behind the 4-byte non-ESP marker (section 2.2), or an ESP packet whose first four bytes
 * are its non-zero SPI (section 2.1; SPIs 1-255 are reserved but still non-zero, RFC 4303 section 2.1).
 */
export type NattPayloadKind = 'keepalive' | 'ike' | 'esp' | 'invalid';

export function classifyNattPayload(data: Uint8Array): NattPayloadKind {
  if (data.length === 1 && data[0] === 0xff) return 'keepalive';
  if (data.length < 4) return 'invalid';
  if (data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 0) return 'ike';
  // SPI and sequence number at least (RFC 4303 section 2).
  return data.length >= 8 ? 'esp' : 'invalid';
}
