/** Two ikets peers on 127.0.0.1 told apart by their ports. */
import { createSocket } from 'node:dgram';

/** Ports free on 127.0.0.1 right now (bound to 0, read, closed): a peer's remote_port must be known. */
export async function freePorts(count: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, async () => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      return s;
    }),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** swanctl.conf of peer `self` of a pair on 127.0.0.1 with IKE ports `ports`. */
export function pairConfig(self: 'a' | 'b', ports: { a: number; b: number }, extra = ''): string {
  const other = self === 'a' ? 'b' : 'a';
  return `
connections {
  gw {
    version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = ${ports[self]}
    remote_port = ${ports[other]}
    proposals = aes128-sha256-modp2048
    ${extra}
    local {
      auth = psk
      id = ${self}.ikets.test
    }
    remote {
      auth = psk
      id = ${other}.ikets.test
    }
    children {
      net {
        local_ts = 10.${self === 'a' ? 1 : 2}.0.0/16
        remote_ts = 10.${self === 'a' ? 2 : 1}.0.0/16
        esp_proposals = aes128-sha256-modp2048
      }
    }
  }
}
secrets {
  ike-gw {
    id-a = a.ikets.test
    id-b = b.ikets.test
    secret = two-daemons-secret-0123456789
  }
}
`;
}
