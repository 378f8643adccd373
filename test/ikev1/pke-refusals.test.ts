/**
 * SKEME public-key encryption (RFC 2409 sections 5.2/5.3) refusals between two ikets endpoints:
 * a wrong private key, a wrong certificate of the peer, a payload changed on the way (nonce, ID,
 * revised KE) each end phase 1 on both sides with a named, typed reason; a nonce whose PKCS#1
 * padding is wrong and one encrypted to another key cannot be told apart by what we send.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { describe, it } from 'node:test';
import { ExchangeType } from '../../src/codec/index.js';
import type { Transmit } from '../../src/sa/types.js';
import { makeCert, testCredentials } from '../support/test-pki.js';
import { certs, type Method, pkePair } from './pke-peers.js';

/** The byte offset of the body of the first payload of `type` in an unencrypted ISAKMP datagram. */
function payloadBodyAt(data: Uint8Array, type: number): { start: number; end: number } | undefined {
  let next = data[16] ?? 0;
  let at = 28;
  while (next !== 0 && at + 4 <= data.length) {
    const length = ((data[at + 2] ?? 0) << 8) | (data[at + 3] ?? 0);
    if (next === type) return { start: at + 4, end: at + length };
    next = data[at] ?? 0;
    at += length;
  }
  return undefined;
}

const NONCE = 10;
const ID = 5;
const KE = 4;

/**
 * Changes the initiator's offer (MM 3 / AM 1) of its first ISAKMP SA in flight, with `change(body)`,
 * each time it is sent: the engine retransmits from its own copy, so each retransmission is changed
 * alike (an attacker on the path who changed one copy changes them all).
 */
function changeOffer(type: number, change: (body: Uint8Array) => void) {
  let cookie: string | undefined;
  return (from: string, t: Transmit) => {
    const exchange = t.data[18];
    const offer =
      from === 'a' &&
      (t.data[19] ?? 0) === 0 &&
      ((exchange === ExchangeType.IDENTITY_PROTECTION && payloadBodyAt(t.data, KE) !== undefined) ||
        exchange === ExchangeType.AGGRESSIVE);
    if (!offer) return;
    const initiatorCookie = Buffer.from(t.data.subarray(0, 8)).toString('hex');
    if (cookie !== undefined && cookie !== initiatorCookie) return;
    const body = payloadBodyAt(t.data, type);
    if (body === undefined) return;
    cookie = initiatorCookie;
    change(t.data.subarray(body.start, body.end));
  };
}

function run(
  method: Method,
  aggressive: boolean,
  o: Parameters<typeof pkePair>[1] = {},
  tap?: ReturnType<typeof changeOffer>,
) {
  const { net, a, b } = pkePair(method, { aggressive, ...o });
  const sentByB: string[] = [];
  net.tap = (from, t, at) => {
    tap?.(from, t);
    if (from === 'b') sentByB.push(`${at} ${t.data[18]} ${t.data[19]} ${t.data.length}`);
  };
  a.initiate(0, 'gw', 'net');
  net.run(200_000);
  const downs = (['a', 'b'] as const).flatMap((side) =>
    net
      .eventsOf(side, 'ike-sa-down')
      .flatMap((e) =>
        e.type === 'ike-sa-down' ? [{ side, failure: e.sa.failure ?? '', code: e.sa.failureCode }] : [],
      ),
  );
  return {
    a: net.logsOf('a').join('\n'),
    b: net.logsOf('b').join('\n'),
    downs,
    down: (side: 'a' | 'b') => downs.find((d) => d.side === side),
    up: a.ikeSaList().length + b.ikeSaList().length,
    children: a.childSaList().length + b.childSaList().length,
    sentByB,
  };
}

const flip = (at: number) => (body: Uint8Array) => {
  body[at] = (body[at] ?? 0) ^ 0x5a;
};

