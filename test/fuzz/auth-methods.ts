/**
 * The phase 1 authentication of a stateful fuzzing scenario: pre-shared keys, signatures (RFC 2409
 * section 5.1, ECDSA certificates from a test CA) or SKEME public-key encryption, in both revisions
 * (sections 5.2 and 5.3, RSA certificates each side knows in advance). Chosen by the scenario's
 * index, so every short run covers all four.
 */

import type { PeerOptions } from '../ikev1/peers.js';
import { certs as pkeCerts } from '../ikev1/pke-peers.js';
import { makeCert, type TestCert, testCredentials } from '../support/test-pki.js';

export const AUTH_METHODS = ['psk', 'pubkey', 'pke', 'pke-revised'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

let signing: { ca: TestCert; a: TestCert; b: TestCert } | undefined;

function signingCerts(): { ca: TestCert; a: TestCert; b: TestCert } {
  if (signing === undefined) {
    const ca = makeCert('ikets Fuzz CA', { ca: true });
    const host = (name: string) =>
      makeCert(`${name}.ikets.test`, { keyType: 'ec256', issuer: ca, san: [`DNS:${name}.ikets.test`] });
    signing = { ca, a: host('a'), b: host('b') };
  }
  return signing;
}

export const authMethodOf = (index: number): AuthMethod => AUTH_METHODS[index % AUTH_METHODS.length] ?? 'psk';

/** The peers' options for `method` (test/ikev1/peers.ts `pubkey`); nothing for PSK. */
export function authOptions(method: AuthMethod): Pick<PeerOptions, 'pubkey'> {
  if (method === 'psk') return {};
  if (method === 'pubkey') {
    const c = signingCerts();
    const anchors = { 'ca.crt': c.ca };
    return {
      pubkey: {
        a: testCredentials({ local: { 'a.crt': { cert: c.a } }, anchors }),
        b: testCredentials({ local: { 'b.crt': { cert: c.b } }, anchors }),
      },
    };
  }
  return {
    pubkey: {
      auth: method,
      a: testCredentials({ local: { 'a.crt': { cert: pkeCerts.a } }, peers: { 'b.crt': pkeCerts.b } }),
      b: testCredentials({ local: { 'b.crt': { cert: pkeCerts.b } }, peers: { 'a.crt': pkeCerts.a } }),
      remote: { a: 'id = b.ikets.test\n      certs = b.crt', b: 'id = a.ikets.test\n      certs = a.crt' },
    },
  };
}
