/**
 * A TCP transfer for the data plane tests, run as a process inside a namespace:
 *   node tcp-transfer.js server ADDRESS PORT     accepts one connection, reads to its end, answers
 *                                                with the byte count and SHA-256 of what came, exits
 *   node tcp-transfer.js client SOURCE ADDRESS PORT BYTES
 *                                                sends BYTES random bytes from SOURCE, prints
 *                                                {"ok":true,...} when the server saw exactly them
 * The server prints "listening" once it listens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const [address = '', port = '0'] = args;
  const server = createServer((socket) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.on('end', () => {
      socket.end(`${JSON.stringify({ bytes, sha256: hash.digest('hex') })}\n`);
      server.close();
    });
  });
  server.listen(Number(port), address, () => process.stdout.write('listening\n'));
  setTimeout(() => process.exit(3), 60_000).unref();
} else if (mode === 'client') {
  const [source = '', address = '', port = '0', count = '0'] = args;
  const data = randomBytes(Number(count));
  const expected = createHash('sha256').update(data).digest('hex');
  const socket = connect({ host: address, port: Number(port), localAddress: source }, () => socket.end(data));
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  socket.on('end', () => {
    const got = JSON.parse(answer) as { bytes: number; sha256: string };
    const ok = got.bytes === data.length && got.sha256 === expected;
    process.stdout.write(`${JSON.stringify({ ok, bytes: got.bytes })}\n`);
    process.exit(ok ? 0 : 1);
  });
  socket.on('error', (error) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: error.message })}\n`);
    process.exit(1);
  });
  setTimeout(() => process.exit(2), 60_000).unref();
} else {
  process.stderr.write('usage: tcp-transfer server ADDRESS PORT | client SOURCE ADDRESS PORT BYTES\n');
  process.exit(2);
}
