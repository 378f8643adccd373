/**
 * socketDescriptor(): the fd of a bound node:dgram socket, for socket options Node has no API for (SO_MARK).
 * Proven to be that very socket by a receive buffer size set through Node and read back through the fd.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { socketDescriptor } from '../../src/daemon/udp.js';
import { libc } from '../../src/dataplane/libc.js';
import { enlargeReceiveBuffer } from '../../src/dataplane/userspace/routing-linux.js';

const SOL_SOCKET = 1;
const SO_RCVBUF = 8;

for (const type of ['udp4', 'udp6'] as const) {
  test(`socketDescriptor of a ${type} socket: none before bind, the socket's own fd after, none after close`, async (t) => {
    if (process.platform !== 'linux') {
      t.skip('socketDescriptor reads a Linux fd');
      return;
    }
    const socket = createSocket(type);
    assert.equal(socketDescriptor(socket), undefined);
    await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
    const fd = socketDescriptor(socket);
    assert.ok(fd !== undefined && fd > 2);
    assert.match(readlinkSync(`/proc/self/fd/${fd}`), /^socket:\[\d+\]$/);
    // Linux doubles the requested size (socket(7)); reading it through the fd shows it is this socket.
    socket.setRecvBufferSize(77_777);
    assert.equal(libc().getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF).value, 2 * 77_777);
    await new Promise<void>((resolve) => socket.close(resolve));
    assert.equal(socketDescriptor(socket), undefined);
  });
}

test('enlargeReceiveBuffer: past net.core.rmem_max with CAP_NET_ADMIN (SO_RCVBUFFORCE)', async (t) => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    t.skip('needs Linux and root (CAP_NET_ADMIN)');
    return;
  }
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const fd = socketDescriptor(socket);
    assert.ok(fd !== undefined);
    const bytes = rmemMax + 65_536;
    assert.equal(enlargeReceiveBuffer(fd, bytes), 2 * bytes);
    assert.equal(socket.getRecvBufferSize(), 2 * bytes);
  } finally {
    await new Promise<void>((resolve) => socket.close(resolve));
  }
});
