/** Two ikets endpoints authenticating with SKEME public-key encryption (RFC 2409 5.2/5.3). */
import { makeCert, testCredentials } from '../support/test-pki.js';
import { makePair, type PeerOptions } from './peers.js';

export const certs = {
  a: makeCert('a.ikets.test', { keyType: 'rsa', san: ['DNS:a.ikets.test'] }),
  b: makeCert('b.ikets.test', { keyType: 'rsa', san: ['DNS:b.ikets.test'] }),
};

export type Method = 'pke' | 'pke-revised';

/** Both sides with their key and certificate, each knowing the other's certificate (or raw key). */
export function pkePair(
  method: Method,
  o: Partial<PeerOptions> & { raw?: boolean } = {},
  conditions?: Parameters<typeof makePair>[1],
  seed?: string,
) {
  const remote = (other: 'a' | 'b') =>
    o.raw === true
      ? `id = ${other}.ikets.test\n      pubkeys = ${other}.pem`
      : `id = ${other}.ikets.test\n      certs = ${other}.crt`;
  return makePair(
    {
      ...o,
      pubkey: {
        auth: method,
        a: testCredentials({
          local: { 'a.crt': { cert: certs.a } },
          peers: { 'b.crt': certs.b },
          pubkeys: { 'b.pem': certs.b.x509.publicKey },
        }),
        b: testCredentials({
          local: { 'b.crt': { cert: certs.b } },
          peers: { 'a.crt': certs.a },
          pubkeys: { 'a.pem': certs.a.x509.publicKey },
        }),
        remote: { a: remote('b'), b: remote('a') },
        ...o.pubkey,
      },
    },
    conditions,
    seed,
  );
}
