/**
 * Known-answer checks of the SKEME modes on the wire (RFC 2409 sections 5, 5.2, 5.3, Appendix B):
 * the datagrams of a seeded exchange between two ikets endpoints are opened here by hand with the
 * formulas of test/support/skeme-formulas.ts (node:crypto only, nothing of the engine's): the
 * nonces RSA-decrypted with the private keys, Ne_i / Ke_i (with the Appendix B expansion:
 * AES-256 needs 32 octets, HMAC-SHA1 gives 20) and the KE / ID bodies of the revised mode, SKEYID,
 * and HASH_R (Aggressive Mode message 2, in the clear) or HASH_I (Main Mode message 5, decrypted
 * with Ka and the phase 1 IV; g^xy, a Diffie-Hellman result and no SKEME formula, is taken from the
 * initiator's key pair).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendixB,
  decryptBody,
  hash,
  hashI,
  hashR,
  ke,
  ne,
  openKeBodies,
  payloadBodies,
  phase1Iv,
  prf,
  rsaDecryptByHand,
  skeyidFamily,
  skeyidPke,
} from '../support/skeme-formulas.js';
import { certs, type Method, pkePair } from './pke-peers.js';

const SA = 1;
const KE = 4;
const ID = 5;
const HASH = 8;
const NONCE = 10;
const h = 'sha1' as const;
const AES = 'aes-256-cbc';

/** An ID_FQDN body (RFC 2407 4.6.2): type 2, protocol 0, port 0, the name. */
const fqdnBody = (name: string) => Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from(name, 'latin1')]);

interface Captured {
  readonly from: string;
  readonly data: Buffer;
}

function capture(method: Method, aggressive: boolean) {
  const { net, a } = pkePair(
    method,
    { aggressive, proposals: 'aes256-sha1-modp2048' },
    undefined,
    `kat-${method}-${aggressive}`,
  );
  const seen: Captured[] = [];
  let gxy: Buffer | undefined;
  net.tap = (from, t) => {
    seen.push({ from, data: Buffer.from(t.data) });
    // g^xy from the initiator's key pair while it still has it (released once phase 1 is done).
    const sa = a.ikeSas.all()[0];
    if (gxy === undefined && sa?.dh !== undefined && sa.gxr.length > 0) gxy = sa.dh.computeSecret(sa.gxr);
  };
  a.initiate(0, 'gw', 'net');
  net.run(10_000);
  return { seen, gxy };
}

/** Opens the offer of one side: its nonce, KE and ID bodies, by the method's formulas. */
function openOffer(method: Method, datagram: Buffer, ownKey: typeof certs.a.key, cookie: Buffer) {
  const bodies = payloadBodies(datagram);
  const body = (type: number) => bodies.find((p) => p.type === type)?.body ?? Buffer.alloc(0);
  const nonce = rsaDecryptByHand(ownKey, body(NONCE));
  if (method === 'pke') {
    return {
      nonce,
      gx: body(KE),
      id: rsaDecryptByHand(ownKey, body(ID)),
      hash1: bodies.find((p) => p.type === HASH),
    };
  }
  // Section 5.3: the payloads after the nonce, in their order, under Ke.
  const after = bodies
    .slice(bodies.findIndex((p) => p.type === NONCE) + 1)
    .filter((p) => p.type === KE || p.type === ID);
  const key = ke(h, nonce, cookie, 32);
  assert.equal(key.length, 32);
  // Appendix B's expansion really happened: Ne is 20 octets, the key is K1 | K2 cut to 32.
  assert.deepEqual(key.subarray(0, 20), prf(h, ne(h, nonce, cookie), Buffer.from([0])));
  const [gx, id] = openKeBodies(
    AES,
    16,
    key,
    after.map((p) => p.body),
  );
  return {
    nonce,
    gx: gx ?? Buffer.alloc(0),
    id: id ?? Buffer.alloc(0),
    hash1: bodies.find((p) => p.type === HASH),
  };
}

describe('SKEME on the wire, checked by hand (RFC 2409 5.2, 5.3, Appendix B)', () => {
  for (const method of ['pke', 'pke-revised'] as const) {
    it(`${method}, Aggressive Mode: nonces, IDs, KEs, SKEYID and HASH_R of message 2`, () => {
      const { seen } = capture(method, true);
      const m1 = seen[0]?.data ?? Buffer.alloc(0);
      const m2 = seen[1]?.data ?? Buffer.alloc(0);
      assert.equal(seen[1]?.from, 'b');
      const ckyI = m1.subarray(0, 8);
      const ckyR = m2.subarray(8, 16);
      const saiB = payloadBodies(m1).find((p) => p.type === SA)?.body ?? Buffer.alloc(0);
      const i = openOffer(method, m1, certs.b.key, ckyI);
      const r = openOffer(method, m2, certs.a.key, ckyR);
      // HASH(1) names the certificate the initiator encrypted to.
      assert.deepEqual(i.hash1?.body, hash(h, certs.b.der));
      assert.deepEqual(i.id, fqdnBody('a.ikets.test'));
      assert.deepEqual(r.id, fqdnBody('b.ikets.test'));
      assert.equal(i.gx.length, 256);
      assert.equal(r.gx.length, 256);
      assert.equal(i.nonce.length, 32);
      const skeyid = skeyidPke(h, i.nonce, r.nonce, ckyI, ckyR);
      const expected = hashR(h, skeyid, i.gx, r.gx, ckyI, ckyR, saiB, r.id);
      assert.deepEqual(payloadBodies(m2).find((p) => p.type === HASH)?.body, expected);
    });

    it(`${method}, Main Mode: nonces, IDs, KEs, SKEYID, Ka and HASH_I of message 5`, () => {
      const { seen, gxy } = capture(method, false);
      const m1 = seen[0]?.data ?? Buffer.alloc(0);
      const m3 = seen[2]?.data ?? Buffer.alloc(0);
      const m4 = seen[3]?.data ?? Buffer.alloc(0);
      const m5 = seen[4]?.data ?? Buffer.alloc(0);
      assert.equal(seen[4]?.from, 'a');
      const ckyI = m3.subarray(0, 8);
      const ckyR = m3.subarray(8, 16);
      const saiB = payloadBodies(m1).find((p) => p.type === SA)?.body ?? Buffer.alloc(0);
      const i = openOffer(method, m3, certs.b.key, ckyI);
      const r = openOffer(method, m4, certs.a.key, ckyR);
      assert.deepEqual(i.hash1?.body, hash(h, certs.b.der));
      assert.deepEqual(i.id, fqdnBody('a.ikets.test'));
      assert.deepEqual(r.id, fqdnBody('b.ikets.test'));
      assert.ok(gxy !== undefined);
      const skeyid = skeyidPke(h, i.nonce, r.nonce, ckyI, ckyR);
      const { e } = skeyidFamily(h, skeyid, gxy, ckyI, ckyR);
      const ka = appendixB(h, e, 32);
      const plain = decryptBody(AES, ka, phase1Iv(h, i.gx, r.gx, 16), m5.subarray(28));
      // HASH_I first (the INITIAL-CONTACT notify may follow: RFC 2407 4.6.3.3).
      assert.equal(m5[16], HASH, 'message 5 starts with HASH_I');
      assert.ok(plain[0] === 0 || plain[0] === 11);
      const length = ((plain[2] ?? 0) << 8) | (plain[3] ?? 0);
      assert.deepEqual(plain.subarray(4, length), hashI(h, skeyid, i.gx, r.gx, ckyI, ckyR, saiB, i.id));
    });
  }
});
