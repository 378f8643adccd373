/**
 * Two ikets daemons configured for SKEME public-key encryption (issue 9): each side's swanctl files
 * (its RSA certificate and key, the peer's certificate or raw public key) and swanctl.conf.
 */
import { makeCert, type TestCert } from '../support/test-pki.js';
import { other, type Side } from './daemon-pair.js';

export const CERTS: Record<Side, TestCert> = {
  a: makeCert('a.ikets.test', { keyType: 'rsa', san: ['DNS:a.ikets.test'] }),
  b: makeCert('b.ikets.test', { keyType: 'rsa', san: ['DNS:b.ikets.test'] }),
};
/** An RSA key that is neither side's. */
export const STRANGER = makeCert('stranger.ikets.test', { keyType: 'rsa' });

export type Method = 'pke' | 'pke-revised';
export type PeerKey = 'x509' | 'pubkey';

/** The swanctl files of `self`: its certificate and key; the peer's certificate or raw key. */
export function pkeFiles(self: Side, peerKey: PeerKey, peer: TestCert = CERTS[other(self)]) {
  const mine = CERTS[self];
  return {
    [`x509/${self}.crt`]: mine.pem,
    [`private/${self}.key`]: mine.key.export({ format: 'pem', type: 'pkcs8' }),
    ...(peerKey === 'x509'
      ? { [`x509/${other(self)}.crt`]: peer.pem }
      : { [`pubkey/${other(self)}.pem`]: peer.x509.publicKey.export({ format: 'pem', type: 'spki' }) }),
  };
}

/**
 * One connection `gw` with children `pfs` (modp2048) and `nopfs`, or the children given; `extra`
 * lines go into the connection.
 */
export function pkeConfig(
  self: Side,
  ports: Record<Side, number>,
  o: { method: Method; aggressive: boolean; peerKey: PeerKey; extra?: string; children?: string },
): string {
  const peer = other(self);
  const net = (n: number) => `10.${self === 'a' ? 1 : 2}.${n}.0/24`;
  const far = (n: number) => `10.${self === 'a' ? 2 : 1}.${n}.0/24`;
  return `connections {
  gw {
    version = 1
    aggressive = ${o.aggressive ? 'yes' : 'no'}
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = ${ports[self]}
    remote_port = ${ports[peer]}
    proposals = aes128-sha256-modp2048
    ${o.extra ?? ''}
    local {
      auth = ${o.method}
      certs = ${self}.crt
      id = ${self}.ikets.test
    }
    remote {
      auth = ${o.method}
      ${o.peerKey === 'x509' ? `certs = ${peer}.crt` : `pubkeys = ${peer}.pem`}
      id = ${peer}.ikets.test
    }
    children {
${
  o.children ??
  `      pfs {
        local_ts = ${net(1)}
        remote_ts = ${far(1)}
        esp_proposals = aes128-sha256-modp2048
      }
      nopfs {
        local_ts = ${net(2)}
        remote_ts = ${far(2)}
        esp_proposals = aes128-sha256
      }`
}
    }
  }
}
`;
}
