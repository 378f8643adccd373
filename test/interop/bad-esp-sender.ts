/**
 * Sends bad ESP-in-UDP at a daemon, for dataplane-bad-traffic.test.ts, run as a process inside the
 * peer's namespace:
 *   node bad-esp-sender.js ADDRESS PORT KIND COUNT [HEX]
 * KIND:
 *   replay     the real ESP packet HEX as it was, COUNT times (its sequence number was seen)
 *   icv        HEX with sequence numbers never seen and the rest unchanged: an ICV that cannot verify
 *   spi        HEX with random SPIs (no SA has them)
 *   truncated  HEX cut to 10 bytes (its SPI, sequence number and 2 bytes)
 *   random     COUNT datagrams of random bytes, 8 to 300 long
 *   short      COUNT datagrams of 1 to 7 random bytes (no SPI and sequence number)
 *   ike        COUNT datagrams: the non-ESP marker then random bytes (garbage IKE on port 4500)
 * Datagrams go out in bursts of 50 with a pause between, so the receiver's socket buffer keeps them
 * all and the daemon's counters can be compared with what was sent. Prints {"sent":N}.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';

const [address = '', port = '4500', kind = '', count = '0', hex = ''] = process.argv.slice(2);
const real = Buffer.from(hex, 'hex');
const n = Number(count);

function datagram(i: number): Buffer {
  switch (kind) {
    case 'replay':
      return real;
    case 'icv': {
      const forged = Buffer.from(real);
      // Far above anything the peer sent: new to the replay window, so only the ICV refuses it.
      forged.writeUInt32BE(0x10000000 + i, 4);
      return forged;
    }
    case 'spi': {
      const forged = Buffer.from(real);
      forged.writeUInt32BE(randomInt(256, 0xffffffff), 0);
      return forged;
    }
    case 'truncated':
      return real.subarray(0, 10);
    case 'random': {
      const data = randomBytes(randomInt(8, 301));
      if (data.readUInt32BE(0) === 0) data[0] = 1; // not the non-ESP marker
      return data;
    }
    case 'short':
      return randomBytes(randomInt(1, 8));
    case 'ike':
      return Buffer.concat([Buffer.alloc(4), randomBytes(randomInt(1, 300))]);
    default:
      process.stderr.write(`unknown kind ${kind}\n`);
      process.exit(2);
  }
}

const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
let sent = 0;
for (let i = 0; i < n; i++) {
  await new Promise<void>((resolve, reject) =>
    socket.send(datagram(i), Number(port), address, (error) => (error ? reject(error) : resolve())),
  );
  sent++;
  if (sent % 50 === 0) await sleep(2);
}
socket.close();
process.stdout.write(`${JSON.stringify({ sent })}\n`);
