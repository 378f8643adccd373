// swanctl's pubkey/ folder read by charon and by ikets (issue 9): the same files give the same
// "List of Raw Public Keys" entries (type, size, keyid, subjkey) in `swanctl --list-certs` and in
// `ikets list-certs`, and the certificates' keyid/subjkey agree too; a PKCS#1 RSAPublicKey is refused
// by both. charon runs in a namespace of its own and sends nothing.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  formatCredentialListing,
  loadCredentials,
  PkiError,
  summarizeCredentials,
} from '../../src/pki/index.js';
import { after, before, it, suite } from '../support/suite.js';
import { makeCert } from '../support/test-pki.js';
import { type Charon, createNetnsPair, ensureTools, type NetnsPair, startCharon } from './harness/index.js';

const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const rsa3072 = generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
const ca = makeCert('ikets Pubkey CA', { ca: true });

/** The blocks under a `List of ...` caption, each its lines joined, sorted (orders differ). */
function blocks(listing: string, caption: string): string[] {
  const start = listing.indexOf(`List of ${caption}`);
  if (start < 0) return [];
  const rest = listing.slice(start).split('\n').slice(1);
  const end = rest.findIndex((l) => l.startsWith('List of '));
  return (end < 0 ? rest : rest.slice(0, end))
    .join('\n')
    .split('\n\n')
    .map((b) => b.trim())
    .filter((b) => b !== '')
    .sort();
}

/** The lines of a listing that describe keys: `pubkey:`, `keyid:`, `subjkey:`. */
const keyLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => /^ {2}(pubkey|keyid|subjkey):/.test(l))
    .map((l) => l.trimEnd());

suite('pubkey/: ikets lists what charon lists', { skip: tools.ok ? false : tools.reason }, () => {
  let pair: NetnsPair | undefined;
  let charon: Charon | undefined;

  before(async () => {
    pair = await createNetnsPair();
    charon = await startCharon({ name: 'pubkeys', netns: pair.a.ns });
    await charon.load('connections {}\n', {
      'pubkey/rsa.pem': rsa.export({ type: 'spki', format: 'pem' }),
      'pubkey/rsa3072.der': rsa3072.export({ type: 'spki', format: 'der' }),
      'pubkey/ec.pem': ec.export({ type: 'spki', format: 'pem' }),
      'x509ca/ca.crt': ca.pem,
    });
  });
  after(async () => {
    await charon?.stop();
    await pair?.destroy();
  });

  it('the same raw public keys, with the same keyid and subjkey', async () => {
    const c = charon ?? assert.fail('no charon');
    const theirs = (await c.swanctl(['--list-certs'])).stdout;
    const ours = formatCredentialListing(summarizeCredentials(loadCredentials(c.swanctlDir)), Date.now());
    const raw = blocks(ours, 'Raw Public Keys');
    assert.equal(raw.length, 3);
    assert.deepEqual(raw, blocks(theirs, 'Raw Public Keys'));
    assert.match(
      raw.join('\n'),
      /pubkey: {4}RSA 3072 bits\n {2}keyid: {5}[0-9a-f:]{59}\n {2}subjkey: {3}[0-9a-f:]{59}/,
    );
    // Raw public keys come first in both.
    assert.ok(theirs.trimStart().startsWith('List of Raw Public Keys'), theirs);
    assert.ok(ours.trimStart().startsWith('List of Raw Public Keys'), ours);
    // The CA certificate's key lines agree as well (its dates print in another time zone format).
    const caKeys = (text: string) => keyLines(text.slice(text.indexOf('List of X.509 CA Certificates')));
    assert.deepEqual(caKeys(ours), caKeys(theirs));
    assert.equal(caKeys(ours).length, 3);
  });

  it('a PKCS#1 RSAPublicKey is refused by both', async () => {
    const c = charon ?? assert.fail('no charon');
    await c.load('connections {}\n', { 'pubkey/pkcs1.der': rsa.export({ type: 'pkcs1', format: 'der' }) });
    const load = await c.swanctl(['--load-creds', '--noprompt'], true);
    assert.match(load.stderr, /loading '[^']*pubkey\/pkcs1\.der' failed: parsing PUBKEY certificate failed/);
    assert.throws(
      () => loadCredentials(c.swanctlDir),
      (e: unknown) => e instanceof PkiError && /pkcs1\.der: a PKCS#1 RSAPublicKey \(DER\)/.test(e.message),
    );
  });
});