describe('SKEME refusals: each ends phase 1 on both sides with a named reason', () => {
  for (const method of ['pke', 'pke-revised'] as const) {
    for (const aggressive of [false, true]) {
      const mode = aggressive ? 'Aggressive' : 'Main';
      it(`${method}, ${mode} Mode: a wrong private key of the responder`, () => {
        const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        const r = run(method, aggressive, {
          pubkey: {
            a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, peers: { 'b.crt': certs.b } }),
            b: testCredentials({
              local: { 'b.crt': { cert: { ...certs.b, key: other } } },
              peers: { 'a.crt': certs.a },
            }),
          },
        });
        assert.equal(r.up, 0, `${r.a}\n${r.b}`);
        assert.equal(r.children, 0);
        assert.equal(r.down('b')?.code, 'nonce-rejected', JSON.stringify(r.downs));
        assert.match(r.down('b')?.failure ?? '', /nonce did not decrypt under our key/);
        assert.ok(r.down('a') !== undefined, JSON.stringify(r.downs));
      });

      it(`${method}, ${mode} Mode: the initiator has a wrong certificate of the responder`, () => {
        const c = makeCert('c.ikets.test', { keyType: 'rsa' });
        const r = run(method, aggressive, {
          pubkey: {
            a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, peers: { 'b.crt': c } }),
            b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, peers: { 'a.crt': certs.a } }),
          },
        });
        assert.equal(r.up, 0, `${r.a}\n${r.b}`);
        assert.equal(r.down('b')?.code, 'hash1-unknown', JSON.stringify(r.downs));
        assert.match(r.b, /HASH\(1\) names none of our keys/);
        assert.ok(r.down('a') !== undefined, JSON.stringify(r.downs));
      });

      it(`${method}, ${mode} Mode: the responder has a wrong certificate of the initiator`, () => {
        const c = makeCert('c.ikets.test', { keyType: 'rsa' });
        const r = run(method, aggressive, {
          pubkey: {
            a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, peers: { 'b.crt': certs.b } }),
            b: testCredentials({ local: { 'b.crt': { cert: certs.b } }, peers: { 'a.crt': c } }),
          },
        });
        assert.equal(r.up, 0, `${r.a}\n${r.b}`);
        // The initiator cannot decrypt Nr: HASH_R (Aggressive Mode) or message 6 fails, named.
        assert.match(`${r.a}\n${JSON.stringify(r.downs)}`, /nonce did not decrypt under our key/);
        assert.ok(r.down('b') !== undefined, JSON.stringify(r.downs));
      });

      it(`${method}, ${mode} Mode: the nonce changed on the way`, () => {
        const r = run(method, aggressive, {}, changeOffer(NONCE, flip(100)));
        assert.equal(r.up, 0);
        assert.equal(r.down('b')?.code, 'nonce-rejected', JSON.stringify(r.downs));
        assert.ok(r.down('a') !== undefined, JSON.stringify(r.downs));
      });

      it(`${method}, ${mode} Mode: the ID changed on the way`, () => {
        const r = run(method, aggressive, {}, changeOffer(ID, flip(method === 'pke' ? 100 : 2)));
        assert.equal(r.up, 0, `${r.a}\n${r.b}`);
        const b = r.down('b');
        assert.ok(b !== undefined, JSON.stringify(r.downs));
        assert.match(
          b.code ?? '',
          method === 'pke' ? /^id-rejected$/ : /^(id-unreadable|ke-padding|bad-hash)$/,
        );
        assert.match(r.b, /HASH_I does not verify/);
        assert.ok(r.down('a') !== undefined, JSON.stringify(r.downs));
        if (!aggressive) assert.match(r.a, /the peer refused: AUTHENTICATION_FAILED/);
      });
    }

    if (method === 'pke-revised')
      for (const aggressive of [false, true])
        it(`pke-revised, ${aggressive ? 'Aggressive' : 'Main'} Mode: the KE changed on the way`, () => {
          const r = run(method, aggressive, {}, changeOffer(KE, flip(3)));
          assert.equal(r.up, 0, `${r.a}\n${r.b}`);
          const b = r.down('b');
          const a = r.down('a');
          assert.ok(a !== undefined && b !== undefined, JSON.stringify(r.downs));
          if (aggressive) {
            // g^xi is in HASH_R: the initiator finds it does not verify; the responder waits for
            // a message 3 that never comes.
            assert.match(a.failure, /HASH_R does not verify/);
            assert.match(r.b, /no answer after/);
          } else assert.match(b.code ?? '', /^(ke-unusable|keys-differ)$/);
        });
  }
});

describe('SKEME: a wrong padding looks like a wrong key from outside (implicit rejection)', () => {
  for (const method of ['pke', 'pke-revised'] as const) {
    for (const aggressive of [false, true]) {
      it(`${method}, ${aggressive ? 'Aggressive' : 'Main'} Mode: the same notify and the same datagrams after`, () => {
        const k = 256;
        // A ciphertext under b's key whose padding is wrong (block type 1, not 2)...
        const em = Buffer.alloc(k, 0x33);
        em[0] = 0;
        em[1] = 1;
        const badPadding = publicEncrypt(
          { key: certs.b.x509.publicKey, padding: constants.RSA_NO_PADDING },
          em,
        );
        // ...and a well-padded nonce encrypted to another key of the same size.
        const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
        const wrongKey = publicEncrypt(
          { key: other, padding: constants.RSA_PKCS1_PADDING },
          Buffer.alloc(32, 7),
        );
        const replace = (ct: Buffer) => (body: Uint8Array) => body.set(ct);
        const padding = run(method, aggressive, {}, changeOffer(NONCE, replace(badPadding)));
        const key = run(method, aggressive, {}, changeOffer(NONCE, replace(wrongKey)));
        assert.equal(padding.up + key.up, 0);
        // Every datagram b sent: when, exchange type, flags, size.
        assert.deepEqual(padding.sentByB, key.sentByB);
        assert.ok(padding.sentByB.length >= 2, padding.sentByB.join('\n'));
        assert.equal(padding.down('b')?.code, 'nonce-rejected');
        assert.equal(key.down('b')?.code, 'nonce-rejected');
        // Our own log names the cause in both.
        assert.match(padding.down('b')?.failure ?? '', /nonce did not decrypt under our key/);
      });
    }
  }
});
