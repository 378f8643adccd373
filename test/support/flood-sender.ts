/**
 * A spoofed Main Mode message 1 flooder, run as its own process inside a network namespace where
 * 100.64.0.0/16 is routed to `lo` as local (`ip route add local ...`, the AnyIP trick): it binds
 * SOCKETS UDP sockets to addresses across that range and sends one real initiator's message 1 from
 * them in turn, each with a fresh initiator cookie, at RATE datagrams a second (0: as fast as it
 * can). Every second it prints `{"sent":N,"answered":0,"seconds":S}` on stdout (the responder's
 * answers are counted by flood-netns.ts, at namespace a's device).
 *
 * It sends the cheapest way node:dgram has: no completion callback (libuv's synchronous try-send),
 * and no deferred address lookup; it shares the machine's cores with the daemon it floods.
 *
 *   node flood-sender.js TARGET_ADDRESS TARGET_PORT RATE TEMPLATE_HEX [SOCKETS]
 */
import { createSocket, type Socket } from 'node:dgram';

const [target = '', portText = '500', rateText = '0', templateHex = '', socketsText = '256'] =
  process.argv.slice(2);
const port = Number(portText);
const rate = Number(rateText);
const template = Buffer.from(templateHex, 'hex');
const count = Number(socketsText);

const sockets: Socket[] = [];
const answered = 0;
// The target is an address literal: answered at once, not on the next tick as dns.lookup does.
const literal = ((host: string, _options: unknown, callback: (e: null, a: string, f: number) => void) =>
  callback(null, host, 4)) as unknown as typeof import('node:dns').lookup;
for (let i = 0; i < count; i++) {
  const s = createSocket({ type: 'udp4', lookup: literal });
  const address = `100.64.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => {
      s.off('error', reject);
      resolve();
    });
  });
  // An ICMP error for an earlier datagram must not stop the flood.
  s.on('error', () => {});
  sockets.push(s);
}

let x = (Date.now() ^ process.pid) >>> 0 || 1;
const next = () => {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return x;
};

let sent = 0;
const started = performance.now();
let lastReport = started;

/** Sends up to `n` datagrams (at most 512 at once: the timers and the report get their turn). */
function burst(n: number): void {
  for (let i = 0; i < n && i < 512; i++) {
    const data = Buffer.allocUnsafe(template.length);
    template.copy(data);
    data.writeUInt32BE(next(), 0);
    data.writeUInt32BE(next(), 4);
    const socket = sockets[sent % sockets.length];
    if (socket === undefined) return;
    socket.send(data, port, target);
    sent++;
  }
}

function tick(): void {
  const now = performance.now();
  if (rate > 0) burst(Math.floor(((now - started) * rate) / 1000) - sent);
  else burst(512);
  if (now - lastReport >= 1000) {
    process.stdout.write(`${JSON.stringify({ sent, answered, seconds: (now - started) / 1000 })}\n`);
    lastReport = now;
  }
  if (rate > 0) setTimeout(tick, 2);
  else setImmediate(tick);
}
tick();

process.on('SIGTERM', () => process.exit(0));
