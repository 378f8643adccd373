/**
 * `ikets start --log-keys`: the keys of each SA as it comes up, for decrypting a capture of a test
 * setup (as strongSwan's `ike 4` / `esp` log levels would). Without the flag nothing here runs, and no
 * key or pre-shared key reaches the log at any level (test/daemon/log-keys.test.ts).
 */
import type { EndpointEvent } from '../sa/types.js';

export function keyLines(event: EndpointEvent): string[] {
  if (event.type === 'ike-sa-up' && event.sa.keys !== undefined) {
    const k = event.sa.keys;
    const cookies = `${event.sa.initiatorCookie}_i ${event.sa.responderCookie}_r`;
    return [
      `keys of ISAKMP SA #${event.sa.id} (${cookies}): SKEYID_d ${k.skeyidD}, SKEYID_a ${k.skeyidA}, SKEYID_e ${k.skeyidE}, Ka ${k.encryptionKey}`,
    ];
  }
  if (event.type === 'child-sa-up') {
    const { keys, spiIn, spiOut, id, child } = event.sa;
    return [
      `keys of CHILD SA '${child}' #${id}: in (SPI ${spiIn}) encryption ${keys.encryptionIn || '-'} integrity ${keys.integrityIn || '-'}; out (SPI ${spiOut}) encryption ${keys.encryptionOut || '-'} integrity ${keys.integrityOut || '-'}`,
    ];
  }
  return [];
}
