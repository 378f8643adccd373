/**
 * swanctl.conf of the daemon cases in the guest: ikets in namespace A (192.168.99.1, subnets
 * 10.1.0.0/24 and 10.1.1.0/24 behind it), and in namespace B either charon or a second ikets
 * (192.168.99.2, 10.2.0.0/24 and 10.2.1.0/24). The same syntax configures both implementations.
 *
 * Children: `net` (tunnel between the subnets, ESP aes128-sha256 with PFS), `host` (transport mode
 * between the two hosts, AES-GCM), `trapnet` (tunnel, `start_action = trap` on A) and, on a
 * connection `enc` of its own with `encap = yes` on ikets' side, `encnet` (ESP in UDP).
 */
export const PSK = 'kernel-dataplane-psk-0123456789';

const A = {
  outer: '192.168.99.1',
  net: '10.1.0.0/24',
  trap: '10.1.1.0/24',
  id: 'a.test',
  encId: 'a-enc.test',
};
const B = { outer: '192.168.99.2', net: '10.2.0.0/24', trap: '10.2.1.0/24', id: 'b.test' };

function connection(
  name: string,
  side: 'a' | 'b',
  localId: string,
  remoteId: string,
  extra: string,
  children: string,
): string {
  const [local, remote] = side === 'a' ? [A.outer, B.outer] : [B.outer, A.outer];
  return `  ${name} {
    version = 1
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = aes128-sha256-modp2048
${extra}    local {
      auth = psk
      id = ${localId}
    }
    remote {
      auth = psk
      id = ${remoteId}
    }
    children {
${children}
    }
  }
`;
}

function child(name: string, body: Record<string, string>): string {
  const lines = Object.entries(body).map(([k, v]) => `        ${k} = ${v}`);
  return `      ${name} {\n${lines.join('\n')}\n      }`;
}

const secrets = `secrets {
  ike-1 {
    id-a = ${A.id}
    id-b = ${B.id}
    id-c = ${A.encId}
    secret = "${PSK}"
  }
}
`;

/**
 * ikets in A: `gw` (net, host, trapnet with start_action = trap) and `enc` (encap = yes); `dpdDelay`
 * turns DPD on for `gw` (the DPD case; its peer in B runs none, so every Informational A sends then
 * is an R-U-THERE).
 */
export function iketsA(dpdDelay?: string): string {
  const gw = [
    child('net', { local_ts: A.net, remote_ts: B.net, esp_proposals: 'aes128-sha256-modp2048' }),
    child('host', { mode: 'transport', esp_proposals: 'aes256gcm16' }),
    child('trapnet', {
      local_ts: A.trap,
      remote_ts: B.trap,
      esp_proposals: 'aes256-sha1',
      start_action: 'trap',
    }),
  ].join('\n');
  const enc = child('encnet', { local_ts: A.net, remote_ts: B.net, esp_proposals: 'aes256-sha256' });
  return `connections {
${connection('gw', 'a', A.id, B.id, dpdDelay === undefined ? '' : `    dpd_delay = ${dpdDelay}\n`, gw)}${connection('enc', 'a', A.encId, B.id, '    encap = yes\n', enc)}}
${secrets}`;
}

/** The peer in B (charon or ikets): the same children seen from the other side, no trap. */
export function peerB(kind: 'charon' | 'ikets'): string {
  const gw = [
    child('net', { local_ts: B.net, remote_ts: A.net, esp_proposals: 'aes128-sha256-modp2048' }),
    child('host', { mode: 'transport', esp_proposals: 'aes256gcm16' }),
    child('trapnet', { local_ts: B.trap, remote_ts: A.trap, esp_proposals: 'aes256-sha1' }),
  ].join('\n');
  const enc = child('encnet', { local_ts: B.net, remote_ts: A.net, esp_proposals: 'aes256-sha256' });
  const conns =
    kind === 'charon'
      ? connection('gw', 'b', B.id, A.id, '', gw) + connection('enc', 'b', B.id, A.encId, '', enc)
      : connection('gw', 'b', B.id, A.id, '', gw);
  return `connections {
${conns}}
${secrets}`;
}
