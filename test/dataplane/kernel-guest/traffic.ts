/**
 * Traffic and observation in the guest: ping (spawned inside a namespace), a TCP transfer and UDP
 * datagrams between namespaces, and `ip -s xfrm state` read back as data.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { inNetns } from './netns.js';

export function run(
  cmd: string,
  args: readonly string[],
  timeoutMs = 20000,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

/** Pings from namespace `ns` (source `from`) to `to`; returns the number of replies. */
export async function ping(ns: string, from: string, to: string, count: number): Promise<number> {
  const r = await inNetns(ns, () =>
    run('ping', ['-c', String(count), '-i', '0.2', '-W', '2', '-I', from, to]),
  );
  return Number(/(\d+) received/.exec(r.out)?.[1] ?? 0);
}

/**
 * Sends `bytes` over TCP from `from` in namespace `clientNs` to `to`:5001 in `serverNs`; the server
 * answers with the count it received. Returns that count (or -1 on failure/timeout).
 */
export async function tcpTransfer(
  serverNs: string,
  to: string,
  clientNs: string,
  from: string,
  bytes: number,
): Promise<number> {
  const server = createServer((sock) => {
    let n = 0;
    sock.on('data', (d: Buffer) => {
      n += d.length;
    });
    sock.on('end', () => sock.end(String(n)));
    sock.on('error', () => {});
  });
  await inNetns(
    serverNs,
    () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(5001, to, () => resolve());
      }),
  );
  try {
    return await inNetns(
      clientNs,
      () =>
        new Promise<number>((resolve) => {
          const timer = setTimeout(() => {
            sock.destroy();
            resolve(-1);
          }, 15000);
          const sock = connect({ host: to, port: 5001, localAddress: from });
          let reply = '';
          sock.on('connect', () => sock.end(Buffer.alloc(bytes, 0x5a)));
          sock.on('data', (d: Buffer) => {
            reply += d.toString();
          });
          sock.on('close', () => {
            clearTimeout(timer);
            resolve(reply === '' ? -1 : Number(reply));
          });
          sock.on('error', () => {});
        }),
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A UDP socket bound inside a namespace. */
export async function udpSocket(ns: string, address: string, port: number): Promise<Socket> {
  return inNetns(
    ns,
    () =>
      new Promise<Socket>((resolve, reject) => {
        const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
        s.once('error', reject);
        s.bind(port, address, () => resolve(s));
      }),
  );
}

/** Sends one datagram and waits (up to 3 s) for `receiver` to get a datagram; returns it or undefined. */
export function sendAndReceive(
  sender: Socket,
  receiver: Socket,
  data: Buffer,
  to: string,
  port: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      receiver.off('message', onMessage);
      resolve(undefined);
    }, 3000);
    const onMessage = (msg: Buffer): void => {
      clearTimeout(timer);
      receiver.off('message', onMessage);
      resolve(msg);
    };
    receiver.on('message', onMessage);
    sender.send(data, port, to);
  });
}

export interface IpState {
  readonly spi: number;
  readonly protocol: string;
  readonly mode: string;
  /** `enc cbc(aes) <keyhex>` etc.: kind, kernel name, key hex, trailing number (ICV / truncation bits). */
  readonly algorithms: { kind: string; name: string; key: string; bits: number | undefined }[];
  readonly encap: string | undefined;
  readonly replayWindow: number | undefined;
  readonly bytes: bigint;
  readonly packets: bigint;
}

/** The text of the last `ip -s xfrm state` (for the record). */
export let lastIpOutput = '';

/** `ip -s xfrm state` of a namespace, parsed per SA. */
export async function ipStates(ns: string): Promise<Map<number, IpState>> {
  const r = await run('ip', ['-n', ns, '-s', 'xfrm', 'state']);
  lastIpOutput = r.out;
  const out = new Map<number, IpState>();
  for (const block of r.out.split(/^(?=src )/m)) {
    const head = /proto (\w+) spi 0x([0-9a-f]+)/.exec(block);
    if (head?.[1] === undefined || head[2] === undefined) continue;
    // `ip -s` prints the key length after the key: `enc cbc(aes) 0x... (128 bits)`; auth-trunc and
    // aead then print the truncation / ICV length in bits; an empty key (NULL) has no `0x`.
    const algorithms = [
      ...block.matchAll(
        /^\s*(enc|auth-trunc|auth|aead) (\S+)(?: 0x([0-9a-f]*))?(?: \(\d+ bits\))?(?: (\d+))?/gm,
      ),
    ]
      .map((m) => ({
        kind: m[1] ?? '',
        name: m[2] ?? '',
        key: m[3] ?? '',
        bits: m[4] === undefined ? undefined : Number(m[4]),
      }))
      .sort((x, y) => x.kind.localeCompare(y.kind));
    const counters = /lifetime current:\s*\n\s*(\d+)\(bytes\), (\d+)\(packets\)/.exec(block);
    const spi = Number.parseInt(head[2], 16);
    out.set(spi, {
      spi,
      protocol: head[1],
      mode: /mode (\w+)/.exec(block)?.[1] ?? '',
      algorithms,
      encap: /encap type (\S+ sport \d+ dport \d+)/.exec(block)?.[1],
      replayWindow: Number(/replay-window (\d+)/.exec(block)?.[1] ?? Number.NaN),
      bytes: BigInt(counters?.[1] ?? -1),
      packets: BigInt(counters?.[2] ?? -1),
    });
  }
  return out;
}
