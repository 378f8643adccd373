/**
 * UdpSockets.sendUntracked: the data plane's ESP-in-UDP path, without the per-datagram completion
 * tracking of send() (docs/benchmarks.md). The datagram leaves from the socket bound to the local
 * address and arrives intact; a local address no socket holds, or closed sockets, give an error text.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { UdpSockets } from '../../src/daemon/udp.js';

test('sendUntracked sends from the bound NAT-T socket; unknown local address and closed sockets are errors', async () => {
  const peer = createSocket('udp4');
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  const { sockets } = await UdpSockets.bind(['127.0.0.1'], 0, 0, () => {});
  try {
    const natt = sockets.bound.find((b) => b.kind === 'natt');
    assert.ok(natt !== undefined);
    const data = Buffer.from('0102030400000001deadbeef', 'hex');
    const arrived = once(peer, 'message') as Promise<[Buffer, { port: number; address: string }]>;
    const error = sockets.sendUntracked({
      local: natt.local,
      remote: { address: '127.0.0.1', port: peer.address().port },
      data,
    });
    assert.equal(error, undefined);
    const [message, from] = await arrived;
    assert.deepEqual(message, data);
    assert.equal(from.port, natt.local.port);
    assert.match(
      sockets.sendUntracked({
        local: { address: '127.0.0.2', port: 1 },
        remote: { address: '127.0.0.1', port: peer.address().port },
        data,
      }) ?? '',
      /no socket bound to 127\.0\.0\.2:1/,
    );
  } finally {
    await sockets.close();
    await new Promise<void>((resolve) => peer.close(resolve));
  }
  assert.equal(
    sockets.sendUntracked({
      local: { address: '127.0.0.1', port: 1 },
      remote: { address: '127.0.0.1', port: 2 },
      data: Buffer.alloc(1),
    }),
    'the sockets are closed',
  );
});
