// Sends a little traffic inside a namespace, e.g. through a tunnel (bash's /dev/udp: no extra tools).
import { run } from './proc.js';

/** Sends one UDP datagram with `text` from namespace `ns` to `address:port`. */
export async function sendUdp(ns: string, address: string, port: number, text: string): Promise<void> {
  if (!/^[\w.:-]+$/.test(address) || !/^[\w .:-]*$/.test(text)) throw new TypeError('unexpected characters');
  await run('ip', [
    'netns',
    'exec',
    ns,
    'bash',
    '-c',
    `printf '%s\\n' '${text}' > /dev/udp/${address}/${port}`,
  ]);
}
